#!/bin/sh
# `make fuzz`: builds the libFuzzer targets with clang (ASan+UBSan) and
# fuzzes each one listed in tests/fuzz/targets.txt for FUZZ_SECONDS
# (default 60), from its seed corpus and with its dictionary
# (tests/fuzz/dict/<name>.dict).  FUZZ_TARGETS="a b" runs only those.
# New inputs go to build-fuzz/corpus-<name>; a crash, leak or timeout
# leaves its input in build-fuzz/artifacts/ (add it to
# tests/fuzz/corpus/<name>/ as a regression seed once fixed).  Prints per
# target the executions done and any finding, then a summary line; exits
# non-zero if anything was found.
set -eu
cd "$(dirname "$0")/.."
SECS=${FUZZ_SECONDS:-60}
TARGETS=${FUZZ_TARGETS:-$(cat tests/fuzz/targets.txt)}
if [ ! -f build-fuzz/build.ninja ]; then
	CC=clang meson setup build-fuzz -Dfuzzing=true -Dtests=false \
	    -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
fi
nice ninja -C build-fuzz >/dev/null
mkdir -p build-fuzz/artifacts build-fuzz/logs build-fuzz/tmp
# scratch directories a crashed target could not remove
rm -rf build-fuzz/tmp/rg-fuzz-*
# the targets that read real files make their scratch directories here
TMPDIR=$PWD/build-fuzz/tmp
export TMPDIR
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}
total=0
found=0
ran=0
for name in $TARGETS; do
	bin=build-fuzz/tests/fuzz/libfuzzer/fuzz-$name
	if [ ! -x "$bin" ]; then
		echo "== $name: no binary $bin" >&2
		found=$((found + 1))
		continue
	fi
	mkdir -p "build-fuzz/corpus-$name"
	log=build-fuzz/logs/$name.log
	rc=0
	nice "$bin" -max_total_time="$SECS" -max_len=65536 -timeout=10 \
	    -rss_limit_mb=2048 -print_final_stats=1 \
	    -dict="tests/fuzz/dict/$name.dict" \
	    -artifact_prefix="build-fuzz/artifacts/$name-" \
	    "build-fuzz/corpus-$name" "tests/fuzz/corpus/$name" \
	    >"$log" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
	    tail -1)
	secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" |
	    tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
	execs=${execs:-0}
	total=$((total + execs))
	ran=$((ran + 1))
	what=$(grep -m1 -oE 'Assertion .* failed|runtime error: .*|ERROR: [A-Za-z]+Sanitizer: [a-z-]+|ERROR: libFuzzer: [a-z -]+' \
	    "$log" || true)
	if [ "$rc" -ne 0 ] || [ -n "$what" ]; then
		found=$((found + 1))
		echo "== $name: $execs execs in ${secs:-?} s, cov ${cov:-?}:" \
		    "FOUND ${what:-exit $rc} (log $log," \
		    "input $(sed -n 's/.*Test unit written to //p' "$log" |
		    tail -1))"
	else
		echo "== $name: $execs execs in ${secs:-$SECS} s, cov ${cov:-?}:" \
		    "nothing found"
	fi
done
echo "fuzz: $ran targets, $SECS s each, $total executions, $found with findings"
[ "$found" -eq 0 ]
