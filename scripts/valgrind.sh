#!/bin/sh
# scripts/valgrind.sh [BUILD_DIR] -- the cmocka unit suite under valgrind.
#
# Why: CI runs every suite under ASan+UBSan; valgrind's memcheck is a
# second, independent opinion on leaks and uninitialised reads, on a plain
# (non-sanitizer) build whose allocator is the real one.  Every unit test
# runs under `valgrind --leak-check=full --error-exitcode=1`; a definite or
# possible leak, an invalid access or a conditional jump on an
# uninitialised value fails it.  Third-party leaks are suppressed in
# tests/valgrind.supp, one reason each; realmgate's own leaks are fixed.
#
# BUILD_DIR defaults to build-valgrind (meson setup --buildtype=debug, no
# sanitizer).  VALGRIND_TIMEOUT_MULTIPLIER (default 20) stretches meson's
# per-test timeouts; VALGRIND_TESTS names tests to run instead of all (e.g.
# "realm-pam ticket").  The realm-pam test is a shell script that starts the
# test binary under pam_wrapper: valgrind follows it into the binary and
# skips the system tools the script runs.
set -eu
BUILD=${1:-build-valgrind}
cd "$(dirname "$0")/.."

command -v valgrind >/dev/null 2>&1 || {
	echo "valgrind.sh: valgrind not installed (apt-get install valgrind)" >&2
	exit 1
}
if [ ! -f "$BUILD/build.ninja" ]; then
	meson setup "$BUILD" --buildtype=debug >/dev/null
fi
sanitize=$(meson introspect --buildoptions "$BUILD" | python3 -c '
import json, sys
print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "b_sanitize"))')
if [ "$sanitize" != none ]; then
	echo "valgrind.sh: $BUILD is built with -fsanitize=$sanitize;" \
	    "valgrind needs a plain build" >&2
	exit 1
fi
ninja -C "$BUILD"
VALGRIND_TESTS=${VALGRIND_TESTS:-}

VG="valgrind --leak-check=full --error-exitcode=1"
VG="$VG --show-leak-kinds=definite,possible"
VG="$VG --errors-for-leak-kinds=definite,possible"
VG="$VG --suppressions=$(pwd)/tests/valgrind.supp --num-callers=40 -q"
VG="$VG --trace-children=yes"
VG="$VG --trace-children-skip=/bin/*,/usr/bin/*,/usr/sbin/*,/sbin/*"

exec meson test -C "$BUILD" --suite unit $VALGRIND_TESTS --print-errorlogs \
    --num-processes 2 \
    --timeout-multiplier "${VALGRIND_TIMEOUT_MULTIPLIER:-20}" \
    --wrap "$VG"
