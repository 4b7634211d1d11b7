#!/bin/sh
# etcd-cluster.sh start DIR N BASEPORT | stop DIR | kill DIR I | restart DIR I
#                 | leader DIR
#
# Why: the etcd config store backend must be tested against a real etcd
# cluster (elections, a member dying mid-write, compaction), not a mock.
# This runs a private cluster of N members out of DIR, on 127.0.0.1 only,
# with the system's /usr/bin/etcd (Debian etcd-server 3.4).
#
#   start    members m1..mN; member I (1-based) listens for clients on
#            BASEPORT+10*(I-1), for peers on +1, metrics on +2 (so a single
#            member's client port is BASEPORT).  Data in DIR/mI, log
#            DIR/mI.log, pid DIR/mI.pid.  Waits (at most 10 s) until every
#            member answers /health with {"health":"true"}, then prints the
#            client endpoints comma-separated ("127.0.0.1:P1,127.0.0.1:P2")
#   stop     SIGTERM every member, wait (SIGKILL after 5 s)
#   kill     SIGKILL member I ("a member died mid-write" tests)
#   restart  start member I again on its data (--initial-cluster-state
#            existing), wait until it is healthy
#   leader   print the number of the member that is the leader now
#
# env: ETCD (default /usr/bin/etcd), ETCD_EXTRA_ARGS (added to every member's
#      command line, e.g. "--max-txn-ops 16"), ETCD_TLSDIR (at start: a
#      mkca.sh directory; clients then speak https with its server.crt,
#      peers stay on http; restart remembers it), ETCD_LOG_LEVEL (default
#      error).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../peers/proc.sh"
ETCD=${ETCD:-/usr/bin/etcd}
CMD=${1:?usage: etcd-cluster.sh start|stop|kill|restart DIR [N BASEPORT | I]}
D=${2:?missing DIR}
mkdir -p "$D"
D=$(cd "$D" && pwd)

die() {
	echo "etcd-cluster.sh: $*" >&2
	exit 1
}

# the cluster's shape, written by start: N BASEPORT SCHEME
load_shape() {
	[ -f "$D/cluster" ] || die "no cluster in $D (run start first)"
	read -r N BASEPORT SCHEME < "$D/cluster"
	[ "$SCHEME" = http ] || ETCD_TLSDIR=$(cat "$D/tlsdir")
}

client_port() { echo $((BASEPORT + 10 * ($1 - 1))); }
peer_port() { echo $((BASEPORT + 10 * ($1 - 1) + 1)); }
metrics_port() { echo $((BASEPORT + 10 * ($1 - 1) + 2)); }

peer_url() { echo "m$1=http://127.0.0.1:$(peer_port "$1")"; }
client_endpoint() { echo "127.0.0.1:$(client_port "$1")"; }

# join_members FN: "FN I" for every member, joined with commas
join_members() {
	_out=
	_j=1
	while [ "$_j" -le "$N" ]; do
		_out="$_out${_out:+,}$($1 "$_j")"
		_j=$((_j + 1))
	done
	echo "$_out"
}

check_member() {
	case $1 in
	''|*[!0-9]*) die "bad member number '$1'" ;;
	esac
	if [ "$1" -lt 1 ] || [ "$1" -gt "$N" ]; then
		die "no member $1 (1..$N)"
	fi
}

# member_curl I PATH [curl args]: a request to member I's client port
member_curl() {
	_url="$SCHEME://127.0.0.1:$(client_port "$1")$2"
	shift 2
	if [ "$SCHEME" = https ]; then
		curl -sf -m 1 --cacert "$ETCD_TLSDIR/ca.crt" "$@" "$_url"
	else
		curl -sf -m 1 "$@" "$_url"
	fi 2>/dev/null
}

healthy() {
	member_curl "$1" /health | grep -q '"health":"true"'
}

# is_leader I: member I says it is the leader (its id is the leader's)
is_leader() {
	_st=$(member_curl "$1" /v3/maintenance/status -X POST -d '{}') || return 1
	_id=$(echo "$_st" | sed -n 's/.*"member_id":"\([0-9]*\)".*/\1/p')
	_leader=$(echo "$_st" | sed -n 's/.*"leader":"\([0-9]*\)".*/\1/p')
	[ -n "$_id" ] && [ "$_id" = "$_leader" ]
}

# launch I STATE: start member I in the background, pid to DIR/mI.pid
launch() {
	_i=$1
	_cluster=$(join_members peer_url)
	_curl="$SCHEME://127.0.0.1:$(client_port "$_i")"
	_tls=
	if [ "$SCHEME" = https ]; then
		_tls="--cert-file $ETCD_TLSDIR/server.crt --key-file $ETCD_TLSDIR/server.key"
	fi
	# stdin from /dev/null, stdout to the log: $! is etcd itself
	# shellcheck disable=SC2086
	"$ETCD" --name "m$_i" --data-dir "$D/m$_i" \
		--listen-client-urls "$_curl" --advertise-client-urls "$_curl" \
		--listen-peer-urls "http://127.0.0.1:$(peer_port "$_i")" \
		--initial-advertise-peer-urls "http://127.0.0.1:$(peer_port "$_i")" \
		--listen-metrics-urls "http://127.0.0.1:$(metrics_port "$_i")" \
		--initial-cluster "$_cluster" --initial-cluster-state "$2" \
		--initial-cluster-token "etcd-cluster-$BASEPORT" \
		--logger zap --log-level "${ETCD_LOG_LEVEL:-error}" \
		$_tls ${ETCD_EXTRA_ARGS:-} \
		< /dev/null >> "$D/m$_i.log" 2>&1 &
	echo $! > "$D/m$_i.pid"
}

running() {
	_pid=$(cat "$D/m$1.pid" 2>/dev/null || true)
	pid_alive "$_pid" && pid_logs_to "$_pid" "$D/m$1.log"
}

# wait_healthy I...: every member named answers /health within 10 s
wait_healthy() {
	_n=0
	for _i in "$@"; do
		until healthy "$_i"; do
			if ! running "$_i"; then
				echo "etcd-cluster.sh: m$_i exited during start-up; log:" >&2
				tail -n 20 "$D/m$_i.log" >&2
				return 1
			fi
			_n=$((_n + 1))
			if [ $_n -gt 200 ]; then
				echo "etcd-cluster.sh: m$_i not healthy after 10 s; log:" >&2
				tail -n 20 "$D/m$_i.log" >&2
				return 1
			fi
			sleep 0.05
		done
	done
}


stop_all() {
	_j=1
	while [ "$_j" -le "$N" ]; do
		stop_pidfile "$D/m$_j.pid" "$1" 5 "$D/m$_j.log"
		_j=$((_j + 1))
	done
}

case $CMD in
start)
	N=${3:?missing N}
	BASEPORT=${4:?missing BASEPORT}
	case $N$BASEPORT in
	*[!0-9]*) die "N and BASEPORT must be numbers" ;;
	esac
	[ "$N" -ge 1 ] || die "N must be at least 1"
	[ $((BASEPORT + 10 * N)) -le 65535 ] || die "ports past 65535"
	SCHEME=http
	if [ -n "${ETCD_TLSDIR:-}" ]; then
		SCHEME=https
		ETCD_TLSDIR=$(cd "$ETCD_TLSDIR" && pwd)
	fi
	if [ -f "$D/cluster" ]; then
		load_shape
		i=1
		while [ "$i" -le "$N" ]; do
			! running "$i" || die "m$i already runs in $D"
			i=$((i + 1))
		done
		die "$D holds a cluster already (stop and remove it first)"
	fi
	echo "$N $BASEPORT $SCHEME" > "$D/cluster"
	[ "$SCHEME" = http ] || echo "$ETCD_TLSDIR" > "$D/tlsdir"
	i=1
	while [ "$i" -le "$N" ]; do
		# a foreign server on the port would pass the health check
		! healthy "$i" || die "something already answers on port $(client_port "$i")"
		i=$((i + 1))
	done
	i=1
	while [ "$i" -le "$N" ]; do
		launch "$i" new
		i=$((i + 1))
	done
	if ! wait_healthy $(seq 1 "$N"); then
		stop_all KILL
		exit 1
	fi
	join_members client_endpoint
	;;
stop)
	load_shape
	stop_all TERM
	;;
kill)
	load_shape
	I=${3:?missing member number}
	check_member "$I"
	stop_pidfile "$D/m$I.pid" KILL 5 "$D/m$I.log"
	;;
restart)
	load_shape
	I=${3:?missing member number}
	check_member "$I"
	! running "$I" || die "m$I still runs (kill or stop it first)"
	launch "$I" existing
	if ! wait_healthy "$I"; then
		stop_pidfile "$D/m$I.pid" KILL 5 "$D/m$I.log"
		exit 1
	fi
	;;
leader)
	load_shape
	i=1
	while [ "$i" -le "$N" ]; do
		if running "$i" && is_leader "$i"; then
			echo "$i"
			exit 0
		fi
		i=$((i + 1))
	done
	die "no member is the leader"
	;;
*)
	die "unknown command $CMD"
	;;
esac
