#!/bin/bash
# bench/lockout-bench.sh BUILD_DIR -- password guessing against the
# first-factor lockouts (issue 10, item 8), with the default limits.
#
# Why: the target is at most 5 accepted guesses (passwords actually
# checked) per user per 15 minutes, whatever the concurrency.  This runs
# `realmgate serve` on a scratch config directory and CONCURRENCY guessers
# (default 100) for LOCKOUT_SECONDS (default 15): first all at one user from one
# address, then from another address round 60 users (a spray, bounded by
# the per-address limit of 50).  The audit log tells which guesses had
# their password checked ("invalid credentials") and which were refused
# by a lock.  Both runs are shorter than the 15-minute window and the
# locks last 15 minutes, so what was checked in a run is what one window
# lets through.  Then bench-lockout times what the lockout check adds to
# a successful login.  Loopback is trusted by default: the scratch
# directory trusts only 127.0.0.1/32, so 127.0.0.2 and .3 are strangers.
set -eu

if [ $# -lt 1 ]; then
	echo "usage: bench/lockout-bench.sh BUILD_DIR" >&2
	exit 2
fi
BUILD_DIR=$(cd "$1" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
RG=$BUILD_DIR/realmgate
CONCURRENCY=${CONCURRENCY:-100}
SECONDS_RUN=${LOCKOUT_SECONDS:-15}
ROUNDS=${ROUNDS:-200}
OUT=$HERE/out/lockout
rm -rf "$OUT"
mkdir -p "$OUT/cfg"
chmod 755 "$OUT/cfg"
ninja -C "$BUILD_DIR" bench/bench-lockout realmgate >/dev/null

"$RG" --config-dir "$OUT/cfg" user add target@pve --password target-pw-1
"$RG" --config-dir "$OUT/cfg" user add fast@pve --password fast-pw-12
for i in $(seq 0 59); do
	"$RG" --config-dir "$OUT/cfg" user add "spray$i@pve" \
	    --password "spray-pw-$i"
done
"$RG" --config-dir "$OUT/cfg" lockout options set --trusted 127.0.0.1/32

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$RG" --config-dir "$OUT/cfg" serve --listen "127.0.0.1:$PORT" \
    --audit-log "$OUT/audit.jsonl" --max-conns-per-address 1000 \
    2>"$OUT/serve.log" &
SERVE=$!
trap 'kill $SERVE 2>/dev/null || true' EXIT
for _ in $(seq 200); do
	grep -q "listening on" "$OUT/serve.log" && break
	sleep 0.1
done
grep -q "listening on" "$OUT/serve.log" ||
    { echo "lockout-bench.sh: serve did not start" >&2; cat "$OUT/serve.log" >&2; exit 1; }
CERT=$OUT/cfg/local/realmgate-ssl.pem

# checked USER_PREFIX: passwords checked (wrong) per user in the audit log
checked() {
	python3 - "$OUT/audit.jsonl" "$1" <<-'PY'
	import collections, json, sys
	n = collections.Counter()
	refused = 0
	for line in open(sys.argv[1]):
	    e = json.loads(line)
	    if e.get("event") != "login" or not e.get("user", "").startswith(sys.argv[2]):
	        continue
	    if e.get("reason") == "invalid credentials":
	        n[e["user"]] += 1
	    else:
	        refused += 1
	print(sum(n.values()), max(n.values() or [0]), len(n), refused)
	PY
}

echo "== password guessing with the default lockouts: $CONCURRENCY" \
    "concurrent guessers for ${SECONDS_RUN} s each run"
G1=$(python3 "$HERE/lockout-guess.py" --port "$PORT" --cert "$CERT" \
    --source 127.0.0.2 --user target@pve -c "$CONCURRENCY" -s "$SECONDS_RUN")
read -r C1 MAX1 _ R1 <<<"$(checked target@)"
echo "one user, one address: $G1"
echo "  passwords checked: $C1 (target <= 5: $([ "$C1" -le 5 ] && echo PASS || echo MISS)), refused by the lock: $R1"
G2=$(python3 "$HERE/lockout-guess.py" --port "$PORT" --cert "$CERT" \
    --source 127.0.0.3 --spray spray -n 60 -c "$CONCURRENCY" -s "$SECONDS_RUN")
read -r C2 MAX2 U2 R2 <<<"$(checked spray)"
echo "60 users, one address: $G2"
echo "  passwords checked: $C2 over $U2 users, at most $MAX2 per user" \
    "(address target <= 50: $([ "$C2" -le 50 ] && echo PASS || echo MISS);" \
    "per user <= 5: $([ "$MAX2" -le 5 ] && echo PASS || echo MISS)), refused: $R2"
echo "accepted guesses per user per 15 minutes: $MAX1 (one user), $MAX2 (spray)"
kill $SERVE
wait $SERVE 2>/dev/null || true
trap - EXIT

echo "== what the lockout check adds to a successful login ($ROUNDS rounds)"
"$BUILD_DIR/bench/bench-lockout" "$OUT/cfg" fast@pve fast-pw-12 "$ROUNDS" |
    tee "$OUT/cost.txt"
