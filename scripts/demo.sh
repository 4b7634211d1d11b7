#!/bin/sh
# The README's first command (via `make demo`): builds nothing itself (make
# did), creates a demo config directory and walks through the pveum command
# line on it, showing each command before its output.
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
cat <<TXT

Logging in: 'pveum ticket alice@pve' (password "correct horse") prints a
Proxmox-compatible login ticket, signed with $DEMO/priv/authkey.key; a
Proxmox node holding the same keys accepts it as its PVEAuthCookie.  The
HTTP server (realmgate serve on https://127.0.0.1:8006) is the next issue.
Try more:  REALMGATE_CONFIG_DIR=$DEMO $PVEUM help
TXT
