#!/bin/sh
# run.sh SONDE CACHEDIR OUT ARG... - cache.test's run: `SONDE -v ARG...`
# with SONDE_CACHE_DIR=CACHEDIR, its stdout kept in OUT; prints what
# sonde said about the cache (its "sonde: cache:" lines and the --cache
# warnings, the entry's name shortened to ENTRY) and its exit status.
set -u
sonde=$1 dir=$2 out=$3
shift 3
SONDE_CACHE_DIR=$dir "$sonde" -v "$@" >"$out" 2>"$out.err"
rc=$?
grep -E '^sonde: (cache|--cache):' "$out.err" | sed -E 's|/[^ ]*/[0-9a-f]{32}\.o|ENTRY|g'
echo "exit $rc"
