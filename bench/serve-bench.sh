#!/bin/bash
# bench/serve-bench.sh BUILD_DIR -- server benchmarks of `realmgate serve`.
#
# Why: the issue sets three targets for the daemon on the 10,000-user
# user.cfg: GET /access/permissions with a ticket at >= 20,000 requests/s
# with p99 < 5 ms, logins within 90 % of the raw password-hash rate, and
# flat memory and file descriptors under a 5-minute mixed load.  This
# script measures them the same way every time (wrk on 127.0.0.1 only) and
# prints target vs measured with PASS/MISS, like bench/run.sh.
#
# It generates nothing: it copies bench/out/scale-1/cfg/user.cfg (made by
# bench/run.sh) into a temporary config directory, sets passwords with
# pveum, adds one API token, starts the daemon on a free port, measures,
# stops the daemon and removes the directory.
#
# Environment: WRK_SECONDS (main wrk runs, default 20), SWEEP_SECONDS
# (each --threads/--workers setting, default 10), HASH_SECONDS (raw hash
# rate, default 10), SOAK_SECONDS (default 300), SUBJECT (default
# hannah.krueger@pve, a pve user with a small dump), SUBJECT_BIG (default
# ben.lehmann4@pve, the median user by ACL entries), THREADS_SWEEP
# (default "2 4 8 16"), WORKERS_SWEEP (default "1 2 4").  Output goes to
# bench/out/serve/.  Exit status 0 even on MISS; 1 on a broken setup.
#
# wrk and the daemon share this machine's CPUs: the figures are those of
# client and server together, not of the server alone.
set -eu

if [ $# -lt 1 ]; then
	echo "usage: bench/serve-bench.sh BUILD_DIR" >&2
	exit 2
fi
BUILD_DIR=$(cd "$1" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
WRK_SECONDS=${WRK_SECONDS:-20}
SWEEP_SECONDS=${SWEEP_SECONDS:-10}
HASH_SECONDS=${HASH_SECONDS:-10}
SOAK_SECONDS=${SOAK_SECONDS:-300}
SUBJECT=${SUBJECT:-hannah.krueger@pve}
SUBJECT_BIG=${SUBJECT_BIG:-ben.lehmann4@pve}
THREADS_SWEEP=${THREADS_SWEEP:-2 4 8 16}
WORKERS_SWEEP=${WORKERS_SWEEP:-1 2 4}
PASS1=bench-pass-1
PASS2=bench-pass-2
NCPU=$(nproc)

SRC_CFG=$HERE/out/scale-1/cfg/user.cfg
OUT=$HERE/out/serve
RG=$BUILD_DIR/realmgate
if command -v ninja >/dev/null 2>&1; then
	ninja -C "$BUILD_DIR" realmgate >/dev/null
fi
for f in "$RG" "$SRC_CFG"; do
	if [ ! -e "$f" ]; then
		echo "serve-bench.sh: $f missing (run bench/run.sh first)" >&2
		exit 1
	fi
done
for tool in wrk curl python3; do
	if ! command -v $tool >/dev/null 2>&1; then
		echo "serve-bench.sh: $tool not installed" >&2
		exit 1
	fi
done
mkdir -p "$OUT"
rm -f "$OUT"/*.txt "$OUT"/*.tsv

# The front drops to `nobody` when started as root: it must be able to
# reach the config directory, so the temporary parent is world-searchable.
TMP=$(mktemp -d /tmp/realmgate-serve-bench.XXXXXX)
chmod 755 "$TMP"
CFG=$TMP/cfg
SPID=""
LOAD_PIDS=""
cleanup() {
	for p in $LOAD_PIDS; do
		kill "$p" 2>/dev/null || true
	done
	stop_daemon
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

mkdir -p "$CFG"
cp "$SRC_CFG" "$CFG/user.cfg"
ln -s "$RG" "$TMP/pveum"
PVEUM="$TMP/pveum --config-dir $CFG"
for u in "$SUBJECT" "$SUBJECT_BIG"; do
	if ! grep -q "^user:$u:" "$CFG/user.cfg"; then
		echo "serve-bench.sh: no user $u in $SRC_CFG (set SUBJECT)" >&2
		exit 1
	fi
done
$PVEUM passwd "$SUBJECT" --password "$PASS1" >/dev/null
$PVEUM passwd "$SUBJECT_BIG" --password "$PASS2" >/dev/null
TOKEN_SECRET=$($PVEUM user token add "$SUBJECT" servebench --privsep 0 \
    --output-format json | python3 -c 'import json, sys
print(json.load(sys.stdin)["value"])')
TOKEN_HDR="Authorization: PVEAPIToken=$SUBJECT!servebench=$TOKEN_SECRET"

# One free port for every start of the daemon (so URLs stay valid).
PORT=$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
BASE=https://127.0.0.1:$PORT/api2/json
# start_daemon [SERVE OPTIONS]: waits for "listening on".
start_daemon() {
	"$RG" --config-dir "$CFG" serve --listen "127.0.0.1:$PORT" "$@" \
	    >"$TMP/serve.log" 2>&1 &
	SPID=$!
	for _ in $(seq 100); do
		if grep -q "listening on" "$TMP/serve.log"; then
			return 0
		fi
		if ! kill -0 "$SPID" 2>/dev/null; then
			break
		fi
		sleep 0.1
	done
	echo "serve-bench.sh: the daemon did not start:" >&2
	cat "$TMP/serve.log" >&2
	exit 1
}

stop_daemon() {
	if [ -n "$SPID" ]; then
		kill -TERM "$SPID" 2>/dev/null || true
		wait "$SPID" 2>/dev/null || true
		SPID=""
	fi
}

CURL="curl -s --cacert $CFG/local/realmgate-ssl.pem"

# login USER@REALM PASSWORD: prints the URL-encoded ticket.
login() {
	$CURL --data-urlencode "username=$1" --data-urlencode "password=$2" \
	    "$BASE/access/ticket" | python3 -c 'import json, sys, urllib.parse
print(urllib.parse.quote(json.load(sys.stdin)["data"]["ticket"], safe=""))'
}

# fetch URL TICKET: HTTP status and body size (also the warm-up request).
fetch() {
	$CURL -o /dev/null -w '%{http_code} %{size_download}' \
	    -H "Cookie: PVEAuthCookie=$2" "$1"
}

# wrk_stats FILE (bench/wrk/stats.sh)
. "$HERE/wrk/stats.sh"

# perm_run NAME SECONDS URL TICKET: the issue's wrk command.
perm_run() {
	wrk -t2 -c32 -d"$2"s --latency -H "Cookie: PVEAuthCookie=$4" "$3" \
	    >"$OUT/$1.txt" 2>&1
	wrk_stats "$OUT/$1.txt"
}

# login_run NAME SECONDS CONNECTIONS: logins of SUBJECT with wrk.
login_run() {
	RG_USER=${SUBJECT%@*} RG_REALM=${SUBJECT##*@} RG_PASS=$PASS1 \
	    wrk -t"$(($3 < 2 ? $3 : 2))" -c"$3" -d"$2"s --timeout 10s --latency \
	    -s "$HERE/wrk/login.lua" "$BASE/access/ticket" \
	    >"$OUT/$1.txt" 2>&1
	wrk_stats "$OUT/$1.txt"
}

echo "== serve: $CFG (copy of $SRC_CFG), $NCPU CPUs, wrk $(wrk -v 2>&1 |
    awk 'NR == 1 { print $2 }')"

# --- 1. GET /access/permissions ---------------------------------------
start_daemon
TICKET=$(login "$SUBJECT" "$PASS1")
TICKET_BIG=$(login "$SUBJECT_BIG" "$PASS2")
PERM_URL=$BASE/access/permissions
read -r ST DUMP <<<"$(fetch "$PERM_URL" "$TICKET")"
VMID=$($CURL -H "Cookie: PVEAuthCookie=$TICKET" "$PERM_URL" |
    python3 -c 'import json, sys
print(sorted(p for p in json.load(sys.stdin)["data"]
    if p.startswith("/vms/"))[0])')
PATH_URL=$PERM_URL?path=$VMID
read -r ST_P DUMP_P <<<"$(fetch "$PATH_URL" "$TICKET")"
read -r ST_B DUMP_B <<<"$(fetch "$PERM_URL" "$TICKET_BIG")"
echo "subject $SUBJECT: full dump $DUMP bytes (HTTP $ST);" \
    "?path=$VMID: $DUMP_P bytes (HTTP $ST_P);" \
    "$SUBJECT_BIG: $DUMP_B bytes (HTTP $ST_B)"
if [ "$ST" != 200 ] || [ "$ST_P" != 200 ] || [ "$ST_B" != 200 ]; then
	echo "serve-bench.sh: permissions request failed" >&2
	exit 1
fi

echo "== wrk -t2 -c32 -d${WRK_SECONDS}s GET /access/permissions (default" \
    "options: --threads $((NCPU * 2)) --workers $NCPU)"
read -r PERM_RPS PERM_P50 PERM_P99 PERM_BAD PERM_ERR \
    <<<"$(perm_run perm "$WRK_SECONDS" "$PERM_URL" "$TICKET")"
echo "full dump: $PERM_RPS req/s, p50 $PERM_P50 ms, p99 $PERM_P99 ms," \
    "non-2xx $PERM_BAD, socket errors $PERM_ERR"
read -r PATH_RPS PATH_P50 PATH_P99 PATH_BAD PATH_ERR \
    <<<"$(perm_run perm-path "$WRK_SECONDS" "$PATH_URL" "$TICKET")"
echo "?path=$VMID: $PATH_RPS req/s, p50 $PATH_P50 ms, p99 $PATH_P99 ms," \
    "non-2xx $PATH_BAD, socket errors $PATH_ERR"
read -r BIG_RPS BIG_P50 BIG_P99 BIG_BAD BIG_ERR \
    <<<"$(perm_run perm-big "$SWEEP_SECONDS" "$PERM_URL" "$TICKET_BIG")"
echo "$SUBJECT_BIG full dump ($DUMP_B bytes): $BIG_RPS req/s," \
    "p50 $BIG_P50 ms, p99 $BIG_P99 ms, non-2xx $BIG_BAD"
stop_daemon

echo "== --threads sweep (wrk -d${SWEEP_SECONDS}s, full dump of $SUBJECT)"
BEST_T=""
BEST_T_RPS=0
for t in $THREADS_SWEEP; do
	start_daemon --threads "$t"
	fetch "$PERM_URL" "$TICKET" >/dev/null
	read -r rps p50 p99 bad _ \
	    <<<"$(perm_run "perm-threads-$t" "$SWEEP_SECONDS" "$PERM_URL" \
	    "$TICKET")"
	echo "--threads $t: $rps req/s, p50 $p50 ms, p99 $p99 ms, non-2xx $bad"
	echo "$t $rps $p50 $p99" >>"$OUT/threads.tsv"
	if awk -v a="$rps" -v b="$BEST_T_RPS" 'BEGIN { exit !(a > b) }'; then
		BEST_T=$t
		BEST_T_RPS=$rps
		BEST_T_P99=$p99
	fi
	stop_daemon
done

# --- 2. logins vs the raw hash rate -----------------------------------
HASH=$(awk -F: -v u="${SUBJECT%@*}" '$1 == u { print $2 }' \
    "$CFG/priv/shadow.cfg")
echo "== raw password-hash rate: crypt(3) from libcrypt.so.1 in $NCPU" \
    "processes, ${HASH_SECONDS}s, the stored hash (\$$(echo "$HASH" |
    cut -d'$' -f2,3)\$...)"
RAW_RATE=$(python3 - "$HASH" "$PASS1" "$HASH_SECONDS" "$NCPU" <<-'EOF'
import ctypes, multiprocessing, sys, time

def run(args):
    h, pw, secs = args
    lib = ctypes.CDLL("libcrypt.so.1")
    lib.crypt.restype = ctypes.c_char_p
    lib.crypt.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    n, t0 = 0, time.monotonic()
    while True:
        if lib.crypt(pw, h) != h:
            raise SystemExit("crypt: hash mismatch")
        n += 1
        t = time.monotonic() - t0
        if t >= secs:
            return n / t

h, pw, secs, procs = (sys.argv[1].encode(), sys.argv[2].encode(),
                      float(sys.argv[3]), int(sys.argv[4]))
with multiprocessing.Pool(procs) as p:
    rates = p.map(run, [(h, pw, secs)] * procs)
print("%.1f" % sum(rates))
EOF
)
echo "raw: $RAW_RATE hashes/s (both processes together)"

LOGIN_C=$((NCPU * 4))
echo "== logins: wrk -t2 -c$LOGIN_C -d${WRK_SECONDS}s POST /access/ticket" \
    "(bench/wrk/login.lua, $SUBJECT)"
start_daemon
read -r LOGIN1_RPS LOGIN1_P50 _ _ _ <<<"$(login_run login-c1 "$SWEEP_SECONDS" 1)"
echo "one connection: $LOGIN1_RPS logins/s, p50 $LOGIN1_P50 ms per login"
read -r LOGIN_RPS LOGIN_P50 LOGIN_P99 LOGIN_BAD LOGIN_ERR \
    <<<"$(login_run login "$WRK_SECONDS" "$LOGIN_C")"
echo "$LOGIN_C connections: $LOGIN_RPS logins/s, p50 $LOGIN_P50 ms," \
    "p99 $LOGIN_P99 ms, non-2xx $LOGIN_BAD, socket errors $LOGIN_ERR"
stop_daemon
LOGIN_RATIO=$(awk -v l="$LOGIN_RPS" -v r="$RAW_RATE" \
    'BEGIN { printf "%.3f", l / r }')
echo "login rate / raw hash rate: $LOGIN_RATIO"

echo "== --workers sweep (wrk -t2 -c$LOGIN_C -d${SWEEP_SECONDS}s logins)"
BEST_W=""
BEST_W_RPS=-1
for w in $WORKERS_SWEEP; do
	start_daemon --workers "$w"
	read -r rps p50 _ <<<"$(login_run "login-workers-$w" "$SWEEP_SECONDS" \
	    "$LOGIN_C")"
	echo "--workers $w: $rps logins/s, p50 $p50 ms"
	echo "$w $rps" >>"$OUT/workers.tsv"
	if awk -v a="$rps" -v b="$BEST_W_RPS" 'BEGIN { exit !(a > b) }'; then
		BEST_W=$w
		BEST_W_RPS=$rps
	fi
	stop_daemon
done

# --- 3. soak ----------------------------------------------------------
# sample T: one line per realmgate process: T role pid rss_kib fds.
# The supervisor is $SPID; its children are the front (the one with
# several threads: libmicrohttpd's pool) and the authd workers.
sample() {
	local pid role n=0
	for pid in $SPID $(ps -o pid= --ppid "$SPID"); do
		[ -r "/proc/$pid/status" ] || continue
		if [ "$pid" = "$SPID" ]; then
			role=supervisor
		elif [ "$(awk '/^Threads:/ { print $2 }' \
		    "/proc/$pid/status")" -gt 1 ]; then
			role=front
		else
			n=$((n + 1))
			role=worker$n
		fi
		echo "$1 $role $pid $(awk '/^VmRSS:/ { print $2 }' \
		    "/proc/$pid/status") $(ls "/proc/$pid/fd" | wc -l)"
	done
}

echo "== soak: ${SOAK_SECONDS}s mixed load, samples every second (table: every 10 s)"
# wrk runs 3 s past the last sample, so that sample is taken under load.
LOAD_SECONDS=$((SOAK_SECONDS + 3))
start_daemon
fetch "$PERM_URL" "$TICKET" >/dev/null
echo "load: permissions GETs with a ticket (wrk -t1 -c16), the same with" \
    "the API token (-t1 -c2), logins (-t1 -c2), failed logins" \
    "(-t1 -c4, each answered after 3 s)"
wrk -t1 -c16 -d"$LOAD_SECONDS"s --latency \
    -H "Cookie: PVEAuthCookie=$TICKET" "$PERM_URL" >"$OUT/soak-perm.txt" 2>&1 &
LOAD_PIDS="$LOAD_PIDS $!"
wrk -t1 -c2 -d"$LOAD_SECONDS"s --latency -H "$TOKEN_HDR" "$PERM_URL" \
    >"$OUT/soak-token.txt" 2>&1 &
LOAD_PIDS="$LOAD_PIDS $!"
RG_USER=${SUBJECT%@*} RG_REALM=${SUBJECT##*@} RG_PASS=$PASS1 \
    wrk -t1 -c2 -d"$LOAD_SECONDS"s --timeout 10s --latency \
    -s "$HERE/wrk/login.lua" "$BASE/access/ticket" \
    >"$OUT/soak-login.txt" 2>&1 &
LOAD_PIDS="$LOAD_PIDS $!"
RG_USER=${SUBJECT%@*} RG_REALM=${SUBJECT##*@} RG_PASS=wrong-password \
    wrk -t1 -c4 -d"$LOAD_SECONDS"s --timeout 10s --latency \
    -s "$HERE/wrk/login.lua" "$BASE/access/ticket" \
    >"$OUT/soak-fail.txt" 2>&1 &
LOAD_PIDS="$LOAD_PIDS $!"
# Every second into soak-fast.tsv (for the steady-growth verdict), every
# 10 s (and at the end) into soak.tsv as well (the table).
T0=$(date +%s)
t=0
while :; do
	sample "$t" >"$TMP/sample"
	cat "$TMP/sample" >>"$OUT/soak-fast.tsv"
	if [ $((t % 10)) -eq 0 ] || [ "$t" -eq "$SOAK_SECONDS" ]; then
		cat "$TMP/sample" >>"$OUT/soak.tsv"
	fi
	[ "$t" -lt "$SOAK_SECONDS" ] || break
	t=$((t + 1))
	while [ $(($(date +%s) - T0)) -lt "$t" ]; do
		sleep 0.1
	done
done
for p in $LOAD_PIDS; do
	wait "$p" || true
done
LOAD_PIDS=""
stop_daemon
for k in perm token login fail; do
	read -r rps _ p99 bad err <<<"$(wrk_stats "$OUT/soak-$k.txt")"
	echo "soak $k: $(awk '/ requests in / { print $1 }' \
	    "$OUT/soak-$k.txt") requests, $rps/s, p99 $p99 ms, non-2xx $bad," \
	    "socket errors $err"
done
# Reference sample for growth: the 1-minute one (the first if shorter).
T1=60
[ "$SOAK_SECONDS" -ge 60 ] || T1=0
echo "per process: RSS KiB / open fds (first = t 0, 1 min = t $T1 s," \
    "last = t $SOAK_SECONDS s, max over all samples)"
printf '%-11s %14s %14s %14s %14s\n' process first "1 min" last max
awk -v t1="$T1" -v tl="$SOAK_SECONDS" '
	{ r = $2; if (!(r in first)) { order[++n] = r; first[r] = $4 " / " $5 }
	  if ($1 == t1) one[r] = $4 " / " $5
	  if ($1 == tl) last[r] = $4 " / " $5
	  if ($4 > mr[r]) mr[r] = $4; if ($5 > mf[r]) mf[r] = $5 }
	END { for (i = 1; i <= n; i++) { r = order[i]
		printf "%-11s %14s %14s %14s %14s\n", r, first[r], one[r],
		    last[r], mr[r] " / " mf[r] } }' "$OUT/soak.tsv"
read -r RSS_GROWTH FD_GROWTH <<<"$(awk -v t1="$T1" -v tl="$SOAK_SECONDS" '
	$1 == t1 { r1 += $4; f1 += $5 } $1 == tl { rl += $4; fl += $5 }
	END { print rl - r1, fl - f1 }' "$OUT/soak.tsv")"
echo "growth from t $T1 s to t $SOAK_SECONDS s, all processes:" \
    "RSS $RSS_GROWTH KiB, open fds $FD_GROWTH"
# A worker sampled in the middle of a login holds yescrypt's working
# memory (up to 16 MiB, mapped for each hash and unmapped after it), so
# single samples jump.  Steady growth: per process, the lowest RSS of the
# last minute minus the lowest RSS of the minute from t T1, over the
# 1-second samples (a busy worker is idle in some of 60); summed.  The
# verdict uses this.
BASE_GROWTH=$(awk -v t1="$T1" -v tl="$SOAK_SECONDS" '
	$1 >= t1 && $1 < t1 + 60 && (!($2 in a) || $4 < a[$2]) { a[$2] = $4 }
	$1 > tl - 60 && (!($2 in b) || $4 < b[$2]) { b[$2] = $4 }
	END { for (r in a) g += b[r] - a[r]; print g + 0 }' "$OUT/soak-fast.tsv")
echo "steady growth (lowest RSS of the last minute - lowest of the minute" \
    "from t $T1 s), all processes: $BASE_GROWTH KiB"

# --- summary ----------------------------------------------------------
# verdict_ge VALUE LIMIT / verdict_lt VALUE LIMIT
verdict_ge() {
	awk -v v="$1" -v l="$2" 'BEGIN { print (v + 0 >= l + 0) ? "PASS" : "MISS" }'
}
verdict_lt() {
	awk -v v="$1" -v l="$2" 'BEGIN { print (v + 0 < l + 0) ? "PASS" : "MISS" }'
}
row() {
	printf '%-50s %9s %10s  %s\n' "$1" "$2" "$3" "$4"
}
BUILDTYPE=$(meson introspect --buildoptions "$BUILD_DIR" 2>/dev/null |
    python3 -c 'import json, sys
print(next(o["value"] for o in json.load(sys.stdin)
    if o["name"] == "buildtype"))' 2>/dev/null || echo '?')

echo
echo "== serve summary: buildtype $BUILDTYPE, $NCPU CPUs shared by wrk and" \
    "the daemon, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "   (subject $SUBJECT, dump $DUMP bytes; default --threads" \
    "$((NCPU * 2)) --workers $NCPU)"
row "what" "target" "measured" "verdict"
row "GET /access/permissions, full dump (req/s)" ">= 20000" "$PERM_RPS" \
    "$(verdict_ge "$PERM_RPS" 20000)"
row "  p99 latency (ms)" "< 5" "$PERM_P99" "$(verdict_lt "$PERM_P99" 5)"
row "GET /access/permissions?path=$VMID (req/s)" ">= 20000" "$PATH_RPS" \
    "$(verdict_ge "$PATH_RPS" 20000)"
row "  p99 latency (ms)" "< 5" "$PATH_P99" "$(verdict_lt "$PATH_P99" 5)"
row "  $SUBJECT_BIG, $DUMP_B-byte dump (req/s)" "" "$BIG_RPS" "info"
row "  best --threads: $BEST_T (req/s; p99 $BEST_T_P99 ms)" "" \
    "$BEST_T_RPS" "info"
row "raw yescrypt rate, $NCPU processes (hashes/s)" "" "$RAW_RATE" "info"
row "POST /access/ticket, -c$LOGIN_C (logins/s)" "" "$LOGIN_RPS" "info"
row "  login rate / raw hash rate" ">= 0.90" "$LOGIN_RATIO" \
    "$(verdict_ge "$LOGIN_RATIO" 0.9)"
row "  one connection (logins/s; p50 $LOGIN1_P50 ms)" "" "$LOGIN1_RPS" \
    "info"
row "  best --workers: $BEST_W (logins/s)" "" "$BEST_W_RPS" "info"
row "soak ${SOAK_SECONDS}s: RSS, sample 1 min -> end (KiB)" "" \
    "$RSS_GROWTH" "info"
row "  steady RSS growth, lowest 2nd min -> last (KiB)" "< 1024" \
    "$BASE_GROWTH" "$(verdict_lt "$BASE_GROWTH" 1024)"
row "  open fds growth 1 min -> end" "<= 0" "$FD_GROWTH" \
    "$(verdict_lt "$FD_GROWTH" 1)"
