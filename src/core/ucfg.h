/*
 * The in-memory user.cfg: users with their API tokens, groups, pools,
 * roles and the ACL tree (spec 1.3 and 3.1).  All strings live in the
 * config's string pool, so subjects can be compared by pointer and the
 * whole config is freed at once.  Parsing and writing are in ucfg_parse.c
 * and ucfg_write.c; the permission engine in perm.c reads this model.
 */
#ifndef RG_UCFG_H
#define RG_UCFG_H

#include "buf.h"
#include "compiler.h"
#include "diag.h"
#include "err.h"
#include "hmap.h"
#include "privs.h"
#include "strpool.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ucfg_token {
	const char *id;		/* full id user@realm!name */
	const char *name;	/* the part after '!' */
	struct ucfg_user *user;
	long long expire;	/* 0: never */
	bool privsep;
	const char *comment;	/* NULL if absent */
};

struct ucfg_user {
	const char *id;
	bool enable;
	long long expire;
	const char *firstname, *lastname, *email, *comment, *keys;
	struct hmap tokens;	/* token name -> struct ucfg_token */
};

struct ucfg_group {
	const char *id;
	const char *comment;
	struct hmap members;	/* set of interned user ids (hmap_set_add) */
};

struct ucfg_role {
	const char *id;
	privset_t privs;
	bool special;		/* built-in: never written, never modified */
};

struct ucfg_pool {
	const char *id;
	const char *comment;
	struct hmap vms;	/* vmid string -> itself */
	struct hmap storage;	/* storage id -> itself */
	struct ucfg_pool *parent;
};

enum acl_kind {
	ACL_TOKEN = 0,	/* order matters: tokens, then users, then groups */
	ACL_USER = 1,
	ACL_GROUP = 2,
};

struct acl_entry {
	const char *subject;	/* interned: user id, token id or group id */
	const char *role;	/* interned role id */
	uint8_t kind;		/* enum acl_kind */
	uint8_t propagate;
};

struct acl_node {
	const char *name;	/* path component; "" for the root */
	const char *path;	/* full normalised path, interned */
	struct acl_node *parent;
	struct acl_node **children;	/* sorted by name */
	size_t child_count, child_cap;
	struct acl_entry *entries;	/* sorted by kind, subject, role */
	size_t entry_count, entry_cap;
};

struct ucfg {
	struct strpool pool;
	struct hmap users;	/* user id -> struct ucfg_user */
	struct hmap tokens;	/* full token id -> struct ucfg_token */
	struct hmap groups;
	struct hmap roles;
	struct hmap pools;
	struct hmap vm_pool;	/* vmid -> struct ucfg_pool (exclusive) */
	struct acl_node *acl_root;
	struct hmap acl_paths;	/* normalised path -> struct acl_node */
	bool acl_bulk;		/* parsing: append children, sort at the end */
	/* derived (ucfg_reindex): user id -> NULL-terminated array of groups */
	struct hmap member_of;
	unsigned refs;		/* ucfg_ref/ucfg_unref; ucfg_new gives 1 */
	/* derived: storage id -> NULL-terminated array of pools holding it */
	struct hmap storage_pools;
	bool index_valid;
};

/* A config holding only the defaults: built-in roles and root@pam. */
struct ucfg *ucfg_new(void);
void ucfg_free(struct ucfg *cfg);
/*
 * Shared snapshots (the daemon): take and drop references; the last
 * unref frees.  Safe from several threads at once.
 */
struct ucfg *ucfg_ref(struct ucfg *cfg);
void ucfg_unref(struct ucfg *cfg);

/*
 * Parse user.cfg text.  Never fails on content: invalid lines are skipped
 * with warnings in diag, exactly as Proxmox's parser does.  file names the
 * source in the warnings.
 */
struct ucfg *ucfg_parse(const char *text, size_t len, const char *file,
    struct diag *diag);

/*
 * The same, skipping some kinds of lines, for callers that never look at
 * them (user and group listings).  The result must not be written back.
 */
#define UCFG_SKIP_ACL	 (1u << 0)
#define UCFG_SKIP_GROUPS (1u << 1)
struct ucfg *ucfg_parse_partial(const char *text, size_t len,
    const char *file, struct diag *diag, unsigned skip);

/* Write the canonical user.cfg text (byte-identical to Proxmox's writer). */
void ucfg_write(const struct ucfg *cfg, struct buf *out);

/* Interning helpers (ids); ucfg_text copies free text without interning. */
const char *ucfg_str(struct ucfg *cfg, const char *s);
const char *ucfg_strn(struct ucfg *cfg, const char *p, size_t len);
const char *ucfg_text(struct ucfg *cfg, const char *p, size_t len);

/* Lookups; NULL when absent. */
struct ucfg_user *ucfg_user(const struct ucfg *cfg, const char *userid);
struct ucfg_group *ucfg_group(const struct ucfg *cfg, const char *groupid);
struct ucfg_role *ucfg_role(const struct ucfg *cfg, const char *roleid);
struct ucfg_pool *ucfg_pool(const struct ucfg *cfg, const char *poolid);
/* A token by full id; NULL if the id is malformed or unknown. */
struct ucfg_token *ucfg_token(const struct ucfg *cfg, const char *tokenid);
/* A token of a user by its name (the part after '!'). */
struct ucfg_token *ucfg_user_token(const struct ucfg *cfg,
    const struct ucfg_user *u, const char *name);
/*
 * Lookups by a string already interned in cfg's pool (ucfg_str): no
 * hashing of the bytes, for the parser and the permission walk.
 */
struct ucfg_user *ucfg_user_i(const struct ucfg *cfg, const char *userid);
struct ucfg_group *ucfg_group_i(const struct ucfg *cfg, const char *groupid);
struct ucfg_role *ucfg_role_i(const struct ucfg *cfg, const char *roleid);
struct ucfg_token *ucfg_token_i(const struct ucfg *cfg, const char *tokenid);

/* Creation (the object must not exist yet). */
struct ucfg_user *ucfg_user_add(struct ucfg *cfg, const char *userid);
struct ucfg_token *ucfg_token_add(struct ucfg *cfg, struct ucfg_user *user,
    const char *name);
struct ucfg_group *ucfg_group_add(struct ucfg *cfg, const char *groupid);
struct ucfg_role *ucfg_role_add(struct ucfg *cfg, const char *roleid);
/* Creates missing ancestors too, linking parents. */
struct ucfg_pool *ucfg_pool_add(struct ucfg *cfg, const char *poolid);

void ucfg_user_del(struct ucfg *cfg, const char *userid);
void ucfg_token_del(struct ucfg *cfg, struct ucfg_user *user,
    const char *name);
void ucfg_group_del(struct ucfg *cfg, const char *groupid);
void ucfg_role_del(struct ucfg *cfg, const char *roleid);
void ucfg_pool_del(struct ucfg *cfg, const char *poolid);

void ucfg_group_add_member(struct ucfg *cfg, struct ucfg_group *g,
    const char *userid);
void ucfg_group_del_member(struct ucfg *cfg, struct ucfg_group *g,
    const char *userid);
/* Remove the user from every group. */
void ucfg_user_leave_groups(struct ucfg *cfg, const char *userid);

/* Add or remove a storage of a pool. */
void ucfg_pool_add_storage(struct ucfg *cfg, struct ucfg_pool *p,
    const char *storeid);
void ucfg_pool_del_storage(struct ucfg *cfg, struct ucfg_pool *p,
    const char *storeid);
/* The pools that hold a storage (NULL-terminated), or NULL. */
struct ucfg_pool *const *ucfg_storage_pools(const struct ucfg *cfg,
    const char *storeid);

/* Add a VM to a pool (and the vmid map); false if it is in another pool. */
bool ucfg_pool_add_vm(struct ucfg *cfg, struct ucfg_pool *p, const char *vmid);
void ucfg_pool_del_vm(struct ucfg *cfg, struct ucfg_pool *p, const char *vmid);

/* ACL tree. path must be normalised. */
struct acl_node *ucfg_acl_find(const struct ucfg *cfg, const char *path);
struct acl_node *ucfg_acl_node(struct ucfg *cfg, const char *path);
struct acl_node *acl_node_child(const struct acl_node *n, const char *name,
    size_t len);
void ucfg_acl_set(struct ucfg *cfg, struct acl_node *n, enum acl_kind kind,
    const char *subject, const char *role, bool propagate);
/* The same with subject and role already interned in cfg's pool. */
void ucfg_acl_set_interned(struct acl_node *n, enum acl_kind kind,
    const char *subject, const char *role, bool propagate);
/* Sort every node's children by name (after a bulk load). */
void ucfg_acl_sort(struct ucfg *cfg);
void ucfg_acl_unset(struct ucfg *cfg, struct acl_node *n, enum acl_kind kind,
    const char *subject, const char *role);
/* Remove every entry of a subject in the whole tree (or below a node). */
void ucfg_acl_purge_subject(struct ucfg *cfg, struct acl_node *from,
    enum acl_kind kind, const char *subject);

/* Remove every entry naming a role, in the whole tree. */
void ucfg_acl_purge_role(struct ucfg *cfg, const char *role);

/*
 * Entries of one subject at a node: [*first, *first + return) of
 * n->entries.  subject must be interned (pointer compare).
 */
size_t acl_node_entries(const struct acl_node *n, enum acl_kind kind,
    const char *subject, const struct acl_entry **first_r);

/*
 * Groups a user is a member of (from the group records), as a
 * NULL-terminated array, or NULL for none.  From an index: parsing builds
 * it, changes to groups or pool storages drop it, and the next lookup (or
 * ucfg_reindex) rebuilds it.  Only the thread changing a config may look
 * it up while it is stale; a shared snapshot is never changed.
 */
struct ucfg_group *const *ucfg_member_of(const struct ucfg *cfg,
    const char *userid);
struct ucfg_group *const *ucfg_member_of_i(const struct ucfg *cfg,
    const char *userid);	/* userid interned */
void ucfg_reindex(struct ucfg *cfg);

#endif
