#!/bin/sh
# samba-ad.sh provision DIR | clone TEMPLATE DIR | start DIR | stop DIR | kill DIR
#
# Why: AD realms must be tested against a real Active Directory (UPN binds,
# userAccountControl, nested groups, range retrieval, referrals); Samba's AD
# DC is one, and it can run on 127.0.0.1 only.  Everything lives in DIR;
# /etc/samba/smb.conf is never read.
#
#   provision  new domain REALM in DIR (a few seconds), TLS with a mkca.sh
#              certificate (SAN 127.0.0.1) so clients can verify ldaps
#   clone      copy a provisioned, stopped TEMPLATE to DIR (cp -a, then the
#              paths in etc/smb.conf are rewritten): a pristine domain in
#              0.1 s instead of provisioning again
#   start      run samba in the foreground (-M single) in the background,
#              return once LDAP answers
#   stop       SIGTERM, wait (SIGKILL after 10 s);  kill: SIGKILL, wait
#
# Facts worth knowing:
#   - the ports are Samba's own (389 ldap, 636 ldaps, 3268/3269 GC): one DC
#     per machine at a time.  `start` refuses if something answers on 389.
#   - only the LDAP service runs (no KDC, SMB, DNS, RPC);
#   - simple binds need TLS (ldaps or StartTLS): "ldap server require strong
#     auth" keeps its default;
#   - ldb:nosync: no fsync per write, which makes provisioning ~3x and
#     loading ~5x faster (test data only);
#   - the domain's maximum password age is off, so a template stays usable.
# env: REALM (EXAMPLE.TEST), DOMAIN (EXAMPLE), ADMINPW (Adm1nPass!x),
#      TLSDIR (certificates from mkca.sh; default DIR/tls, made if missing)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/proc.sh"
USAGE="usage: samba-ad.sh provision|start|stop|kill DIR, samba-ad.sh clone TEMPLATE DIR"
CMD=${1:?$USAGE}

absdir() {
	mkdir -p "$1"
	(cd "$1" && pwd)
}

# replace every occurrence of the literal string $2 by $3 in file $1
replace_literal() {
	awk -v old="$2" -v new="$3" '{
		out = ""
		while ((i = index($0, old)) > 0) {
			out = out substr($0, 1, i - 1) new
			$0 = substr($0, i + length(old))
		}
		print out $0
	}' "$1" > "$1.tmp"
	mv "$1.tmp" "$1"
}

ldap_answers() {
	LDAPCONF=/dev/null ldapsearch -x -H ldap://127.0.0.1:389 -o nettimeout=2 \
		-b "" -s base defaultNamingContext > /dev/null 2>&1
}

if [ "$CMD" = clone ]; then
	SRC=$(cd "${2:?$USAGE}" && pwd)
	DST=${3:?$USAGE}
	[ -f "$SRC/etc/smb.conf" ] || { echo "samba-ad.sh: $SRC is not provisioned" >&2; exit 1; }
	OLD=$(cat "$SRC/run/samba.fgpid" 2>/dev/null || true)
	if pid_alive "$OLD" && pid_logs_to "$OLD" "$SRC/samba.out"; then
		echo "samba-ad.sh: $SRC is running; stop it before cloning" >&2
		exit 1
	fi
	[ ! -e "$DST" ] || { echo "samba-ad.sh: $DST exists" >&2; exit 1; }
	# the directory the template was provisioned in (it may have been moved
	# since): the parent of its private dir
	OLDROOT=$(sed -n 's/^[[:space:]]*private dir = \(.*\)\/private[[:space:]]*$/\1/p' "$SRC/etc/smb.conf")
	[ -n "$OLDROOT" ] || { echo "samba-ad.sh: no private dir in $SRC/etc/smb.conf" >&2; exit 1; }
	cp -a "$SRC" "$DST"
	DST=$(cd "$DST" && pwd)
	# etc/smb.conf is the only file with absolute paths (private dir, tls
	# files, shares ...): the ldb databases hold none
	replace_literal "$DST/etc/smb.conf" "$OLDROOT" "$DST"
	rm -f "$DST"/run/* "$DST"/log.* "$DST/samba.out"
	exit 0
fi

D=$(absdir "${2:?$USAGE}")
PIDFILE=$D/run/samba.fgpid
SMBCONF=$D/etc/smb.conf

case $CMD in
provision)
	[ ! -e "$SMBCONF" ] || { echo "samba-ad.sh: $D is already provisioned" >&2; exit 1; }
	: > "$D/empty.conf"
	samba-tool domain provision -s "$D/empty.conf" --targetdir="$D" \
		--realm="${REALM:-EXAMPLE.TEST}" --domain="${DOMAIN:-EXAMPLE}" \
		--server-role=dc --dns-backend=NONE --host-name=dc1 \
		--adminpass="${ADMINPW:-Adm1nPass!x}" \
		--option="interfaces=127.0.0.1" --option="bind interfaces only=yes" \
		--option="server services=ldap" --option="ldb:nosync=true" \
		--option="log file=$D/log.%m" --option="ncalrpc dir=$D/ncalrpc" \
		> "$D/provision.log" 2>&1 || {
		echo "samba-ad.sh: provisioning failed:" >&2
		tail -n 20 "$D/provision.log" >&2
		exit 1
	}
	TLSDIR=${TLSDIR:-$D/tls}
	[ -f "$TLSDIR/server.crt" ] || "$HERE/mkca.sh" "$TLSDIR"
	TLSDIR=$(cd "$TLSDIR" && pwd)
	mkdir -p "$D/run" "$D/ncalrpc"
	awk -v t="$TLSDIR" -v d="$D" '{ print }
		/^\[global\]/ {
			print "\ttls enabled = yes"
			print "\ttls keyfile = " t "/server.key"
			print "\ttls certfile = " t "/server.crt"
			print "\ttls cafile = " t "/ca.crt"
			print "\tpid directory = " d "/run"
		}' "$SMBCONF" > "$SMBCONF.tmp"
	mv "$SMBCONF.tmp" "$SMBCONF"
	samba-tool domain passwordsettings set -s "$SMBCONF" -H "$D/private/sam.ldb" \
		--max-pwd-age=0 >> "$D/provision.log" 2>&1
	;;
start)
	[ -f "$SMBCONF" ] || { echo "samba-ad.sh: $D is not provisioned" >&2; exit 1; }
	OLD=$(cat "$PIDFILE" 2>/dev/null || true)
	if pid_alive "$OLD" && pid_logs_to "$OLD" "$D/samba.out"; then
		echo "samba-ad.sh: already running in $D" >&2
		exit 1
	fi
	if ldap_answers; then
		echo "samba-ad.sh: something already answers on ldap://127.0.0.1:389" >&2
		exit 1
	fi
	mkdir -p "$D/run"
	samba -s "$SMBCONF" -M single --foreground --no-process-group --debug-stdout -d 1 \
		< /dev/null >> "$D/samba.out" 2>&1 &
	PID=$!
	echo "$PID" > "$PIDFILE"
	i=0
	until ldap_answers; do
		if ! pid_alive "$PID"; then
			echo "samba-ad.sh: samba exited during start-up:" >&2
			tail -n 20 "$D/samba.out" >&2
			rm -f "$PIDFILE"
			exit 1
		fi
		i=$((i + 1))
		if [ $i -gt 600 ]; then
			echo "samba-ad.sh: samba not answering after 30 s:" >&2
			tail -n 20 "$D/samba.out" >&2
			stop_pidfile "$PIDFILE" KILL 5 "$D/samba.out"
			exit 1
		fi
		sleep 0.05
	done
	echo "$PID"
	;;
stop)
	stop_pidfile "$PIDFILE" TERM 10 "$D/samba.out"
	;;
kill)
	stop_pidfile "$PIDFILE" KILL 10 "$D/samba.out"
	;;
*)
	echo "$USAGE" >&2
	exit 2
	;;
esac
