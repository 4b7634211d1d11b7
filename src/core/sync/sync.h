/*
 * Directory sync (spec 6.3), the part that knows nothing about LDAP: what
 * a directory returned (users with their synced fields, groups with their
 * members), and how that is applied to user.cfg.  The LDAP side fills a
 * struct sync_data; sync_apply() changes an in-memory user.cfg that the
 * caller writes in one atomic step, so the file holds the old or the new
 * state, never a mix.
 *
 * Beyond Proxmox: a guard that refuses to act on an empty answer or one
 * that would remove too many users; exact realm matching (Proxmox matches
 * `@<realm>$` as a regex, so syncing realm "a.b" also removes users of
 * realm "aXb"); and a diff of every change, printed by dry runs.
 */
#ifndef RG_SYNC_H
#define RG_SYNC_H

#include "buf.h"
#include "err.h"
#include "hmap.h"
#include "str.h"
#include "strpool.h"
#include "ucfg.h"

#include <stdbool.h>
#include <stddef.h>

/* The user fields a sync may set (Proxmox's attribute map targets). */
enum sync_field {
	SF_ENABLE,
	SF_EXPIRE,
	SF_FIRSTNAME,
	SF_LASTNAME,
	SF_EMAIL,
	SF_COMMENT,
	SF_KEYS,
	SF_COUNT
};

/* "enable", "expire", ... */
const char *sync_field_name(enum sync_field f);
/* Index by name, or -1. */
int sync_field_find(const char *name);

struct sync_user {
	const char *id;			/* user@realm */
	const char *val[SF_COUNT];	/* NULL: not returned */
	bool disabled;			/* AD: account disabled */
};

struct sync_group {
	const char *id;			/* <name>-<realm> */
	const char *dn;			/* lower-cased */
	const char **members;		/* user ids, sorted, unique */
	size_t nmembers, cap;
	const char **subgroups;		/* lower-cased DNs of member groups */
	size_t nsub, subcap;
};

/*
 * Checks a synced value of a field; returns NULL when fine, else a reason
 * (the API layer passes its schema checks in).
 */
typedef const char *(*sync_validate_fn)(enum sync_field f, const char *value,
    struct buf *msg);

struct sync_data {
	struct strpool pool;
	struct sync_user *users;
	size_t nusers, ucap;
	struct sync_group *groups;
	size_t ngroups, gcap;
	struct hmap user_by_dn;		/* lower-cased DN -> user index + 1 */
	struct hmap user_by_id;		/* user id -> user index + 1 */
	struct hmap group_by_id;	/* group id -> group index + 1 */
	struct hmap group_by_dn;	/* lower-cased DN -> group index + 1 */
	struct buf warnings;		/* one line each */
	size_t nwarnings;
	sync_validate_fn validate;
};

/*
 * Warnings kept, and the length of one: whatever a directory sends, they
 * stay a task log a person can read.
 */
#define SYNC_MAX_WARNINGS 1000u
#define SYNC_WARNING_MAX  1024

void sync_data_init(struct sync_data *d);
void sync_data_clear(struct sync_data *d);
/* Add a warning line (cut at SYNC_WARNING_MAX, at most SYNC_MAX_WARNINGS). */
void sync_warn(struct sync_data *d, const char *fmt, ...) RG_PRINTF(2, 3);

/*
 * Add a user (dn is lower-cased here).  Returns the user, or NULL when the
 * id is invalid or already seen (a warning says which).
 */
struct sync_user *sync_add_user(struct sync_data *d, const char *userid,
    const char *dn);
/* Set a field after validation; an invalid value is skipped with a warning. */
void sync_user_set(struct sync_data *d, struct sync_user *u,
    enum sync_field f, const char *value, size_t len);

struct sync_group *sync_add_group(struct sync_data *d, const char *groupid,
    const char *dn);
/* A member DN: a known user becomes a member, any other DN a subgroup. */
void sync_group_member_dn(struct sync_data *d, struct sync_group *g,
    const char *dn, size_t len);
void sync_group_add_member(struct sync_data *d, struct sync_group *g,
    const char *userid);
/* Sort and de-duplicate every group's members (after all are added). */
void sync_data_finish(struct sync_data *d);

/*
 * Nested groups: add to each group the users of every group reachable
 * through its subgroups (cycle-safe).  Subgroups outside the sync are
 * followed only if they were fetched.
 */
void sync_resolve_nested(struct sync_data *d);

/* --- group names (sync_names.c) --- */

/*
 * The group name of a directory group: the mapping table entry for name
 * if any ("Domain Ops=ops;..."), else name itself when it is a valid
 * group id stem, else name with each run of other characters replaced by
 * '-' (leading and trailing '-' dropped).  Returns false when nothing
 * usable is left.  *mapped_r tells whether the name was changed.
 */
bool sync_group_name(const char *name, size_t len, const char *map,
    struct buf *out, bool *mapped_r);

/* The first RDN value of a DN ("cn=a\,b,ou=x" -> "a,b"); false if none. */
bool sync_dn_first_value(const char *dn, struct buf *out);

/* --- applying (sync_apply.c) --- */

struct sync_opts {
	const char *realm;
	bool users, groups;		/* scope */
	bool enable_new;
	bool rv_acl, rv_entry, rv_properties;
	const char *rv_text;		/* as printed: "acl;entry" or "none" */
	bool dry_run;
	bool override_guard;
	unsigned max_remove_pct;	/* share of users a sync may remove */
};

struct sync_stats {
	size_t users_added, users_changed, users_removed, users_unchanged;
	size_t groups_added, groups_changed, groups_removed;
	size_t acl_removed;
	/* removed users that had API tokens: their secrets should go too */
	struct str_list token_users;
};

/* Free what sync_apply left in st. */
void sync_stats_clear(struct sync_stats *st);

/*
 * Apply d to cfg.  Appends Proxmox's task log lines to log and the exact
 * changes to diff ("+ user x", "~ user x: email a -> b", "- acl ...").
 * Fails without changing cfg when the guard trips (ERR_INVALID, the
 * message says why and how to override); in a dry run the guard only
 * warns.
 */
int sync_apply(struct ucfg *cfg, const struct sync_data *d,
    const struct sync_opts *o, struct buf *log, struct buf *diff,
    struct sync_stats *st, struct err *err) RG_WARN_UNUSED;

/* Whether id belongs to realm (user "x@realm" / group "x-realm"). */
bool sync_in_realm(const char *id, char sep, const char *realm);

#endif
