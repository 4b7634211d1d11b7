/*
 * user.cfg model operations: lookups, creation and deletion of users,
 * tokens, groups, roles and pools, and the group-membership index.
 */
#include "ucfg.h"
#include "ids.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

const char *
ucfg_str(struct ucfg *cfg, const char *s)
{
	return s != NULL ? strpool_add(&cfg->pool, s) : NULL;
}

const char *
ucfg_strn(struct ucfg *cfg, const char *p, size_t len)
{
	return strpool_intern(&cfg->pool, p, len);
}

const char *
ucfg_text(struct ucfg *cfg, const char *p, size_t len)
{
	return strpool_copy(&cfg->pool, p, len);
}

static void
add_builtin_roles(struct ucfg *cfg)
{
	const struct builtin_role *b;
	size_t n, i;

	b = privs_builtin_roles(&n);
	for (i = 0; i < n; i++) {
		struct ucfg_role *r = ucfg_role(cfg, b[i].name);

		if (r == NULL)
			r = ucfg_role_add(cfg, b[i].name);
		r->privs = b[i].privs;
		r->special = true;
	}
}

struct ucfg *
ucfg_new(void)
{
	struct ucfg *cfg = xcalloc(1, sizeof(*cfg));
	struct ucfg_user *root;

	cfg->refs = 1;
	strpool_init(&cfg->pool);
	/* keyed by interned ids: see the lookups below */
	hmap_init_ptr(&cfg->users);
	hmap_init_ptr(&cfg->tokens);
	hmap_init_ptr(&cfg->groups);
	hmap_init_ptr(&cfg->roles);
	hmap_init_ptr(&cfg->pools);
	hmap_init_ptr(&cfg->member_of);
	cfg->acl_root = strpool_alloc(&cfg->pool, sizeof(*cfg->acl_root));
	cfg->acl_root->name = "";
	cfg->acl_root->path = "/";
	add_builtin_roles(cfg);
	root = ucfg_user_add(cfg, "root@pam");
	root->enable = true;
	ucfg_reindex(cfg);
	return cfg;
}

static void
acl_node_free(struct acl_node *n)
{
	size_t i;

	for (i = 0; i < n->child_count; i++)
		acl_node_free(n->children[i]);
	free(n->children);
	free(n->entries);
}

void
ucfg_free(struct ucfg *cfg)
{
	size_t it = 0;
	void *v;

	if (cfg == NULL)
		return;
	while (hmap_next(&cfg->users, &it, NULL, &v))
		hmap_clear(&((struct ucfg_user *)v)->tokens);
	it = 0;
	while (hmap_next(&cfg->groups, &it, NULL, &v))
		hmap_clear(&((struct ucfg_group *)v)->members);
	it = 0;
	while (hmap_next(&cfg->pools, &it, NULL, &v)) {
		hmap_clear(&((struct ucfg_pool *)v)->vms);
		hmap_clear(&((struct ucfg_pool *)v)->storage);
	}
	it = 0;
	while (hmap_next(&cfg->member_of, &it, NULL, &v))
		free(v);
	hmap_clear(&cfg->member_of);
	it = 0;
	while (hmap_next(&cfg->storage_pools, &it, NULL, &v))
		free(v);
	hmap_clear(&cfg->storage_pools);
	hmap_clear(&cfg->users);
	hmap_clear(&cfg->tokens);
	hmap_clear(&cfg->groups);
	hmap_clear(&cfg->roles);
	hmap_clear(&cfg->pools);
	hmap_clear(&cfg->vm_pool);
	hmap_clear(&cfg->acl_paths);
	acl_node_free(cfg->acl_root);
	strpool_clear(&cfg->pool);
	free(cfg);
}

/* The pool's copy of s, or NULL if no config string equals s. */
static const char *
interned(const struct ucfg *cfg, const char *s)
{
	return strpool_find(&cfg->pool, s);
}

struct ucfg *
ucfg_ref(struct ucfg *cfg)
{
	__atomic_add_fetch(&cfg->refs, 1, __ATOMIC_RELAXED);
	return cfg;
}

void
ucfg_unref(struct ucfg *cfg)
{
	if (cfg != NULL && __atomic_sub_fetch(&cfg->refs, 1,
	    __ATOMIC_ACQ_REL) == 0)
		ucfg_free(cfg);
}

struct ucfg_user *
ucfg_user(const struct ucfg *cfg, const char *userid)
{
	const char *k = interned(cfg, userid);

	return k != NULL ? hmap_get(&cfg->users, k) : NULL;
}

struct ucfg_group *
ucfg_group(const struct ucfg *cfg, const char *groupid)
{
	const char *k = interned(cfg, groupid);

	return k != NULL ? hmap_get(&cfg->groups, k) : NULL;
}

struct ucfg_role *
ucfg_role(const struct ucfg *cfg, const char *roleid)
{
	const char *k = interned(cfg, roleid);

	return k != NULL ? hmap_get(&cfg->roles, k) : NULL;
}

struct ucfg_pool *
ucfg_pool(const struct ucfg *cfg, const char *poolid)
{
	const char *k = interned(cfg, poolid);

	return k != NULL ? hmap_get(&cfg->pools, k) : NULL;
}

struct ucfg_user *
ucfg_user_i(const struct ucfg *cfg, const char *userid)
{
	return hmap_get(&cfg->users, userid);
}

struct ucfg_group *
ucfg_group_i(const struct ucfg *cfg, const char *groupid)
{
	return hmap_get(&cfg->groups, groupid);
}

struct ucfg_role *
ucfg_role_i(const struct ucfg *cfg, const char *roleid)
{
	return hmap_get(&cfg->roles, roleid);
}

struct ucfg_token *
ucfg_user_token(const struct ucfg *cfg, const struct ucfg_user *u,
    const char *name)
{
	const char *k = interned(cfg, name);

	return k != NULL ? hmap_get(&u->tokens, k) : NULL;
}

struct ucfg_token *
ucfg_token(const struct ucfg *cfg, const char *tokenid)
{
	const char *k = interned(cfg, tokenid);

	return k != NULL ? hmap_get(&cfg->tokens, k) : NULL;
}

struct ucfg_token *
ucfg_token_i(const struct ucfg *cfg, const char *tokenid)
{
	return hmap_get(&cfg->tokens, tokenid);
}

struct ucfg_user *
ucfg_user_add(struct ucfg *cfg, const char *userid)
{
	struct ucfg_user *u = strpool_alloc(&cfg->pool, sizeof(*u));

	u->id = ucfg_str(cfg, userid);
	hmap_put(&cfg->users, u->id, u);
	return u;
}

struct ucfg_token *
ucfg_token_add(struct ucfg *cfg, struct ucfg_user *user, const char *name)
{
	struct ucfg_token *t = strpool_alloc(&cfg->pool, sizeof(*t));
	struct buf id = BUF_INIT;

	buf_puts(&id, user->id);
	buf_putc(&id, '!');
	buf_puts(&id, name);
	t->id = ucfg_str(cfg, buf_str(&id));
	t->name = ucfg_str(cfg, name);
	t->user = user;
	if (user->tokens.cap == 0)
		hmap_init_ptr(&user->tokens);
	hmap_put(&user->tokens, t->name, t);
	hmap_put(&cfg->tokens, t->id, t);
	buf_clear(&id);
	return t;
}

struct ucfg_group *
ucfg_group_add(struct ucfg *cfg, const char *groupid)
{
	struct ucfg_group *g = strpool_alloc(&cfg->pool, sizeof(*g));

	g->id = ucfg_str(cfg, groupid);
	hmap_put(&cfg->groups, g->id, g);
	return g;
}

struct ucfg_role *
ucfg_role_add(struct ucfg *cfg, const char *roleid)
{
	struct ucfg_role *r = strpool_alloc(&cfg->pool, sizeof(*r));

	r->id = ucfg_str(cfg, roleid);
	hmap_put(&cfg->roles, r->id, r);
	return r;
}

struct ucfg_pool *
ucfg_pool_add(struct ucfg *cfg, const char *poolid)
{
	struct ucfg_pool *p = ucfg_pool(cfg, poolid), *parent = NULL;
	const char *slash = strrchr(poolid, '/');

	if (p != NULL)
		return p;
	if (slash != NULL) {
		char *pid = xstrndup(poolid, (size_t)(slash - poolid));

		parent = ucfg_pool_add(cfg, pid);
		free(pid);
	}
	p = strpool_alloc(&cfg->pool, sizeof(*p));
	p->id = ucfg_str(cfg, poolid);
	p->parent = parent;
	hmap_put(&cfg->pools, p->id, p);
	return p;
}

void
ucfg_user_del(struct ucfg *cfg, const char *userid)
{
	const char *k = interned(cfg, userid);
	struct ucfg_user *u = k != NULL ? hmap_del(&cfg->users, k) : NULL;
	size_t it = 0;
	void *v;

	if (u == NULL)
		return;
	while (hmap_next(&u->tokens, &it, NULL, &v))
		hmap_del(&cfg->tokens, ((struct ucfg_token *)v)->id);
	hmap_clear(&u->tokens);
}

void
ucfg_token_del(struct ucfg *cfg, struct ucfg_user *user, const char *name)
{
	const char *k = interned(cfg, name);
	struct ucfg_token *t = k != NULL ? hmap_del(&user->tokens, k) : NULL;

	if (t != NULL)
		hmap_del(&cfg->tokens, t->id);
}

void
ucfg_group_del(struct ucfg *cfg, const char *groupid)
{
	const char *k = interned(cfg, groupid);
	struct ucfg_group *g = k != NULL ? hmap_del(&cfg->groups, k) : NULL;

	if (g != NULL) {
		hmap_clear(&g->members);
		cfg->index_valid = false;
	}
}

void
ucfg_role_del(struct ucfg *cfg, const char *roleid)
{
	const char *k = interned(cfg, roleid);

	if (k != NULL)
		hmap_del(&cfg->roles, k);
}

void
ucfg_pool_del(struct ucfg *cfg, const char *poolid)
{
	const char *id = interned(cfg, poolid);
	struct ucfg_pool *p = id != NULL ? hmap_del(&cfg->pools, id) : NULL;
	size_t it = 0;
	const char *k;

	if (p == NULL)
		return;
	while (hmap_next(&p->vms, &it, &k, NULL))
		if (hmap_get(&cfg->vm_pool, k) == p)
			hmap_del(&cfg->vm_pool, k);
	hmap_clear(&p->vms);
	hmap_clear(&p->storage);
	cfg->index_valid = false;
}

void
ucfg_pool_add_storage(struct ucfg *cfg, struct ucfg_pool *p,
    const char *storeid)
{
	hmap_set_add(&p->storage, ucfg_text(cfg, storeid, strlen(storeid)));
	cfg->index_valid = false;
}

void
ucfg_pool_del_storage(struct ucfg *cfg, struct ucfg_pool *p,
    const char *storeid)
{
	if (hmap_del(&p->storage, storeid) != NULL)
		cfg->index_valid = false;
}

/*
 * The derived indexes are rebuilt on first use after a change.  Only a
 * config being changed has a stale index, and that config belongs to the
 * one thread changing it (a shared snapshot is never changed, so its index
 * is always valid): rebuilding here races nobody.  It used to be an
 * assertion, which one pool update with two storages could trip.
 */
static const struct ucfg *
indexed(const struct ucfg *cfg)
{
	if (!cfg->index_valid)
		ucfg_reindex((struct ucfg *)(uintptr_t)cfg);
	return cfg;
}

struct ucfg_pool *const *
ucfg_storage_pools(const struct ucfg *cfg, const char *storeid)
{
	return hmap_get(&indexed(cfg)->storage_pools, storeid);
}

void
ucfg_group_add_member(struct ucfg *cfg, struct ucfg_group *g,
    const char *userid)
{
	const char *id = ucfg_str(cfg, userid);

	hmap_set_add(&g->members, id);
	cfg->index_valid = false;
}

void
ucfg_group_del_member(struct ucfg *cfg, struct ucfg_group *g,
    const char *userid)
{
	if (hmap_del(&g->members, userid) != NULL)
		cfg->index_valid = false;
}

void
ucfg_user_leave_groups(struct ucfg *cfg, const char *userid)
{
	size_t it = 0;
	void *v;

	while (hmap_next(&cfg->groups, &it, NULL, &v))
		ucfg_group_del_member(cfg, v, userid);
}

bool
ucfg_pool_add_vm(struct ucfg *cfg, struct ucfg_pool *p, const char *vmid)
{
	/* both maps are keyed by the string: hash it once */
	size_t len = strlen(vmid);
	unsigned h = hmap_hash(vmid, len);
	struct ucfg_pool *owner = hmap_getn_h(&cfg->vm_pool, vmid, len, h);
	const char *id;

	if (owner != NULL && owner != p)
		return false;
	id = ucfg_text(cfg, vmid, len);
	hmap_set_addn_h(&p->vms, id, len, h);
	hmap_putn_h(&cfg->vm_pool, id, len, h, p);
	return true;
}

void
ucfg_pool_del_vm(struct ucfg *cfg, struct ucfg_pool *p, const char *vmid)
{
	hmap_del(&p->vms, vmid);
	if (hmap_get(&cfg->vm_pool, vmid) == p)
		hmap_del(&cfg->vm_pool, vmid);
}

struct ucfg_group *const *
ucfg_member_of(const struct ucfg *cfg, const char *userid)
{
	const char *k = interned(cfg, userid);

	return k != NULL ? hmap_get(&indexed(cfg)->member_of, k) : NULL;
}

struct ucfg_group *const *
ucfg_member_of_i(const struct ucfg *cfg, const char *userid)
{
	return hmap_get(&indexed(cfg)->member_of, userid);
}

/* Slots for a list of n items and its NULL: powers of two from 4. */
static size_t
list_cap(size_t n)
{
	size_t cap = 4;

	while (cap < n + 1)
		cap *= 2;
	return cap;
}

/* Append item to the NULL-terminated array stored under key in m. */
static void
list_append(struct hmap *m, const char *key, void *item)
{
	void **list = hmap_get(m, key), **grown;
	size_t count = 0;

	while (list != NULL && list[count] != NULL)
		count++;
	if (list == NULL || list_cap(count + 1) > list_cap(count)) {
		grown = xreallocarray(list, list_cap(count + 1), sizeof(*list));
		if (grown != list)
			hmap_put(m, key, grown);
		list = grown;
	}
	list[count] = item;
	list[count + 1] = NULL;
}

static void
clear_lists(struct hmap *m)
{
	size_t it = 0;
	void *v;

	while (hmap_next(m, &it, NULL, &v))
		free(v);
	hmap_clear(m);
}

void
ucfg_reindex(struct ucfg *cfg)
{
	size_t n, i;
	void **sorted;

	clear_lists(&cfg->member_of);
	clear_lists(&cfg->storage_pools);

	/* sorted, so that every list comes out in id order */
	sorted = hmap_sorted_values(&cfg->groups, &n);
	for (i = 0; i < n; i++) {
		struct ucfg_group *g = sorted[i];
		const char *member;
		size_t mit = 0;

		while (hmap_next(&g->members, &mit, &member, NULL))
			list_append(&cfg->member_of, member, g);
	}
	free(sorted);
	sorted = hmap_sorted_values(&cfg->pools, &n);
	for (i = 0; i < n; i++) {
		struct ucfg_pool *p = sorted[i];
		const char *store;
		size_t sit = 0;

		while (hmap_next(&p->storage, &sit, &store, NULL))
			list_append(&cfg->storage_pools, store, p);
	}
	free(sorted);
	cfg->index_valid = true;
}
