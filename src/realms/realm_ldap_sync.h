/*
 * Reading a realm's users and groups from its directory for a sync
 * (spec 6.3 steps 1 and 2) into a struct sync_data.
 */
#ifndef RG_REALM_LDAP_SYNC_H
#define RG_REALM_LDAP_SYNC_H

#include "realm.h"
#include "sync/sync.h"

struct ldap_fetch_stats {
	size_t user_pages, group_pages;
	size_t user_entries, group_entries;
	const char *server;	/* borrowed from the realm's options */
};

/*
 * Fetch users (always) and, with groups, groups with their members.  Any
 * failed page, range or nested query fails the whole fetch: a sync never
 * acts on half an answer.  Warnings (skipped entries and values, mapped
 * group names) go to d->warnings.
 */
int realm_ldap_fetch(const struct realm_ctx *realm, bool groups,
    struct sync_data *d, struct ldap_fetch_stats *st, struct err *err)
    RG_WARN_UNUSED;

#endif
