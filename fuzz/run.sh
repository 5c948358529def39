#!/usr/bin/env bash
# fuzz/run.sh SECONDS [TARGET...] - build the libFuzzer targets into
# build-fuzz/ (clang-19, -DSONDE_FUZZ=ON) and run each for SECONDS seconds.
#
# Targets default to fuzz_parse fuzz_sema fuzz_codegen (fuzz_object on
# request). Each starts from the committed seeds (fuzz/corpus/; for
# fuzz_object, fuzz/corpus_object/) plus what earlier runs added to its working
# corpus build-fuzz/corpus/TARGET/ (the committed corpus is never written).
# Crashes, leaks and sanitizer reports are saved as
# build-fuzz/artifacts/TARGET/crash-* (leak-*, timeout-*, oom-*); logs are
# build-fuzz/logs/TARGET.log. Exits 1 if any target found something.
#
# Environment: JOBS (parallel fuzzing processes per target, default 1),
# KEEP_GOING=1 (libFuzzer's fork mode: record a crash and carry on instead of
# stopping at the first one; artifacts are kept the same way),
# SONDE_FUZZ_CC (default clang-19), SONDE_FUZZ_BUILD (default build-fuzz).
set -euo pipefail

if [ $# -lt 1 ] || ! [[ "$1" =~ ^[0-9]+$ ]]; then
	echo "usage: fuzz/run.sh SECONDS [fuzz_parse|fuzz_sema|fuzz_codegen|fuzz_object]..." >&2
	exit 2
fi
secs="$1"
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_parse fuzz_sema fuzz_codegen)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
B="${SONDE_FUZZ_BUILD:-$ROOT/build-fuzz}"
CC_FUZZ="${SONDE_FUZZ_CC:-clang-19}"
jobs="${JOBS:-1}"

CC="$CC_FUZZ" cmake -S "$ROOT" -B "$B" -DSONDE_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$B" -j"$(nproc 2>/dev/null || echo 2)" --target "${targets[@]}" >/dev/null

# LLVM's own allocations that live until exit are not ours; see lsan.supp.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$ROOT/fuzz/lsan.supp:print_suppressions=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

found=0
mkdir -p "$B/logs"
for t in "${targets[@]}"; do
	corpus="$B/corpus/$t"
	art="$B/artifacts/$t"
	mkdir -p "$corpus" "$art"
	log="$B/logs/$t.log"
	echo "fuzz: $t for ${secs}s (log $log)"
	before="$(find "$art" -type f | wc -l)"
	rc=0
	par=()
	if [ "${KEEP_GOING:-0}" = 1 ]; then
		par=(-fork="$jobs" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
	elif [ "$jobs" -gt 1 ]; then
		par=(-jobs="$jobs" -workers="$jobs")
	fi
	rm -f "$B"/fuzz-*.log
	# fuzz_object reads objects (6 KB and more), not scripts: its seeds are
	# its own, and its inputs may be as long as fuzz_common.h takes
	seeds="$ROOT/fuzz/corpus" maxlen=4096
	[ "$t" != fuzz_object ] || seeds="$ROOT/fuzz/corpus_object" maxlen=65536
	(cd "$B" && exec "$B/$t" "$corpus" "$seeds" \
		-dict="$ROOT/fuzz/sonde.dict" \
		-max_total_time="$secs" -timeout=20 -rss_limit_mb=4096 -max_len="$maxlen" \
		-artifact_prefix="$art/" -print_final_stats=1 \
		"${par[@]}") >"$log" 2>&1 || rc=$?
	if [ "$jobs" -gt 1 ] && [ "${KEEP_GOING:-0}" != 1 ]; then
		cat "$B"/fuzz-*.log >>"$log" 2>/dev/null || true
		rm -f "$B"/fuzz-*.log
	fi
	# Executions: fork mode's last "#N: cov:" line; otherwise the final
	# stats of each worker (printed twice after a crash, hence uniq).
	if [ "${KEEP_GOING:-0}" = 1 ]; then
		runs="$(sed -n 's/^#\([0-9]*\): cov:.*/\1/p' "$log" | tail -n 1)"
	else
		runs="$(grep -h 'stat::number_of_executed_units' "$log" | uniq |
			awk '{s += $2} END {print s + 0}')"
	fi
	after="$(find "$art" -type f | wc -l)"
	if [ "$rc" -ne 0 ] || [ "$after" -gt "$before" ]; then
		echo "fuzz: $t: FOUND SOMETHING (exit $rc) after $runs runs; see $log and $art/"
		found=1
	else
		echo "fuzz: $t: $runs runs, nothing found"
	fi
done
exit "$found"
