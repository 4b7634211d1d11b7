#!/bin/sh
# ad-data.sh [NBULK] > ad.ldif
#
# Why: the AD realm tests need the shapes real Active Directories have and
# plain LDAP lacks: UPN logins, disabled and expired accounts, nested groups
# (transitive membership, even a cycle), groups too big for one read of
# `member` (range retrieval, member;range=0-1499) and group names Proxmox
# cannot store.  Load it over ldaps as Administrator:
#   ldapadd -x -H ldaps://127.0.0.1 -D Administrator@example.test -w ... -f ad.ldif
# (unicodePwd may only be written over an encrypted connection).
#
#   OU=people   alice, bob, carol: enabled (userAccountControl 512), USERPW
#               dave: disabled (514), USERPW
#               erin: expired (accountExpires 2020-01-01), USERPW
#               every one: sAMAccountName, userPrincipalName NAME@UPNSUFFIX,
#               givenName, sn, displayName, mail
#   OU=bulk     bulk0001 .. bulkNBULK (default 1600): no password,
#               userAccountControl 544 (PASSWD_NOTREQD: no key derivation,
#               about 3x faster to add)
#   OU=groups   noc {carol}; net-admins {bob, noc}; infra-admins {alice,
#               net-admins}  -> transitively alice, bob, carol
#               cyc-a {cyc-b}, cyc-b {cyc-a}   (a membership cycle)
#               big-group {all bulk users}
#               "Domain Ops Team" {alice, bob}, cn "ops+dev" {carol}
#               (names a Proxmox group id cannot hold; AD and Samba refuse
#               '+' in sAMAccountName, so that one is "ops-dev")
# env: BASE (DC=example,DC=test), UPNSUFFIX (example.test), USERPW (Passw0rd!)
set -eu
NBULK=${1:-1600}
BASE=${BASE:-DC=example,DC=test}
UPN=${UPNSUFFIX:-example.test}
# unicodePwd = base64 of the UTF-16LE password in double quotes
PW=$(printf '"%s"' "${USERPW:-Passw0rd!}" | iconv -f UTF-8 -t UTF-16LE | base64 -w0)
# accountExpires is a FILETIME: 100 ns units since 1601-01-01;
# 2020-01-01T00:00:00Z = (1577836800 + 11644473600) * 10^7
EXPIRED=132223104000000000

exec awk -v B="$BASE" -v U="$UPN" -v PW="$PW" -v NB="$NBULK" -v EXP="$EXPIRED" '
function ou(name) {
	printf "dn: OU=%s,%s\nobjectClass: organizationalUnit\nou: %s\n\n", name, B, name
}
function user(name, given, sn, uac, extra) {
	printf "dn: CN=%s,OU=people,%s\nobjectClass: user\nsAMAccountName: %s\n", name, B, name
	printf "userPrincipalName: %s@%s\ngivenName: %s\nsn: %s\ndisplayName: %s %s\n", name, U, given, sn, given, sn
	printf "mail: %s@%s\nunicodePwd:: %s\nuserAccountControl: %d\n%s\n", name, U, PW, uac, extra
}
# group(rdn, sam, members): members are "|"-separated DNs relative to B
function group(rdn, sam, members,    n, m, i) {
	printf "dn: CN=%s,OU=groups,%s\nobjectClass: group\nsAMAccountName: %s\n", rdn, B, sam
	n = split(members, m, "|")
	for (i = 1; i <= n; i++)
		printf "member: %s,%s\n", m[i], B
	printf "\n"
}
BEGIN {
	ou("people"); ou("groups"); ou("bulk")
	user("alice", "Alice", "Archer", 512, "")
	user("bob", "Bob", "Baker", 512, "")
	user("carol", "Carol", "Cooper", 512, "")
	user("dave", "Dave", "Disabled", 514, "")
	user("erin", "Erin", "Expired", 512, "accountExpires: " EXP "\n")
	# children first: member values must name existing objects
	group("noc", "noc", "CN=carol,OU=people")
	group("net-admins", "net-admins", "CN=bob,OU=people|CN=noc,OU=groups")
	group("infra-admins", "infra-admins", "CN=alice,OU=people|CN=net-admins,OU=groups")
	group("Domain Ops Team", "Domain Ops Team", "CN=alice,OU=people|CN=bob,OU=people")
	group("ops\\+dev", "ops-dev", "CN=carol,OU=people")
	group("cyc-a", "cyc-a", "")
	group("cyc-b", "cyc-b", "CN=cyc-a,OU=groups")
	printf "dn: CN=cyc-a,OU=groups,%s\nchangetype: modify\nadd: member\nmember: CN=cyc-b,OU=groups,%s\n-\n\n", B, B
	for (i = 1; i <= NB; i++)
		printf "dn: CN=bulk%04d,OU=bulk,%s\nobjectClass: user\nsAMAccountName: bulk%04d\nuserPrincipalName: bulk%04d@%s\ngivenName: Bulk\nsn: User%04d\nmail: bulk%04d@%s\nuserAccountControl: 544\n\n", i, B, i, i, U, i, i, U
	printf "dn: CN=big-group,OU=groups,%s\nobjectClass: group\nsAMAccountName: big-group\n", B
	for (i = 1; i <= NB; i++)
		printf "member: CN=bulk%04d,OU=bulk,%s\n", i, B
	printf "\n"
}'
