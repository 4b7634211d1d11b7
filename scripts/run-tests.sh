#!/bin/sh
# Builds realmgate with ASan+UBSan and runs every test suite, then prints
# the closing line "N passed, N failed".  A skipped test counts as failed:
# every peer the tests need is installed by scripts/install-deps.sh, so a
# skip means something is missing.
set -eu
BUILD=${1:-build-asan}
cd "$(dirname "$0")/.."

if [ ! -f "$BUILD/build.ninja" ]; then
	meson setup "$BUILD" -Db_sanitize=address,undefined \
	    -Db_lundef=false --buildtype=debug >/dev/null
fi
ninja -C "$BUILD"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$(pwd)/tests/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

rc=0
meson test -C "$BUILD" --print-errorlogs --num-processes 2 || rc=$?
python3 scripts/test-summary.py "$BUILD/meson-logs/testlog.json" || rc=1
exit $rc
