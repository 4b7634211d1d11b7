#!/bin/sh
# Parser/writer fixtures for user.cfg (spec 1.3): for every NAME.in,
# `realmgate config canonical user.cfg NAME.in` must print NAME.out byte
# for byte, and, where NAME.warn exists, warn exactly those lines
# ("LINE: message").
set -u
BIN=$1
DIR=$(dirname "$0")/usercfg
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
for in in "$DIR"/*.in; do
	name=$(basename "$in" .in)
	"$BIN" config canonical user.cfg "$in" >"$T/out" 2>"$T/err"
	if ! cmp -s "$T/out" "$DIR/$name.out"; then
		echo "FAIL $name: output differs"
		diff "$DIR/$name.out" "$T/out" | head -20
		fail=1
	fi
	if [ -f "$DIR/$name.warn" ]; then
		sed 's|^[^:]*:\([0-9]*\): |\1: |' "$T/err" >"$T/warn"
		if ! cmp -s "$T/warn" "$DIR/$name.warn"; then
			echo "FAIL $name: warnings differ"
			diff "$DIR/$name.warn" "$T/warn"
			fail=1
		fi
	fi
done
exit $fail
