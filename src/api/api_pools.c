/*
 * /pools (Proxmox's pve-manager pool API, spec 8.7): list, create, update
 * and delete resource pools.  There is no cluster here, so every VM id in
 * a pool counts as an existing guest: a pool must be emptied before it can
 * be deleted, and members are listed by id.
 */
#include "api_check.h"
#include "api_int.h"
#include "ids.h"
#include "str.h"
#include "xalloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static json_t *
sorted_keys(const struct hmap *set)
{
	const char **keys = xcalloc(set->count + 1, sizeof(*keys));
	size_t it = 0, n = 0, i;
	const char *k;
	json_t *a = json_array();

	while (hmap_next(set, &it, &k, NULL))
		keys[n++] = k;
	qsort(keys, n, sizeof(*keys), str_cmp_ptr);
	for (i = 0; i < n; i++)
		json_array_append_new(a, json_string(keys[i]));
	free(keys);
	return a;
}

static json_t *
pool_members(const struct ucfg_pool *p, const char *type)
{
	json_t *members = json_array(), *ids, *v;
	size_t i;

	if (type == NULL || strcmp(type, "storage") != 0) {
		ids = sorted_keys(&p->vms);
		json_array_foreach(ids, i, v) {
			json_t *o = json_object();
			char id[64];

			snprintf(id, sizeof(id), "vm/%s", json_string_value(v));
			json_object_set_new(o, "id", json_string(id));
			json_object_set_new(o, "type", json_string("vm"));
			json_object_set_new(o, "vmid", json_integer(
			    strtoll(json_string_value(v), NULL, 10)));
			json_array_append_new(members, o);
		}
		json_decref(ids);
	}
	if (type == NULL || strcmp(type, "storage") == 0) {
		ids = sorted_keys(&p->storage);
		json_array_foreach(ids, i, v) {
			json_t *o = json_object();
			struct buf id = BUF_INIT;

			buf_putf(&id, "storage/%s", json_string_value(v));
			json_object_set_new(o, "id", json_string(buf_str(&id)));
			json_object_set_new(o, "type", json_string("storage"));
			json_object_set(o, "storage", v);
			json_array_append_new(members, o);
			buf_clear(&id);
		}
		json_decref(ids);
	}
	return members;
}

static bool
may_audit(const struct api_call *c, const struct ucfg *cfg,
    const struct ucfg_pool *p)
{
	static const char *const privs[] = {"Pool.Audit", NULL};
	struct buf path = BUF_INIT;
	struct err err;
	bool ok;

	if (c->env->authid == NULL || strcmp(c->env->authid, "root@pam") == 0)
		return true;
	buf_putf(&path, "/pool/%s", p->id);
	ok = api_check_privs(cfg, c->env->authid, buf_str(&path), privs, false,
	    &err) == 0;
	buf_clear(&path);
	return ok;
}

static int
pools_index(struct api_call *c, json_t **result_r, struct err *err)
{
	const char *only = param_str(c, "poolid");
	struct ucfg *cfg;
	void **pools;
	size_t n, i;
	json_t *list;

	if (store_read_user(c->env, &cfg, err) < 0)
		return -1;
	if (only != NULL && ucfg_pool(cfg, only) == NULL) {
		store_release_user(cfg);
		return err_set(err, ERR_NOT_FOUND, "pool '%s' does not exist",
		    only);
	}
	list = json_array();
	pools = hmap_sorted_values(&cfg->pools, &n);
	for (i = 0; i < n; i++) {
		const struct ucfg_pool *p = pools[i];
		json_t *o;

		if (only != NULL && strcmp(only, p->id) != 0)
			continue;
		/* listed: pools the caller may audit (the poolid form of */
		/* Proxmox does not check; neither do we, see spec 12.26) */
		if (only == NULL && !may_audit(c, cfg, p))
			continue;
		o = json_object();
		json_object_set_new(o, "poolid", json_string(p->id));
		json_set_str(o, "comment", p->comment);
		if (only != NULL)
			json_object_set_new(o, "members",
			    pool_members(p, param_str(c, "type")));
		json_array_append_new(list, o);
	}
	free(pools);
	store_release_user(cfg);
	*result_r = list;
	return 0;
}

/* GET /pools/{poolid} (deprecated form): one pool, as an object. */
static int
pool_read(struct api_call *c, json_t **result_r, struct err *err)
{
	const char *id = param_str(c, "poolid");
	struct ucfg *cfg;
	const struct ucfg_pool *p;

	if (store_read_user(c->env, &cfg, err) < 0)
		return -1;
	p = ucfg_pool(cfg, id);
	if (p == NULL) {
		store_release_user(cfg);
		return err_set(err, ERR_NOT_FOUND, "pool '%s' does not exist",
		    id);
	}
	*result_r = json_object();
	json_set_str(*result_r, "comment", p->comment);
	json_object_set_new(*result_r, "members",
	    pool_members(p, param_str(c, "type")));
	store_release_user(cfg);
	return 0;
}

static int
pools_create(struct api_call *c, json_t **result_r, struct err *err)
{
	const char *id = param_str(c, "poolid"), *comment, *slash, *lvl;
	struct store_tx tx;
	struct ucfg_pool *p;
	int rc = -1;

	*result_r = json_null();
	for (lvl = id; lvl != NULL; lvl = slash ? slash + 1 : NULL) {
		slash = strchr(lvl, '/');
		if (!isalpha((unsigned char)*lvl))
			return api_param_error(c->env, err, "poolid",
			    "invalid format - pool name '%s' must start with a "
			    "letter", id);
	}
	memset(&tx, 0, sizeof(tx));
	if (store_begin_user(c->env, &tx, err) < 0)
		goto out;
	if (ucfg_pool(tx.ucfg, id) != NULL) {
		err_set(err, ERR_EXISTS, "pool '%s' already exists", id);
		goto out;
	}
	slash = strrchr(id, '/');
	if (slash != NULL) {
		char *parent = xstrndup(id, (size_t)(slash - id));
		bool ok = ucfg_pool(tx.ucfg, parent) != NULL;

		if (!ok)
			err_set(err, ERR_NOT_FOUND,
			    "parent '%s' does not exist", parent);
		free(parent);
		if (!ok)
			goto out;
	}
	p = ucfg_pool_add(tx.ucfg, id);
	comment = param_str(c, "comment");
	if (comment != NULL && str_truthy(comment, strlen(comment)))
		p->comment = ucfg_str(tx.ucfg, comment);
	rc = store_commit_user(c->env, &tx, err);
out:
	store_end(&tx);
	return rc < 0 ? api_fail(err, "create pool") : 0;
}

struct member_ctx {
	struct ucfg *cfg;
	struct ucfg_pool *pool;
	bool del, allow_move, bad;
	const char *caller;	/* NULL: the CLI (root@pam) */
	struct err *err;
};

/* The caller may change the ACL-relevant membership of path (spec 8.7). */
static bool
may_modify(struct member_ctx *mc, const char *kind, const char *id)
{
	struct buf path = BUF_INIT;
	bool ok;

	if (mc->caller == NULL)
		return true;
	buf_putf(&path, "/%s/%s", kind, id);
	ok = api_check_perm_modify(mc->cfg, mc->caller, buf_str(&path),
	    mc->err) == 0;
	buf_clear(&path);
	if (!ok)
		mc->bad = true;
	return ok;
}

/* Moving a VM out of another pool needs Pool.Allocate on that pool. */
static bool
may_take_from(struct member_ctx *mc, const struct ucfg_pool *owner)
{
	static const char *const privs[] = {"Pool.Allocate", NULL};
	struct buf path = BUF_INIT;
	bool ok;

	if (mc->caller == NULL)
		return true;
	buf_putf(&path, "/pool/%s", owner->id);
	ok = api_check_privs(mc->cfg, mc->caller, buf_str(&path), privs, false,
	    mc->err) == 0;
	buf_clear(&path);
	return ok;
}

/*
 * Every permission is checked, and every refusal found, before anything
 * changes: against the config as read under the lock (Proxmox checks the
 * request's own copy of it too).  Checking while changing used to ask the
 * permission engine about a config whose storage index it had just made
 * stale, which aborted authd.
 */
static void
vm_check(const char *p, size_t len, void *arg)
{
	struct member_ctx *mc = arg;
	char *vmid = xstrndup(p, len);
	struct ucfg_pool *owner = hmap_get(&mc->cfg->vm_pool, vmid);

	if (mc->bad || !may_modify(mc, "vms", vmid))
		goto out;
	if (mc->del || owner == NULL || owner == mc->pool)
		goto out;
	if (!mc->allow_move) {
		mc->bad = true;
		err_set(mc->err, ERR_EXISTS, "VM %s is already a pool member",
		    vmid);
	} else if (!may_take_from(mc, owner)) {
		mc->bad = true;
	}
out:
	free(vmid);
}

static void
vm_apply(const char *p, size_t len, void *arg)
{
	struct member_ctx *mc = arg;
	char *vmid = xstrndup(p, len);
	struct ucfg_pool *owner = hmap_get(&mc->cfg->vm_pool, vmid);

	if (mc->del) {
		if (owner == mc->pool)
			ucfg_pool_del_vm(mc->cfg, mc->pool, vmid);
	} else {
		if (owner != NULL && owner != mc->pool)
			ucfg_pool_del_vm(mc->cfg, owner, vmid);
		ucfg_pool_add_vm(mc->cfg, mc->pool, vmid);
	}
	free(vmid);
}

static void
storage_check(const char *p, size_t len, void *arg)
{
	struct member_ctx *mc = arg;
	char *id = xstrndup(p, len);

	if (!mc->bad)
		(void)may_modify(mc, "storage", id);
	free(id);
}

static void
storage_apply(const char *p, size_t len, void *arg)
{
	struct member_ctx *mc = arg;
	const char *id = ucfg_strn(mc->cfg, p, len);

	if (mc->del)
		ucfg_pool_del_storage(mc->cfg, mc->pool, id);
	else
		ucfg_pool_add_storage(mc->cfg, mc->pool, id);
}

static int
update_pool(struct api_call *c, const char *id, struct err *err)
{
	const char *vms = param_str(c, "vms"), *storage = param_str(c, "storage");
	struct store_tx tx;
	struct member_ctx mc = {0};
	const char *s;
	int rc = -1;

	if (store_begin_user(c->env, &tx, err) < 0)
		goto out;
	mc.cfg = tx.ucfg;
	mc.pool = ucfg_pool(tx.ucfg, id);
	mc.del = param_bool(c, "delete", false);
	mc.allow_move = param_bool(c, "allow-move", false);
	mc.caller = c->env->authid != NULL &&
	    strcmp(c->env->authid, "root@pam") != 0 ? c->env->authid : NULL;
	mc.err = err;
	if (mc.pool == NULL) {
		err_set(err, ERR_NOT_FOUND, "pool '%s' does not exist", id);
		goto out;
	}
	if (vms != NULL)
		str_split_list(vms, strlen(vms), vm_check, &mc);
	if (storage != NULL)
		str_split_list(storage, strlen(storage), storage_check, &mc);
	if (mc.bad)
		goto out;
	s = param_str(c, "comment");
	if (s != NULL)
		mc.pool->comment = str_truthy(s, strlen(s)) ?
		    ucfg_str(tx.ucfg, s) : NULL;
	if (vms != NULL)
		str_split_list(vms, strlen(vms), vm_apply, &mc);
	if (storage != NULL)
		str_split_list(storage, strlen(storage), storage_apply, &mc);
	rc = store_commit_user(c->env, &tx, err);
out:
	store_end(&tx);
	return rc < 0 ? api_fail(err, "update pools") : 0;
}

static int
pools_update(struct api_call *c, json_t **result_r, struct err *err)
{
	*result_r = json_null();
	return update_pool(c, param_str(c, "poolid"), err);
}

static int
pools_delete(struct api_call *c, json_t **result_r, struct err *err)
{
	const char *id = param_str(c, "poolid");
	struct store_tx tx;
	struct ucfg_pool *p;
	struct acl_node *node;
	struct buf path = BUF_INIT;
	size_t it = 0;
	const char *k;
	void *v;
	int rc = -1;

	*result_r = json_null();
	if (store_begin_user(c->env, &tx, err) < 0)
		goto out;
	p = ucfg_pool(tx.ucfg, id);
	if (p == NULL) {
		err_set(err, ERR_NOT_FOUND, "pool '%s' does not exist", id);
		goto out;
	}
	while (hmap_next(&tx.ucfg->pools, &it, NULL, &v)) {
		if (((struct ucfg_pool *)v)->parent == p) {
			err_set(err, ERR_INVALID,
			    "pool '%s' is not empty (contains sub-pools)", id);
			goto out;
		}
	}
	it = 0;
	if (hmap_next(&p->vms, &it, &k, NULL)) {
		err_set(err, ERR_INVALID, "pool '%s' is not empty (contains VM %s)",
		    id, k);
		goto out;
	}
	it = 0;
	if (hmap_next(&p->storage, &it, &k, NULL)) {
		err_set(err, ERR_INVALID,
		    "pool '%s' is not empty (contains storage '%s')", id, k);
		goto out;
	}
	/* unlike Proxmox, this also finds the ACLs of nested pools */
	buf_putf(&path, "/pool/%s", id);
	node = ucfg_acl_find(tx.ucfg, buf_str(&path));
	if (node != NULL)
		node->entry_count = 0;
	ucfg_pool_del(tx.ucfg, id);
	rc = store_commit_user(c->env, &tx, err);
out:
	store_end(&tx);
	buf_clear(&path);
	return rc < 0 ? api_fail(err, "delete pool") : 0;
}

static const struct param_def index_params[] = {
	{"poolid", PT_STRING, true, .format = "pve-poolid"},
	{"type", PT_ENUM, true, .enum_values = "qemu|lxc|storage"},
	{NULL},
};

static const struct param_def create_params[] = {
	{"poolid", PT_STRING, false, .format = "pve-poolid"},
	{"comment", PT_STRING, true, .max_len = 4096},
	{NULL},
};

static const struct param_def update_params[] = {
	{"poolid", PT_STRING, false, .format = "pve-poolid"},
	{"comment", PT_STRING, true, .max_len = 4096},
	{"vms", PT_LIST, true, .format = "pve-vmid", .desc = "List of guest "
	    "VMIDs to add or remove from this pool."},
	{"storage", PT_LIST, true, .format = "pve-storage-id",
	    .desc = "List of storage IDs to add or remove from this pool."},
	{"allow-move", PT_BOOL, true, .def = "0"},
	{"delete", PT_BOOL, true, .def = "0"},
	{NULL},
};

static const struct param_def poolid_param[] = {
	{"poolid", PT_STRING, false, .format = "pve-poolid"},
	{NULL},
};

static const struct return_prop index_returns[] = {
	{"poolid", RT_STRING, false, NULL},
	{"comment", RT_STRING, true, NULL},
	{"members", RT_ARRAY, true, NULL},
	{NULL},
};

const struct api_method api_pools_methods[] = {
	{"GET", "/pools", pools_index, index_params, index_returns,
	    "List pools or get pool configuration."},
	{"POST", "/pools", pools_create, create_params, NULL,
	    "Create new pool."},
	{"PUT", "/pools", pools_update, update_params, NULL,
	    "Update pool."},
	{"DELETE", "/pools", pools_delete, poolid_param, NULL,
	    "Delete pool."},
	/* the older forms, without nested pools */
	{"GET", "/pools/{poolid}", pool_read, index_params, NULL,
	    "Get pool configuration (deprecated, use GET /pools/?poolid=)."},
	{"PUT", "/pools/{poolid}", pools_update, update_params, NULL,
	    "Update pool data (deprecated, use PUT /pools)."},
	{"DELETE", "/pools/{poolid}", pools_delete, poolid_param, NULL,
	    "Delete pool (deprecated, use DELETE /pools/?poolid=)."},
	{NULL},
};
