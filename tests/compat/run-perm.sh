#!/bin/sh
# Permission fixtures (spec 3): for every NAME.cfg, the queries in the first
# two columns of NAME.expected, run through `realmgate permissions --batch`
# with NAME.cfg as user.cfg, must give NAME.expected exactly.  With a second
# argument (the shared compat directory) it also checks Proxmox's own
# vectors: the canonical rewrite, the parser warnings and 4,000 answers.
set -u
BIN=$1
SHARED=${2:-}
DIR=$(dirname "$0")/perm
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
for cfg in "$DIR"/*.cfg; do
	name=$(basename "$cfg" .cfg)
	cp "$cfg" "$T/user.cfg"
	cut -d' ' -f1,2 "$DIR/$name.expected" >"$T/q"
	"$BIN" --config-dir "$T" permissions --batch "$T/q" >"$T/out" 2>"$T/err"
	if ! cmp -s "$T/out" "$DIR/$name.expected"; then
		echo "FAIL $name"
		diff "$DIR/$name.expected" "$T/out"
		fail=1
	fi
done
if [ -n "$SHARED" ]; then
	if [ ! -f "$SHARED/user.cfg" ]; then
		echo "FAIL: compat vectors not found in $SHARED"
		exit 1
	fi
	"$BIN" config canonical user.cfg "$SHARED/user.cfg" >"$T/canon" 2>"$T/warn"
	cmp -s "$T/canon" "$SHARED/canonical-user.cfg" ||
	    { echo "FAIL compat canonical-user.cfg"; fail=1; }
	sed 's/^[^ ]* //' "$T/warn" | cmp -s - "$SHARED/parser-warnings.txt" ||
	    { echo "FAIL compat parser-warnings.txt"; fail=1; }
	cp "$SHARED/user.cfg" "$T/user.cfg"
	"$BIN" --config-dir "$T" permissions --batch "$SHARED/queries.txt" >"$T/perm"
	cmp -s "$T/perm" "$SHARED/expected-permissions.txt" ||
	    { echo "FAIL compat expected-permissions.txt"; fail=1; }
fi
exit $fail
