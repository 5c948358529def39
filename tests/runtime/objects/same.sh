#!/bin/sh
# same.sh SONDE TMPDIR SCRIPT PARAM CMD [OPTION...] - objects.test's check
# that an object runs as its script does: SCRIPT (a file here) is compiled
# with --emit-elf into TMPDIR, then run twice with the OPTIONs and -c CMD
# (none when CMD is "-"): as `sonde -e "$(cat SCRIPT)" PARAM`, and as
# `sonde OBJECT` by a copy of sonde in a directory without
# sonde-backend.so (so the object runs without the compiler: that copy
# cannot compile; in a build that links the compiler in, the sanitizer
# build, there is no module to leave out and the copy is only a copy).
# Prints the object run's stdout when the two are byte-identical;
# otherwise the difference, and exits 1.
set -u
sonde=$1 tmp=$2 script=$3 param=$4 cmd=$5
shift 5
prog=$(cat "$script") || exit 1
obj=$tmp/$(basename "$script" .bt).o
"$sonde" --emit-elf "$obj" -e "$prog" "$param" || exit 1
mkdir -p "$tmp/bin" && cp "$sonde" "$tmp/bin/sonde" || exit 1
if ! "$sonde" --version | grep -q '(linked in)' &&
	"$tmp/bin/sonde" -e 'BEGIN { exit(); }' 2>/dev/null; then
	echo "the copy of sonde compiles: it found a compiler module" >&2
	exit 1
fi
[ "$cmd" = - ] || set -- "$@" -c "$cmd"
"$sonde" "$@" -e "$prog" "$param" >"$tmp/script.out" || exit 1
"$tmp/bin/sonde" "$@" "$obj" >"$tmp/object.out" || exit 1
if ! cmp -s "$tmp/script.out" "$tmp/object.out"; then
	echo "the object's output differs from the script's:"
	diff "$tmp/script.out" "$tmp/object.out"
	exit 1
fi
echo "same output"
cat "$tmp/object.out"
