/*
 * What the sync and the login-time group refresh of ldap/ad realms share:
 * how a directory group becomes a group id, and the group search filter.
 */
#ifndef RG_REALM_LDAP_INT_H
#define RG_REALM_LDAP_INT_H

#include "ldapc_conn.h"
#include "realm.h"
#include "sync/sync.h"

#define AD_IN_CHAIN "1.2.840.113556.1.4.1941"

/*
 * The group id of directory group entry e (DN dn) into id; false, with a
 * warning in d, when the group cannot be stored.
 */
bool realm_ldap_group_id(const struct realm_ctx *realm, const char *realm_name,
    struct ldapc *l, LDAPMessage *e, const char *dn, struct sync_data *d,
    struct buf *id);

/* Append "(<group_filter>)(|(objectclass=...)...)" for the realm. */
void realm_ldap_group_filter(const struct realm_ctx *realm, struct buf *out);

#endif
