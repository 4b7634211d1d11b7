#!/bin/sh
# ldap-data.sh NUSERS NGROUPS [MEMBERS_PER_GROUP] > data.ldif
#
# Why: LDAP realm tests (and the sync benchmarks) need a directory of a
# known shape and size; this prints it as LDIF for ldapadd (online: the
# memberof overlay fills memberOf) or slapadd (offline: faster, no memberOf).
# One awk program, so 10,000 users + 500 groups take a fraction of a second.
#
#   BASE (dcObject), ou=people, ou=groups, ou=services
#   cn=svc,ou=services,BASE             password SVCPW
#   uid=userN,ou=people,BASE            inetOrgPerson, N = 1..NUSERS:
#       uid userN, cn "User N", givenName User, sn NumberN,
#       mail userN@example.org, userPassword {SSHA} of USERPW
#   cn=groupG,ou=groups,BASE            groupOfNames, G = 1..NGROUPS, with
#       MEMBERS_PER_GROUP (default 20) members: group G holds users
#       (G-1)*K+1 .. G*K, wrapping around after NUSERS
# env: BASE (dc=example,dc=org), SVCPW (svcpw), USERPW (Passw0rd)
set -eu
N=${1:?usage: ldap-data.sh NUSERS NGROUPS [MEMBERS_PER_GROUP]}
M=${2:?usage: ldap-data.sh NUSERS NGROUPS [MEMBERS_PER_GROUP]}
K=${3:-20}
BASE=${BASE:-dc=example,dc=org}
# the first RDN value of BASE (dc=example,... -> example)
DC=$(printf '%s\n' "$BASE" | sed 's/^[^=]*=\([^,]*\).*/\1/')
# one salted hash per password, shared by all users: hashing 10k times
# would cost seconds, and the tests only need a verifiable {SSHA} value
SVCHASH=$(slappasswd -h '{SSHA}' -s "${SVCPW:-svcpw}")
USERHASH=$(slappasswd -h '{SSHA}' -s "${USERPW:-Passw0rd}")
# no duplicate members: at most NUSERS per group
[ "$K" -le "$N" ] || K=$N
exec awk -v N="$N" -v M="$M" -v K="$K" -v B="$BASE" -v DC="$DC" \
	-v SH="$SVCHASH" -v UH="$USERHASH" 'BEGIN {
	printf "dn: %s\nobjectClass: dcObject\nobjectClass: organization\ndc: %s\no: Example\n\n", B, DC
	printf "dn: ou=people,%s\nobjectClass: organizationalUnit\nou: people\n\n", B
	printf "dn: ou=groups,%s\nobjectClass: organizationalUnit\nou: groups\n\n", B
	printf "dn: ou=services,%s\nobjectClass: organizationalUnit\nou: services\n\n", B
	printf "dn: cn=svc,ou=services,%s\nobjectClass: person\ncn: svc\nsn: svc\nuserPassword: %s\n\n", B, SH
	for (i = 1; i <= N; i++)
		printf "dn: uid=user%d,ou=people,%s\nobjectClass: inetOrgPerson\nuid: user%d\ncn: User %d\ngivenName: User\nsn: Number%d\nmail: user%d@example.org\nuserPassword: %s\n\n", i, B, i, i, i, i, UH
	for (g = 1; g <= M; g++) {
		printf "dn: cn=group%d,ou=groups,%s\nobjectClass: groupOfNames\ncn: group%d\n", g, B, g
		# groupOfNames needs at least one member: without users, the group itself
		if (K == 0)
			printf "member: cn=group%d,ou=groups,%s\n", g, B
		for (k = 0; k < K; k++)
			printf "member: uid=user%d,ou=people,%s\n", ((g - 1) * K + k) % N + 1, B
		printf "\n"
	}
}'
