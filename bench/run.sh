#!/bin/bash
# bench/run.sh BUILD_DIR -- the `make bench` driver.
#
# Why: the issue sets four performance targets for the foundation (parse,
# queries, peak memory, `pveum user list` latency) on a 10,000-user
# user.cfg.  This script makes that file, measures each target the same
# way every time and prints target vs measured with PASS/MISS, so a
# regression shows up as a MISS instead of a feeling.
#
# Environment: SCALE (generator scale, default 1; 10 gives a 100k-user
# file), SEED (default 1), RUNS (repetitions, default 7), QUERIES (default
# 100000).  Output and data go to bench/out/ (gitignored).  Exit status is
# 0 even on MISS: this is a measurement, not a test; 1 on a broken setup.
set -eu

if [ $# -lt 1 ]; then
	echo "usage: bench/run.sh BUILD_DIR" >&2
	exit 2
fi
BUILD_DIR=$(cd "$1" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
SCALE=${SCALE:-1}
SEED=${SEED:-1}
RUNS=${RUNS:-7}
QUERIES=${QUERIES:-100000}
COMPAT=${COMPAT:-$HERE/../tests/compat/proxmox/user.cfg}

OUT=$HERE/out
DATA=$OUT/scale-$SCALE
BENCH=$BUILD_DIR/bench/bench-core

# The CLI binary is BUILD_DIR/realmgate (src/cli/realmgate in older trees).
# Never measure stale binaries: bring both targets up to date first.
RG_TARGET=realmgate
if command -v ninja >/dev/null 2>&1; then
	if ! ninja -C "$BUILD_DIR" -t query realmgate >/dev/null 2>&1; then
		RG_TARGET=src/cli/realmgate
	fi
	ninja -C "$BUILD_DIR" bench/bench-core "$RG_TARGET" >/dev/null
elif [ ! -x "$BUILD_DIR/realmgate" ]; then
	RG_TARGET=src/cli/realmgate
fi
RG=$BUILD_DIR/$RG_TARGET
if [ ! -x "$BENCH" ] || [ ! -x "$RG" ]; then
	echo "run.sh: $BENCH or $RG missing; build $BUILD_DIR first" >&2
	exit 1
fi
mkdir -p "$DATA/cfg"

# kv FILE KEY: the value column of a bench-core report line.
kv() {
	awk -v k="$2" '$1 == k { print $2; exit }' "$1"
}

# hf_stat JSON FIELD: mean/min/stddev (seconds) from hyperfine's export,
# printed in milliseconds.
hf_stat() {
	python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print("%.1f" % (r[sys.argv[2]] * 1000))' "$1" "$2"
}

# timeit NAME CMD...: hyperfine when installed, else best of RUNS with
# python3's monotonic clock.  Leaves NAME.json (hyperfine) or NAME.ms.
timeit() {
	name=$1
	shift
	if command -v hyperfine >/dev/null 2>&1; then
		hyperfine -N --warmup 2 --runs "$RUNS" --style none \
		    --export-json "$DATA/$name.json" "$*" >/dev/null 2>&1
		echo "$(hf_stat "$DATA/$name.json" mean) $(hf_stat \
		    "$DATA/$name.json" min) $(hf_stat "$DATA/$name.json" stddev)"
	else
		python3 - "$RUNS" "$@" <<-'EOF'
		import subprocess, sys, time
		runs, cmd = int(sys.argv[1]), sys.argv[2:]
		t = []
		for _ in range(runs + 1):
		    t0 = time.monotonic()
		    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
		    t.append((time.monotonic() - t0) * 1000)
		t = sorted(t[1:])
		print("%.1f %.1f -" % (sum(t) / len(t), t[0]))
		EOF
	fi
}

# peak_kb CMD...: maximum resident set size of one run, in KiB.
peak_kb() {
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -v "$@" >/dev/null 2>"$DATA/time.txt"
		awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2);
		    print $2 }' "$DATA/time.txt"
	else
		echo ""
	fi
}

echo "== data (scale $SCALE, seed $SEED)"
CFG=$DATA/cfg/user.cfg
if [ ! -s "$CFG" ] || [ "$HERE/gen-usercfg.py" -nt "$CFG" ] ||
    [ ! -f "$DATA/gen.txt" ] || ! grep -q "seed $SEED:" "$DATA/gen.txt"; then
	python3 "$HERE/gen-usercfg.py" --seed "$SEED" --scale "$SCALE" \
	    -o "$CFG" 2>"$DATA/gen.txt"
fi
cat "$DATA/gen.txt"

echo "== bench-core ($RUNS runs, $QUERIES queries)"
"$BENCH" -r "$RUNS" -n "$QUERIES" -q "$DATA/queries.txt" "$CFG" \
    >"$DATA/bench-core.txt"
cat "$DATA/bench-core.txt"
BC=$DATA/bench-core.txt

echo "== peak memory of whole processes"
if [ -x /usr/bin/time ]; then
	RSS_CLI=$(peak_kb "$RG" --config-dir "$DATA/cfg" permissions --batch \
	    "$DATA/queries.txt")
	RSS_BC=$(peak_kb "$BENCH" -r 1 -n "$QUERIES" "$CFG")
	echo "realmgate permissions --batch: $RSS_CLI KiB;" \
	    "bench-core -r 1: $RSS_BC KiB"
else
	echo "/usr/bin/time not found (Debian package 'time');" \
	    "using bench-core's own getrusage figure"
	RSS_CLI=""
	RSS_BC=""
fi

echo "== CLI"
# The CLI must agree with the library on how many queries grant something.
"$RG" --config-dir "$DATA/cfg" permissions --batch "$DATA/queries.txt" \
    >"$DATA/perm-out.txt"
CLI_GRANTED=$(grep -vc ' -$' "$DATA/perm-out.txt" || true)
LIB_GRANTED=$(awk '$1 == "queries" { gsub(/[(]/, "", $3); print $3 }' "$BC")
echo "permissions --batch: $(wc -l <"$DATA/perm-out.txt") lines," \
    "$CLI_GRANTED with privileges (bench-core: $LIB_GRANTED)"
PERM_T=$(timeit perm-batch "$RG" --config-dir "$DATA/cfg" permissions \
    --batch "$DATA/queries.txt")
echo "permissions --batch wall: mean/min/stddev ms: $PERM_T"
if "$RG" --config-dir "$DATA/cfg" user list >"$DATA/user-list.txt" \
    2>"$DATA/user-list.err"; then
	UL_T=$(timeit user-list "$RG" --config-dir "$DATA/cfg" user list)
	echo "user list: $(wc -l <"$DATA/user-list.txt") lines;" \
	    "wall mean/min/stddev ms: $UL_T"
	# The same listing without the table rendering, to split the cost.
	UL_JSON_T=$(timeit user-list-json "$RG" --config-dir "$DATA/cfg" \
	    user list --output-format json)
	echo "user list --output-format json: wall mean/min/stddev ms:" \
	    "$UL_JSON_T"
else
	UL_T=""
	UL_JSON_T=""
	echo "user list: not available yet ($(head -n 1 "$DATA/user-list.err"))"
fi

if [ -r "$COMPAT" ]; then
	echo "== reference: $COMPAT"
	"$BENCH" -r "$RUNS" -n "$QUERIES" "$COMPAT" >"$OUT/compat.txt"
	cat "$OUT/compat.txt"
fi

# verdict VALUE LIMIT: PASS if VALUE < LIMIT.
verdict() {
	if [ -z "$1" ]; then
		echo "n/a"
	else
		awk -v v="$1" -v l="$2" \
		    'BEGIN { print (v + 0 < l + 0) ? "PASS" : "MISS" }'
	fi
}

# row WHAT TARGET BEST MEDIAN VERDICT
row() {
	printf '%-44s %7s %9s %9s  %s\n' "$1" "$2" "$3" "$4" "$5"
}

PARSE=$(kv "$BC" parse_ms.median)
TOTAL=$(kv "$BC" read_parse_queries_ms.median)
RSS_LIB=$(kv "$BC" peak_rss_mb)
if [ -n "$RSS_CLI" ]; then
	RSS=$(awk -v k="$RSS_CLI" 'BEGIN { printf "%.1f", k / 1024 }')
	RSS_WHAT="peak RSS, permissions --batch (MiB)"
else
	RSS=$RSS_LIB
	RSS_WHAT="peak RSS, bench-core getrusage (MiB)"
fi
BUILDTYPE=$(meson introspect --buildoptions "$BUILD_DIR" 2>/dev/null |
    python3 -c 'import json, sys
print(next(o["value"] for o in json.load(sys.stdin)
    if o["name"] == "buildtype"))' 2>/dev/null || echo '?')

echo
echo "== summary: scale $SCALE ($(wc -c <"$CFG") bytes), $RUNS runs," \
    "buildtype $BUILDTYPE, $(nproc) CPUs," \
    "load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
echo "   (verdict on the median; hyperfine rows: best = min, median = mean)"
row "what" "target" "best" "median" "verdict"
row "parse user.cfg (ms)" "< 50" "$(kv "$BC" parse_ms.best)" "$PARSE" \
    "$(verdict "$PARSE" 50)"
row "read+parse+$QUERIES queries, one process (ms)" "< 500" \
    "$(kv "$BC" read_parse_queries_ms.best)" "$TOTAL" \
    "$(verdict "$TOTAL" 500)"
row "$RSS_WHAT" "< 100" "" "$RSS" "$(verdict "$RSS" 100)"
if [ -n "$UL_T" ]; then
	read -r UL_MEAN UL_MIN _ <<<"$UL_T"
	row "realmgate user list, wall (ms)" "< 100" "$UL_MIN" "$UL_MEAN" \
	    "$(verdict "$UL_MEAN" 100)"
else
	row "realmgate user list, wall (ms)" "< 100" "-" "-" \
	    "not available yet"
fi
if [ -n "$UL_JSON_T" ]; then
	read -r UJ_MEAN UJ_MIN _ <<<"$UL_JSON_T"
	row "  user list --output-format json (ms)" "" "$UJ_MIN" "$UJ_MEAN" \
	    "info"
fi
row "  parse of the canonical rewrite (ms)" "" \
    "$(kv "$BC" parse_canonical_ms.best)" \
    "$(kv "$BC" parse_canonical_ms.median)" "info"
row "  canonical write (ms)" "" "$(kv "$BC" write_ms.best)" \
    "$(kv "$BC" write_ms.median)" "info"
row "  $QUERIES queries alone (ms)" "" "$(kv "$BC" queries_only_ms.best)" \
    "$(kv "$BC" queries_only_ms.median)" "info"
row "  mean per query (us)" "" "" "$(kv "$BC" query_mean_us)" "info"
row "  first query after parse (us)" "" \
    "$(kv "$BC" first_query_us.best)" "$(kv "$BC" first_query_us.median)" \
    "info"
row "  bench-core peak RSS, all phases (MiB)" "" "" "$RSS_LIB" "info"
read -r PERM_MEAN PERM_MIN _ <<<"$PERM_T"
row "  permissions --batch, wall (ms)" "" "$PERM_MIN" "$PERM_MEAN" "info"
if [ -r "$OUT/compat.txt" ]; then
	C=$OUT/compat.txt
	row "  compat user.cfg: parse (ms)" "" "$(kv "$C" parse_ms.best)" \
	    "$(kv "$C" parse_ms.median)" "info"
	row "  compat user.cfg: read+parse+queries (ms)" "" \
	    "$(kv "$C" read_parse_queries_ms.best)" \
	    "$(kv "$C" read_parse_queries_ms.median)" "info"
fi
[ "${SERVE_BENCH:-1}" = 0 ] || "$HERE/serve-bench.sh" "$BUILD_DIR" # server benchmarks; SERVE_BENCH=0 skips
[ "${LDAP_BENCH:-1}" = 0 ] || "$HERE/ldap-bench.sh" "$BUILD_DIR" # realm sync and LDAP logins; LDAP_BENCH=0 skips
[ "${OIDC_BENCH:-1}" = 0 ] || "$HERE/oidc-bench.sh" "$BUILD_DIR" # OpenID login overhead; OIDC_BENCH=0 skips
[ "${LOCKOUT_BENCH:-1}" = 0 ] || "$HERE/lockout-bench.sh" "$BUILD_DIR" # password guessing vs lockouts; LOCKOUT_BENCH=0 skips
[ "${TFA_BENCH:-1}" = 0 ] || "$HERE/tfa-bench.sh" "$BUILD_DIR" # the TOTP second step; TFA_BENCH=0 skips
[ "${STORE_BENCH:-1}" = 0 ] || "$HERE/store-bench.sh" "$BUILD_DIR" # the shared etcd config store; STORE_BENCH=0 skips
