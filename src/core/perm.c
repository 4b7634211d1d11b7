/*
 * Permission evaluation.  The walk follows spec 3.2 exactly: at each node
 * from the root to the path, token entries, then user entries, then the
 * union of the subject's groups; the first source that yields a role (all
 * roles on the final node, only propagating ones above it) replaces what
 * was accumulated.  Pool roles and the token intersection are layered on
 * top in perm_compute (spec 3.3).
 */
#include "perm.h"
#include "ids.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

void
perm_roles_init(struct perm_roles *r)
{
	memset(r, 0, sizeof(*r));
}

void
perm_roles_clear(struct perm_roles *r)
{
	if (r->pool != NULL) {
		perm_roles_clear(r->pool);
		free(r->pool);
	}
	if (r->one != NULL) {
		perm_roles_clear(r->one);
		free(r->one);
	}
	free(r->grants);
	free(r->tmp);
	perm_roles_init(r);
}

static struct perm_roles *
aux(struct perm_roles **slot)
{
	if (*slot == NULL) {
		*slot = xmalloc(sizeof(**slot));
		perm_roles_init(*slot);
	}
	return *slot;
}

/* The subject of a query, resolved once: interned id and its groups. */
struct subject {
	const char *id;		/* NULL: never named in the config */
	bool is_token;
	struct ucfg_group *const *groups;
};

static void
subject_init(const struct ucfg *cfg, const char *authid, bool is_token,
    struct subject *s)
{
	s->id = strpool_find(&cfg->pool, authid);
	s->is_token = is_token;
	s->groups = !is_token && s->id != NULL ?
	    ucfg_member_of_i(cfg, s->id) : NULL;
}

/* Append entries of one subject to tmp, deduplicating roles. */
static void
gather(struct perm_roles *r, const struct acl_node *n, enum acl_kind kind,
    const char *subject, bool final)
{
	const struct acl_entry *e;
	size_t count = acl_node_entries(n, kind, subject, &e), i, j;

	for (i = 0; i < count; i++) {
		if (!e[i].propagate && !final)
			continue;
		for (j = 0; j < r->tmp_count; j++)
			if (r->tmp[j].role == e[i].role)
				break;
		if (j < r->tmp_count) {
			r->tmp[j].propagate |= e[i].propagate;
			continue;
		}
		XGROW(r->tmp, r->tmp_cap, r->tmp_count + 1);
		r->tmp[r->tmp_count++] = (struct perm_grant){
			.role = e[i].role,
			.propagate = e[i].propagate,
			.node = n,
			.kind = kind,
			.subject = e[i].subject,
		};
	}
}

/* If tmp holds anything, it replaces the accumulated set. */
static bool
take(struct perm_roles *r)
{
	struct perm_grant *g;
	size_t c;

	if (r->tmp_count == 0)
		return false;
	g = r->grants;
	c = r->cap;
	r->grants = r->tmp;
	r->cap = r->tmp_cap;
	r->count = r->tmp_count;
	r->tmp = g;
	r->tmp_cap = c;
	r->tmp_count = 0;
	return true;
}

static void
visit(struct perm_roles *r, const struct acl_node *n, bool is_token,
    const char *subject, struct ucfg_group *const *groups, bool final)
{
	r->tmp_count = 0;
	if (n->entry_count == 0)
		return;
	gather(r, n, is_token ? ACL_TOKEN : ACL_USER, subject, final);
	if (take(r))
		return;
	for (; groups != NULL && *groups != NULL; groups++)
		gather(r, n, ACL_GROUP, (*groups)->id, final);
	take(r);
}

static void
only_noaccess(const struct ucfg *cfg, struct perm_roles *r)
{
	const char *noaccess = strpool_find(&cfg->pool, "NoAccess");
	size_t i;

	for (i = 0; noaccess != NULL && i < r->count; i++) {
		if (r->grants[i].role == noaccess) {
			r->grants[0] = r->grants[i];
			r->count = 1;
			return;
		}
	}
}

/* roles() for a user or privsep-token subject (no root or token checks). */
static void
walk_roles(const struct ucfg *cfg, const struct subject *subj,
    const char *path, struct perm_roles *out)
{
	const struct acl_node *n = cfg->acl_root;
	const char *p = path;

	out->count = 0;
	if (subj->id == NULL)
		return;
	for (;;) {
		size_t len;
		const struct acl_node *next;

		while (*p == '/')
			p++;
		len = strcspn(p, "/");
		/* is this the last component? */
		if (len == 0) {
			visit(out, n, subj->is_token, subj->id, subj->groups,
			    true);
			break;
		}
		visit(out, n, subj->is_token, subj->id, subj->groups, false);
		next = acl_node_child(n, p, len);
		if (next == NULL)
			break;
		n = next;
		p += len;
		while (*p == '/')
			p++;
		if (*p == '\0') {
			visit(out, n, subj->is_token, subj->id, subj->groups,
			    true);
			break;
		}
	}
	only_noaccess(cfg, out);
}

static void
root_grant(struct perm_roles *out)
{
	out->count = 0;
	XGROW(out->grants, out->cap, 1);
	out->grants[0] = (struct perm_grant){.role = "Administrator",
	    .propagate = true};
	out->count = 1;
}

void
perm_roles(const struct ucfg *cfg, const char *authid, const char *path,
    struct perm_roles *out)
{
	size_t len = strlen(authid);
	const struct ucfg_token *t;
	struct subject subj;

	out->count = 0;
	if (strcmp(authid, "root@pam") == 0) {
		root_grant(out);
		return;
	}
	if (id_user_valid(authid, len, NULL)) {
		subject_init(cfg, authid, false, &subj);
		walk_roles(cfg, &subj, path, out);
		return;
	}
	t = ucfg_token(cfg, authid);
	if (t == NULL)
		return;
	if (!t->privsep) {
		perm_roles(cfg, t->user->id, path, out);
	} else {
		subject_init(cfg, authid, true, &subj);
		walk_roles(cfg, &subj, path, out);
	}
}

void
perm_privs_of(const struct ucfg *cfg, const struct perm_roles *r,
    struct perm_set *out)
{
	size_t i;

	out->privs = out->prop = 0;
	for (i = 0; i < r->count; i++) {
		const struct ucfg_role *role = ucfg_role_i(cfg, r->grants[i].role);

		if (role == NULL)
			continue;
		out->privs |= role->privs;
		if (r->grants[i].propagate)
			out->prop |= role->privs;
	}
}

/* Is path "<prefix><id>" with a non-empty id and no further '/'? */
static bool
is_member_path(const char *path, const char *prefix)
{
	size_t plen = strlen(prefix), len = strlen(path);

	return len > plen && memcmp(path, prefix, plen) == 0 &&
	    memchr(path + plen, '/', len - plen) == NULL;
}

/* roles() of the subject on /pool/<pool id>, into out. */
static void
walk_pool(const struct ucfg *cfg, const struct subject *subj,
    const struct ucfg_pool *p, struct perm_roles *out)
{
	char small[256], *path = small;
	size_t len = strlen(p->id);
	size_t i;

	if (len + 7 > sizeof(small))
		path = xmalloc(len + 7);
	memcpy(path, "/pool/", 6);
	memcpy(path + 6, p->id, len + 1);
	walk_roles(cfg, subj, path, out);
	for (i = 0; i < out->count; i++)
		out->grants[i].pool = p;
	if (path != small)
		free(path);
}

/*
 * The pool roles of a /vms/<id> or /storage/<id> path, into pr: the roles
 * the subject has on each pool that directly holds that member.
 */
static void
pool_roles(const struct ucfg *cfg, const struct subject *subj,
    const char *path, struct perm_roles *pr, struct perm_roles *one)
{
	struct ucfg_pool *const *pools;
	size_t i, j;

	pr->count = 0;
	if (is_member_path(path, "/vms/")) {
		struct ucfg_pool *p = hmap_get(&cfg->vm_pool, path + 5);

		if (p != NULL)
			walk_pool(cfg, subj, p, pr);
		return;
	}
	if (!is_member_path(path, "/storage/"))
		return;
	pools = ucfg_storage_pools(cfg, path + 9);
	for (; pools != NULL && *pools != NULL; pools++) {
		walk_pool(cfg, subj, *pools, one);
		for (i = 0; i < one->count; i++) {
			for (j = 0; j < pr->count; j++)
				if (pr->grants[j].role == one->grants[i].role)
					break;
			if (j < pr->count)
				continue;
			XGROW(pr->grants, pr->cap, pr->count + 1);
			pr->grants[pr->count++] = one->grants[i];
		}
	}
}

static bool
has_role(const struct perm_roles *r, const char *role)
{
	size_t i;

	for (i = 0; i < r->count; i++)
		if (strcmp(r->grants[i].role, role) == 0)
			return true;
	return false;
}

static void
merge_pool_roles(struct perm_roles *r, const struct perm_roles *pr)
{
	size_t i;

	if (pr->count == 0 || has_role(r, "NoAccess"))
		return;
	if (has_role(pr, "NoAccess")) {
		for (i = 0; i < pr->count; i++)
			if (strcmp(pr->grants[i].role, "NoAccess") == 0)
				break;
		r->count = 0;
		XGROW(r->grants, r->cap, 1);
		r->grants[r->count++] = pr->grants[i];
		return;
	}
	for (i = 0; i < pr->count; i++) {
		if (has_role(r, pr->grants[i].role))
			continue;
		XGROW(r->grants, r->cap, r->count + 1);
		r->grants[r->count] = pr->grants[i];
		r->grants[r->count++].propagate = false;
	}
}

static void
compute(const struct ucfg *cfg, const char *authid, bool is_token,
    const char *path, struct perm_set *out, struct perm_roles *r)
{
	struct perm_roles *pr = aux(&r->pool);
	struct subject subj;

	subject_init(cfg, authid, is_token, &subj);
	walk_roles(cfg, &subj, path, r);
	pool_roles(cfg, &subj, path, pr, aux(&r->one));
	merge_pool_roles(r, pr);
	perm_privs_of(cfg, r, out);
}

void
perm_compute(const struct ucfg *cfg, const char *authid, const char *path,
    struct perm_set *out, struct perm_roles *why)
{
	struct perm_roles local;
	struct perm_roles *r = why;
	const struct ucfg_token *t;
	struct perm_set owner;

	out->privs = out->prop = 0;
	if (r == NULL) {
		perm_roles_init(&local);
		r = &local;
	}
	r->count = 0;
	if (path == NULL)
		goto out;
	if (strcmp(authid, "root@pam") == 0) {
		root_grant(r);
		out->privs = out->prop = PRIV_ALL;
		goto out;
	}
	if (id_user_valid(authid, strlen(authid), NULL)) {
		compute(cfg, authid, false, path, out, r);
		goto out;
	}
	t = ucfg_token(cfg, authid);
	if (t == NULL)
		goto out;
	perm_compute(cfg, t->user->id, path, &owner, r);
	if (!t->privsep) {
		*out = owner;
		goto out;
	}
	compute(cfg, authid, true, path, out, r);
	if (strcmp(t->user->id, "root@pam") != 0) {
		out->privs &= owner.privs;
		out->prop &= owner.prop & out->privs;
	}
out:
	if (r == &local)
		perm_roles_clear(&local);
}
