/*
 * The permission engine (spec 3.2 and 3.3): the effective roles of a
 * subject on a path, and the privileges they grant, including pool roles,
 * NoAccess, API tokens with and without privilege separation, and the
 * root@pam bypass.  Every grant remembers the ACL entry it came from, so
 * `permissions --why` can name the entry, group and role behind each
 * privilege.  Functions here never fail: anything malformed grants nothing.
 */
#ifndef RG_PERM_H
#define RG_PERM_H

#include "privs.h"
#include "ucfg.h"

#include <stdbool.h>

/* One role in an effective role set and where it came from. */
struct perm_grant {
	const char *role;
	bool propagate;
	const struct acl_node *node;	/* NULL: the root@pam bypass */
	enum acl_kind kind;		/* the kind of the matching entry */
	const char *subject;		/* its user, token or group id */
	const struct ucfg_pool *pool;	/* non-NULL: came through this pool */
};

struct perm_roles {
	struct perm_grant *grants;
	size_t count, cap;
	/* scratch space reused between calls */
	struct perm_grant *tmp;
	size_t tmp_count, tmp_cap;
	struct perm_roles *pool;	/* pool roles of the last query */
	struct perm_roles *one;		/* one pool's roles while collecting */
};

struct perm_set {
	privset_t privs;	/* granted privileges */
	privset_t prop;		/* those granted with the propagate flag */
};

void perm_roles_init(struct perm_roles *r);
void perm_roles_clear(struct perm_roles *r);

/*
 * roles(subject, path): the effective role set, without pools and without
 * the token intersection.  authid is a user id or a full token id.
 */
void perm_roles(const struct ucfg *cfg, const char *authid, const char *path,
    struct perm_roles *out);

/*
 * permissions(subject, path).  If why is not NULL it receives the grants
 * that make up the final role set (for a privilege-separated token: the
 * token's own; the owner's set only limits it).
 */
void perm_compute(const struct ucfg *cfg, const char *authid,
    const char *path, struct perm_set *out, struct perm_roles *why);

/* Privileges of a role set (unknown role names give nothing). */
void perm_privs_of(const struct ucfg *cfg, const struct perm_roles *r,
    struct perm_set *out);

#endif
