#!/bin/bash
# bench/ldap-bench.sh BUILD_DIR -- LDAP realm sync and login figures.
#
# Why: issue 4 sets targets for a realm sync against a directory of 10,000
# users and 500 groups (about 21,000 memberships): under 0.4 s wall into an
# empty user.cfg and under 0.6 s into one that already holds the users,
# peak memory under 100 MB; 100,000 users and 5,000 groups under 5 s and
# 500 MB; LDAP login latency against slapd p50 under 5 ms.  This script
# builds that directory in a private slapd (tests/peers), runs the real
# sync (written to disk, not a dry run) RUNS times and prints the median
# against each target, then measures logins through `realmgate serve`.
#
# Environment: RUNS (default 5), BIG (1: also the 100k/5k directory,
# default 1), WRK_SECONDS (login measurement, default 5).  Data under
# bench/out/ldap/.  Exit 0 even on MISS (a measurement, not a test).
set -eu

if [ $# -lt 1 ]; then
	echo "usage: bench/ldap-bench.sh BUILD_DIR" >&2
	exit 2
fi
BUILD_DIR=$(cd "$1" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
PEERS=$HERE/../tests/peers
RG=$BUILD_DIR/realmgate
RUNS=${RUNS:-5}
BIG=${BIG:-1}
WRK_SECONDS=${WRK_SECONDS:-5}
OUT=$HERE/out/ldap
rm -rf "$OUT"
mkdir -p "$OUT"

free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

SLAPD_DIR=""
cleanup() {
	[ -n "$SLAPD_DIR" ] && "$PEERS/slapd.sh" stop "$SLAPD_DIR" || true
	[ -n "${SPID:-}" ] && kill -TERM "$SPID" 2>/dev/null || true
}
trap cleanup EXIT

# directory NUSERS NGROUPS MEMBERS: a fresh slapd holding that data.
directory() {
	[ -n "$SLAPD_DIR" ] && "$PEERS/slapd.sh" stop "$SLAPD_DIR"
	SLAPD_DIR=$OUT/slapd-$1
	rm -rf "$SLAPD_DIR"
	"$PEERS/slapd.sh" conf "$SLAPD_DIR" >/dev/null
	"$PEERS/ldap-data.sh" "$1" "$2" "$3" >"$SLAPD_DIR/data.ldif"
	local t0 t1
	t0=$(date +%s.%N)
	slapadd -q -f "$SLAPD_DIR/slapd.conf" -l "$SLAPD_DIR/data.ldif"
	t1=$(date +%s.%N)
	PORT=$(free_port)
	"$PEERS/slapd.sh" start "$SLAPD_DIR" "$PORT" "$(free_port)" >/dev/null
	printf 'slapd: %d users, %d groups of %d (slapadd %.2f s)\n' "$1" "$2" \
	    "$3" "$(echo "$t1 - $t0" | bc)"
}

# config_dir DIR: a realm "corp" on the current slapd (plain ldap on
# loopback: the figures are realmgate's, not TLS's).
config_dir() {
	rm -rf "$1"
	mkdir -p "$1"
	"$RG" --config-dir "$1" realm add corp --type ldap \
	    --server1 127.0.0.1 --port "$PORT" --base_dn dc=example,dc=org \
	    --user_attr uid --bind_dn cn=svc,ou=services,dc=example,dc=org \
	    --password svcpw \
	    --sync_attributes email=mail,firstname=givenName,lastname=sn
}

# timed CFG: one real sync; prints "seconds maxrss-KiB".
timed() {
	/usr/bin/time -f '%e %M' -o "$OUT/time.txt" \
	    "$RG" --config-dir "$1" realm sync corp --scope both \
	    --enable-new 1 --remove-vanished 'acl;entry' >"$OUT/sync.log"
	cat "$OUT/time.txt"
}

# median of the numbers on stdin
median() {
	sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# verdict VALUE TARGET (both numbers; PASS when VALUE < TARGET)
verdict() {
	awk -v v="$1" -v t="$2" 'BEGIN { print (v < t) ? "PASS" : "MISS" }'
}

# sync_runs NUSERS LABEL EMPTY(1|0) TARGET_S TARGET_MB
sync_runs() {
	local cfg=$OUT/cfg-$1 walls="" rss="" i w m
	config_dir "$cfg"
	if [ "$3" = 0 ]; then
		timed "$cfg" >/dev/null	# fill it once
	fi
	for i in $(seq "$RUNS"); do
		if [ "$3" = 1 ]; then
			rm -f "$cfg/user.cfg"
		fi
		read -r w m <<<"$(timed "$cfg")"
		walls="$walls$w"$'\n'
		rss="$rss$m"$'\n'
	done
	w=$(printf '%s' "$walls" | median)
	m=$(printf '%s' "$rss" | sort -g | tail -1)
	local users
	users=$(grep -c '^user:.*@corp:' "$cfg/user.cfg")
	printf '%-34s median %6.3f s  (target < %s s: %s)   peak RSS %5.1f MiB' \
	    "$2" "$w" "$4" "$(verdict "$w" "$4")" "$(echo "$m / 1024" | bc -l)"
	printf '  (target < %s MB: %s)   %d users in user.cfg\n' "$5" \
	    "$(verdict "$(echo "$m / 1024" | bc -l)" "$5")" "$users"
}

echo "== LDAP realm sync: realmgate realm sync corp --scope both" \
    "--enable-new 1 --remove-vanished 'acl;entry' (written to disk), $RUNS runs"
directory 10000 500 42
sync_runs 10000 "10k users, 500 groups, empty cfg" 1 0.4 100
sync_runs 10000 "10k users, 500 groups, full cfg" 0 0.6 100
tail -n 3 "$OUT/sync.log" | head -n 1

# --- login latency through the daemon ---------------------------------
CFG=$OUT/cfg-10000
DPORT=$(free_port)
"$RG" --config-dir "$CFG" serve --listen "127.0.0.1:$DPORT" \
    >"$OUT/serve.log" 2>&1 &
SPID=$!
for _ in $(seq 100); do
	grep -q "listening on" "$OUT/serve.log" && break
	sleep 0.1
done
echo "== LDAP login: wrk -t1 -c1 -d${WRK_SECONDS}s POST /access/ticket" \
    "(user4242@corp: search bind, user search, user bind)"
RG_USER=user4242 RG_REALM=corp RG_PASS=Passw0rd \
    wrk -t1 -c1 -d"${WRK_SECONDS}"s --latency -s "$HERE/wrk/login.lua" \
    "https://127.0.0.1:$DPORT/api2/json/access/ticket" >"$OUT/login.txt" 2>&1
P50=$(awk '$1 == "50%" { v = $2; if (v ~ /us$/) v = v / 1000; else
    if (v ~ /ms$/) v = v + 0; else if (v ~ /s$/) v = v * 1000; print v }' \
    "$OUT/login.txt")
RPS=$(awk '/^Requests\/sec:/ { print $2 }' "$OUT/login.txt")
BAD=$(awk '/Non-2xx/ { print $NF }' "$OUT/login.txt")
printf 'login p50 %.2f ms, %s logins/s, non-2xx %s   (target p50 < 5 ms: %s)\n' \
    "$P50" "$RPS" "${BAD:-0}" "$(verdict "$P50" 5)"
kill -TERM "$SPID" 2>/dev/null || true
wait "$SPID" 2>/dev/null || true
SPID=""

if [ "$BIG" = 1 ]; then
	RUNS=3
	directory 100000 5000 42
	sync_runs 100000 "100k users, 5k groups, empty cfg" 1 5 500
	sync_runs 100000 "100k users, 5k groups, full cfg" 0 5 500
fi
