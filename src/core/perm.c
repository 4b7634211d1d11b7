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
	free(r->grants);
	free(r->tmp);
	perm_roles_init(r);
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
walk_roles(const struct ucfg *cfg, bool is_token, const char *authid,
    const char *path, struct perm_roles *out)
{
	const char *subject = strpool_find(&cfg->pool, authid);
	struct ucfg_group *const *groups = NULL;
	const struct acl_node *n = cfg->acl_root;
	const char *p = path;

	out->count = 0;
	if (!is_token && subject != NULL)
		groups = ucfg_member_of(cfg, subject);
	if (subject == NULL && groups == NULL)
		return;
	for (;;) {
		size_t len;
		const struct acl_node *next;

		while (*p == '/')
			p++;
		len = strcspn(p, "/");
		/* is this the last component? */
		if (len == 0) {
			visit(out, n, is_token, subject, groups, true);
			break;
		}
		visit(out, n, is_token, subject, groups, false);
		next = acl_node_child(n, p, len);
		if (next == NULL)
			break;
		n = next;
		p += len;
		while (*p == '/')
			p++;
		if (*p == '\0') {
			visit(out, n, is_token, subject, groups, true);
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

	out->count = 0;
	if (strcmp(authid, "root@pam") == 0) {
		root_grant(out);
		return;
	}
	if (id_user_valid(authid, len, NULL)) {
		walk_roles(cfg, false, authid, path, out);
		return;
	}
	t = ucfg_token(cfg, authid);
	if (t == NULL)
		return;
	if (!t->privsep)
		perm_roles(cfg, t->user->id, path, out);
	else
		walk_roles(cfg, true, authid, path, out);
}

void
perm_privs_of(const struct ucfg *cfg, const struct perm_roles *r,
    struct perm_set *out)
{
	size_t i;

	out->privs = out->prop = 0;
	for (i = 0; i < r->count; i++) {
		const struct ucfg_role *role = ucfg_role(cfg, r->grants[i].role);

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

/* The pool roles of a /vms/<id> or /storage/<id> path, into pr. */
static void
pool_roles(const struct ucfg *cfg, const char *authid, bool is_token,
    const char *path, struct perm_roles *pr)
{
	struct perm_roles one;
	struct buf pp = BUF_INIT;
	const char *id;
	size_t it = 0, i, j;
	void *v;

	pr->count = 0;
	if (is_member_path(path, "/vms/")) {
		struct ucfg_pool *p = hmap_get(&cfg->vm_pool, path + 5);

		if (p == NULL)
			return;
		buf_putf(&pp, "/pool/%s", p->id);
		walk_roles(cfg, is_token, authid, buf_str(&pp), pr);
		for (i = 0; i < pr->count; i++)
			pr->grants[i].pool = p;
		buf_clear(&pp);
		return;
	}
	if (!is_member_path(path, "/storage/"))
		return;
	id = path + 9;
	perm_roles_init(&one);
	while (hmap_next(&cfg->pools, &it, NULL, &v)) {
		struct ucfg_pool *p = v;

		if (hmap_get(&p->storage, id) == NULL)
			continue;
		buf_reset(&pp);
		buf_putf(&pp, "/pool/%s", p->id);
		walk_roles(cfg, is_token, authid, buf_str(&pp), &one);
		for (i = 0; i < one.count; i++) {
			for (j = 0; j < pr->count; j++)
				if (pr->grants[j].role == one.grants[i].role)
					break;
			if (j < pr->count)
				continue;
			XGROW(pr->grants, pr->cap, pr->count + 1);
			pr->grants[pr->count] = one.grants[i];
			pr->grants[pr->count++].pool = p;
		}
	}
	perm_roles_clear(&one);
	buf_clear(&pp);
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
	struct perm_roles pr;

	walk_roles(cfg, is_token, authid, path, r);
	perm_roles_init(&pr);
	pool_roles(cfg, authid, is_token, path, &pr);
	merge_pool_roles(r, &pr);
	perm_roles_clear(&pr);
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
