#!/bin/sh
# scripts/stress.sh [BUILD_DIR] -- `make stress`: crash safety, then load.
#
# Why: "it holds" should be a measured, repeatable fact (issue 9, items 10
# and 12).  Two harnesses, standard-library Python, 127.0.0.1 only:
#
#   tests/stress/crash.py  STRESS_KILLS (default 1000) SIGKILLs at random
#       moments of authd workers, the front, the scheduler and CLI writers
#       during concurrent writes; after every batch of kills every file
#       parses, no acknowledged write is missing, the next write on every
#       lock succeeds within 3 s, no temp file is left.
#   tests/stress/load.py   STRESS_SECONDS (default 300) of mixed load:
#       logins in every local realm type, permission queries, API tokens,
#       wrong passwords, CLI edits, realm syncs; p50/p99 per kind, error
#       answers, RSS/open files/threads of each daemon process.
#
# Environment: STRESS_KILLS, STRESS_SECONDS, STRESS_HTTPS (1: the load runs
# over HTTPS, the default; 0: plain HTTP), STRESS_SEED (crash.py's seed),
# STRESS_ONLY (crash|load: run one of them).  Figures go to
# BUILD_DIR/stress/{crash,load}/ and BUILD_DIR/stress/summary.txt.  Exit
# status 0 when both passed.  Not part of `make test` (it takes minutes
# and loads the whole machine); the lead runs it after merging.
set -u
BUILD=${1:-build}
cd "$(dirname "$0")/.."
ninja -C "$BUILD" >/dev/null || exit 1
BIN=$(pwd)/$BUILD/realmgate
OUT=$BUILD/stress
mkdir -p "$OUT"
PY=/usr/bin/python3

crash_rc=skipped
load_rc=skipped
if [ "${STRESS_ONLY:-crash}" = crash ]; then
	rm -f "$OUT/crash/summary.txt"
	echo "== stress: crash safety (${STRESS_KILLS:-1000} kills)"
	set -- --bin "$BIN" --kills "${STRESS_KILLS:-1000}" --out "$OUT/crash"
	[ -n "${STRESS_SEED:-}" ] && set -- "$@" --seed "$STRESS_SEED"
	nice "$PY" tests/stress/crash.py "$@"
	crash_rc=$?
fi
if [ "${STRESS_ONLY:-load}" = load ]; then
	rm -f "$OUT/load/summary.txt"
	echo "== stress: load (${STRESS_SECONDS:-300} s)"
	set -- --bin "$BIN" --seconds "${STRESS_SECONDS:-300}" --out "$OUT/load"
	[ "${STRESS_HTTPS:-1}" = 1 ] && set -- "$@" --https
	"$PY" tests/stress/load.py "$@"
	load_rc=$?
fi

verdict() {
	case $1 in
	0) echo PASS ;;
	skipped) echo "not run" ;;
	*) echo FAIL ;;
	esac
}
{
	echo "realmgate stress, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs,"\
	    "$(git rev-parse --short HEAD 2>/dev/null || echo '?')"
	[ "$crash_rc" != skipped ] && { echo; cat "$OUT/crash/summary.txt"; }
	[ "$load_rc" != skipped ] && { echo; cat "$OUT/load/summary.txt"; }
	echo
	echo "stress: crash safety $(verdict "$crash_rc"), load $(verdict "$load_rc")"
} >"$OUT/summary.txt"
tail -n 1 "$OUT/summary.txt"
echo "figures: $OUT/summary.txt"
[ "$crash_rc" != 0 ] && [ "$crash_rc" != skipped ] && exit 1
[ "$load_rc" != 0 ] && [ "$load_rc" != skipped ] && exit 1
exit 0
