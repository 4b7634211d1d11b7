#!/bin/sh
# End-to-end tests of the pveum command line against a temporary config
# directory: each behaviour of spec 9 that a script or an admin relies on,
# with Proxmox's messages and exit codes, and the files it leaves behind.
# PAM logins go through pam_wrapper (scripts/pamwrap-env.sh), never the
# machine's own PAM configuration.
#   test-pveum.sh REALMGATE_BINARY PAMWRAP_SCRIPT
set -u
RG=$1
PAMWRAP=$2
PVEUM="$(dirname "$RG")/pveum"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export REALMGATE_CONFIG_DIR="$T/etc"
mkdir -p "$REALMGATE_CONFIG_DIR"
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# run CMD...: captures stdout in $T/out, stderr in $T/err, status in $rc
run() {
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
}
# run_in INPUT CMD...: like run, with INPUT (one line) on stdin
run_in() {
	input=$1
	shift
	printf '%s\n' "$input" | "$@" >"$T/out" 2>"$T/err"
	rc=$?
}
expect_ok() {
	run "$@"
	[ "$rc" -eq 0 ] && ok || bad "$* -> exit $rc: $(cat "$T/err")"
}
# expect_fail MESSAGE CMD...: exit 255 and MESSAGE in stderr
expect_fail() {
	msg=$1
	shift
	run "$@"
	if [ "$rc" -ne 255 ]; then
		bad "$* -> exit $rc, wanted 255"
	elif ! grep -qF -- "$msg" "$T/err"; then
		bad "$* -> stderr lacks '$msg': $(cat "$T/err")"
	else
		ok
	fi
}
# expect_line FILE LINE: FILE contains exactly this line
expect_line() {
	grep -qxF -- "$2" "$1" && ok || bad "$1 lacks line '$2'"
}
expect_no_line() {
	grep -qxF -- "$2" "$1" && bad "$1 has line '$2'" || ok
}
U="$REALMGATE_CONFIG_DIR/user.cfg"

# users and groups
expect_ok "$PVEUM" group add admins --comment "Cluster admins"
expect_ok "$PVEUM" user add alice@pve --firstname Alice --email alice@example.com \
    --comment "Team: ops" --groups admins --password "alice-pw-1"
expect_line "$U" "user:alice@pve:1:0:Alice::alice@example.com:Team%3A ops::"
expect_line "$U" "group:admins:alice@pve:Cluster admins:"
expect_fail "create user failed: user 'alice@pve' already exists" \
    "$PVEUM" user add alice@pve
expect_fail "userid: invalid format - value 'nope' does not look like a valid user name" \
    "$PVEUM" user add nope
expect_fail "400 Parameter verification failed." "$PVEUM" user add x@pve --email bad
expect_fail "no such group 'ghosts'" "$PVEUM" user add bob@pve --groups ghosts
expect_ok "$PVEUM" useradd bob@pve -enable 0 -group admins
expect_line "$U" "user:bob@pve:0:0::::::"
expect_line "$U" "group:admins:alice@pve,bob@pve:Cluster admins:"
expect_ok "$PVEUM" user modify bob@pve --enable --groups ""
expect_line "$U" "user:bob@pve:1:0::::::"
expect_line "$U" "group:admins:alice@pve:Cluster admins:"
expect_fail "update user failed: no such user ('carol@pve')" \
    "$PVEUM" user modify carol@pve --enable 1
expect_fail "Unknown option: bogus" "$PVEUM" user modify bob@pve --bogus 1
expect_ok "$PVEUM" user list --output-format json
grep -q '"userid":"alice@pve"' "$T/out" && ok || bad "user list json"
expect_ok "$PVEUM" user list --output-format yaml
grep -q 'userid: alice@pve' "$T/out" && ok || bad "user list yaml"
expect_ok "$PVEUM" user list --noborder
grep -q 'alice@pve' "$T/out" && ok || bad "user list text"

# roles and ACLs
expect_ok "$PVEUM" role add Ops --privs "VM.Audit,VM.PowerMgmt" --privs Sys.Audit
expect_line "$U" "role:Ops:Sys.Audit,VM.Audit,VM.PowerMgmt:"
expect_fail "cannot use role ID starting with 'PVE'" "$PVEUM" role add PVEMine
expect_fail "auto-generated role 'PVEAdmin' cannot be modified" \
    "$PVEUM" role modify PVEAdmin --privs VM.Audit
expect_fail "invalid privilege 'VM.Bogus'" "$PVEUM" role add R2 --privs VM.Bogus
expect_ok "$PVEUM" role modify Ops --privs VM.Console --append
expect_line "$U" "role:Ops:Sys.Audit,VM.Audit,VM.Console,VM.PowerMgmt:"
expect_ok "$PVEUM" aclmod / -group admins -role PVEAuditor
expect_ok "$PVEUM" acl modify /vms/100 --users bob@pve --roles Ops --propagate 0
expect_line "$U" "acl:1:/:@admins:PVEAuditor:"
expect_line "$U" "acl:0:/vms/100:bob@pve:Ops:"
expect_fail "role 'Nope' does not exist" "$PVEUM" acl modify / --group admins --role Nope
expect_fail "invalid ACL path" "$PVEUM" acl modify /bogus/path --group admins --role Ops
expect_fail "user 'ghost@pve' does not exist" "$PVEUM" acl modify / --user ghost@pve --role Ops
expect_ok "$PVEUM" acl delete /vms/100 --users bob@pve --roles Ops
expect_no_line "$U" "acl:0:/vms/100:bob@pve:Ops:"

# permissions and --why
expect_ok "$PVEUM" user permissions alice@pve --path /vms/42 --output-format json
grep -q '"/vms/42":{.*"VM.Audit":1' "$T/out" && ok || bad "permissions json: $(cat "$T/out")"
expect_ok "$PVEUM" user permissions alice@pve --path /vms/42 --why
grep -q 'role PVEAuditor from acl:1:/:@admins (member of group admins)' "$T/out" &&
    ok || bad "why: $(cat "$T/out")"

# pools
expect_ok "$PVEUM" pool add dev --comment "Dev"
expect_fail "parent 'nope' does not exist" "$PVEUM" pool add nope/sub
expect_ok "$PVEUM" pool add dev/team1
expect_ok "$PVEUM" pool modify dev --vms 100,101 --storage local-lvm
expect_ok "$PVEUM" pool add other
expect_fail "VM 100 is already a pool member" "$PVEUM" pool modify other --vms 100
expect_ok "$PVEUM" pool modify other --vms 100 --allow-move
expect_line "$U" "pool:dev:Dev:101:local-lvm:"
expect_line "$U" "pool:other::100::"
expect_fail "is not empty" "$PVEUM" pool delete other
expect_ok "$PVEUM" pool modify other --vms 100 --delete
expect_ok "$PVEUM" pool delete other

# tokens
expect_ok "$PVEUM" user token add alice@pve ci --comment "CI" --output-format json
secret=$(sed -n 's/.*"value":"\([0-9a-f-]*\)".*/\1/p' "$T/out")
[ ${#secret} -eq 36 ] && ok || bad "token secret '$secret'"
# beyond Proxmox: the secret is stored hashed, never in plain text
grep -q "^alice@pve!ci \$rgt1\$[0-9a-f]*\$[0-9a-f]\{64\}\$" \
    "$REALMGATE_CONFIG_DIR/priv/token.cfg" && ok || bad "token secret not hashed"
grep -q "$secret" "$REALMGATE_CONFIG_DIR/priv/token.cfg" && bad "plain secret stored" || ok
expect_line "$U" "token:alice@pve!ci:0:1:CI:"
expect_fail "Token already exists." "$PVEUM" user token add alice@pve ci
expect_ok "$PVEUM" user token modify alice@pve ci --regenerate --output-format json
grep -q "$secret" "$REALMGATE_CONFIG_DIR/priv/token.cfg" && bad "secret not regenerated" || ok
expect_ok "$PVEUM" acl modify /vms --token 'alice@pve!ci' --role PVEVMAdmin
expect_ok "$PVEUM" user token permissions alice@pve ci --path /vms/7 --output-format json
# privilege separation: the token gets VM.Audit only (what its owner also has)
grep -q '"VM.Audit":1' "$T/out" && ! grep -q 'VM.Allocate' "$T/out" && ok ||
    bad "token permissions $(cat "$T/out")"
expect_ok "$PVEUM" user token remove alice@pve ci
expect_no_line "$U" "token:alice@pve!ci:0:1:CI:"

# realms: AD realm, bind password file, realmgate-only disable flag
expect_ok "$PVEUM" realm add corp --type ad --domain corp.example.com \
    --server1 dc1.corp.example.com --password "bind-secret" --case-sensitive 0
[ "$(stat -c %a "$REALMGATE_CONFIG_DIR/priv/realm/corp.pw")" = 600 ] && ok ||
    bad "corp.pw mode"
grep -q bind-secret "$REALMGATE_CONFIG_DIR/domains.cfg" && bad "password in domains.cfg" || ok
expect_ok "$PVEUM" realm modify corp --disable 1
grep -q disable "$REALMGATE_CONFIG_DIR/domains.cfg" && bad "disable leaked into domains.cfg" || ok
expect_line "$REALMGATE_CONFIG_DIR/realmgate/domains.cfg" "	disable 1"
expect_fail "missing value for required option" "$PVEUM" realm add l2 --type ldap
expect_ok "$PVEUM" realm delete corp
[ -e "$REALMGATE_CONFIG_DIR/priv/realm/corp.pw" ] && bad "pw file left" || ok

# tickets and passwords (pve realm)
run_in "alice-pw-1" "$PVEUM" ticket alice@pve
[ "$rc" -eq 0 ] && grep -q '^PVE:alice@pve:[0-9A-F]\{8\}::' "$T/out" && ok ||
    bad "ticket: $(cat "$T/err")"
ticket=$(cat "$T/out")
run_in "wrong" "$PVEUM" ticket alice@pve
[ "$rc" -eq 255 ] && ok || bad "wrong password accepted"
run_in "" "$PVEUM" ticket alice@pve
[ "$rc" -eq 255 ] && ok || bad "empty password accepted"
run_in "$ticket" "$PVEUM" ticket alice@pve
[ "$rc" -eq 0 ] && ok || bad "ticket renewal: $(cat "$T/err")"
printf 'new-pw-123\nnew-pw-123\n' >"$T/in"
run "$PVEUM" passwd alice@pve <"$T/in"
[ "$rc" -eq 0 ] && ok || bad "passwd: $(cat "$T/err")"
printf 'new-pw-123\nother-pw-1\n' >"$T/in"
run "$PVEUM" passwd alice@pve <"$T/in"
grep -q "passwords do not match" "$T/err" && ok || bad "passwd mismatch"
run_in "new-pw-123" "$PVEUM" ticket alice@pve
[ "$rc" -eq 0 ] && ok || bad "login after passwd"
expect_ok "$PVEUM" realm modify pve --disable 1
run_in "new-pw-123" "$PVEUM" ticket alice@pve
grep -q "realm 'pve' is disabled" "$T/err" && ok || bad "disabled realm: $(cat "$T/err")"
expect_ok "$PVEUM" realm modify pve --disable 0
expect_ok "$PVEUM" user modify alice@pve --expire 1000
run_in "new-pw-123" "$PVEUM" ticket alice@pve
grep -q "access expired" "$T/err" && ok || bad "expired user"
expect_ok "$PVEUM" user modify alice@pve --expire 0

# pam realm through pam_wrapper (passdb: alice:secret, carol only othersvc)
expect_ok "$PVEUM" user add alice@pam
expect_ok "$PVEUM" user add carol@pam
export REALMGATE_PAM_SERVICE=rg-test
run_in "secret" "$PAMWRAP" "$PVEUM" ticket alice@pam
[ "$rc" -eq 0 ] && grep -q '^PVE:alice@pam:' "$T/out" && ok ||
    bad "pam login: $(cat "$T/err")"
run_in "wrong" "$PAMWRAP" "$PVEUM" ticket alice@pam
[ "$rc" -ne 0 ] && ok || bad "pam wrong password accepted"
run_in "carolpw" "$PAMWRAP" "$PVEUM" ticket carol@pam
[ "$rc" -ne 0 ] && ok || bad "pam account check skipped"
unset REALMGATE_PAM_SERVICE

# deleting a user takes its groups, ACLs and token secrets with it
expect_ok "$PVEUM" user token add bob@pve t1
expect_ok "$PVEUM" acl modify /vms/500 --user bob@pve --role Ops
expect_ok "$PVEUM" user delete bob@pve
grep -q 'bob@pve' "$U" && bad "bob left in user.cfg" || ok
grep -q 'bob@pve' "$REALMGATE_CONFIG_DIR/priv/token.cfg" && bad "bob's secret left" || ok

# a file with unparsable lines is not rewritten without --force
printf 'role:Odd:VM.Audit,VM.Bogus:\n' >>"$U"
expect_fail "refusing to rewrite user.cfg" "$PVEUM" group add g2
run "$RG" check-config
[ "$rc" -eq 1 ] && grep -q "user.cfg:.*ignore invalid privilege 'VM.Bogus'" "$T/err" &&
    ok || bad "check-config: $(cat "$T/err")"
expect_ok "$PVEUM" group add g2 --force
expect_line "$U" "role:Odd:VM.Audit:"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
