#!/bin/sh
# The README's first command (via `make demo`): builds nothing itself (make
# did), creates a demo config directory, walks through the pveum command
# line on it (each command shown before its output), then starts
# `realmgate serve` on https://127.0.0.1:8006 and says how to log in.
# LISTEN=ADDR:PORT changes the address; NO_SERVE=1 stops after the walk.
set -eu
BUILD=${1:-build}
DEMO=${2:-demo}
cd "$(dirname "$0")/.."
PVEUM="$(pwd)/$BUILD/pveum"
RG="$(pwd)/$BUILD/realmgate"

rm -rf "$DEMO"
mkdir -p "$DEMO"
chmod 700 "$DEMO"
export REALMGATE_CONFIG_DIR="$(cd "$DEMO" && pwd)"

run() {
	printf '\n$ %s\n' "$*"
	"$@"
}

echo "realmgate demo: config directory $REALMGATE_CONFIG_DIR"
echo "(the same files, formats and pveum syntax as Proxmox VE's /etc/pve)"

run "$PVEUM" realm add corp --type ad --domain corp.example.com \
    --server1 dc1.corp.example.com --comment "Corporate AD" --case-sensitive 0
run "$PVEUM" realm modify corp --disable 1
run "$PVEUM" realm modify pve --default 1
run "$PVEUM" realm list
run "$PVEUM" group add infra-admins --comment "Infrastructure admins"
run "$PVEUM" group add devs --comment "Developers"
run "$PVEUM" user add alice@pve --password 'correct horse' \
    --firstname Alice --email alice@example.com --groups infra-admins
run "$PVEUM" user add bob@pve --password 'battery staple' --groups devs
run "$PVEUM" role add VMOperator --privs "VM.Audit,VM.Console,VM.PowerMgmt"
run "$PVEUM" pool add dev-pool --comment "Development VMs"
run "$PVEUM" pool modify dev-pool --vms 100,101 --storage local-lvm
run "$PVEUM" acl modify / --group infra-admins --role Administrator
run "$PVEUM" acl modify /pool/dev-pool --group devs --role VMOperator
run "$PVEUM" acl modify /vms/101 --user bob@pve --role NoAccess
run "$PVEUM" user token add bob@pve ci --comment "CI runner" \
    --output-format json
run "$PVEUM" acl modify /vms/100 --token 'bob@pve!ci' --role PVEAuditor
run "$PVEUM" user list
run "$PVEUM" acl list
run "$PVEUM" user permissions bob@pve --path /vms/100
run "$PVEUM" user permissions bob@pve --path /vms/100 --why
run "$PVEUM" user token permissions bob@pve ci --path /vms/100
run cat "$DEMO/user.cfg"
printf 'bob@pve /vms/100\nbob@pve /vms/101\nbob@pve!ci /vms/100\nalice@pve /vms/101\n' >"$DEMO/queries"
run "$RG" permissions --batch "$DEMO/queries"
run "$RG" check-config

printf '\n$ echo "correct horse" | %s ticket alice@pve\n' "$PVEUM"
TICKET=$(echo "correct horse" | "$PVEUM" ticket alice@pve 2>/dev/null)
echo "$TICKET"
LISTEN=${LISTEN:-127.0.0.1:8006}
cat <<TXT

That ticket is a Proxmox-compatible login ticket, signed with
$DEMO/priv/authkey.key: a Proxmox node holding the same keys accepts it.

Now the server.  Open https://$LISTEN/ and log in as
    alice@pve  password "correct horse"  (realm pve; an administrator)
or  bob@pve    password "battery staple" (sees only what the dev pool allows)
The certificate was generated for this demo: $DEMO/local/realmgate-ssl.pem
(your browser will ask you to accept it; curl: --cacert that file).
    curl --cacert $DEMO/local/realmgate-ssl.pem -d username=alice@pve \\
        -d 'password=correct horse' https://$LISTEN/api2/json/access/ticket
Stop the server with Ctrl-C.
TXT
[ -n "${NO_SERVE:-}" ] && exit 0
exec "$RG" --config-dir "$DEMO" serve --listen "$LISTEN"
