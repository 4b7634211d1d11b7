/*
 * /access/roles: role list, create, read, update, delete (spec 8.3 and 2.2).
 * Built-in roles cannot be changed; custom roles may not start with "PVE".
 */
#include "api_int.h"
#include "privs.h"
#include "str.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void
privs_join(privset_t set, struct buf *out)
{
	unsigned i;

	for (i = 0; i < PRIV_COUNT; i++) {
		if (!(set & (UINT64_C(1) << i)))
			continue;
		if (out->len > 0)
			buf_putc(out, ',');
		buf_puts(out, priv_name(i));
	}
}

static int
roles_index(struct api_call *c, json_t **result_r, struct err *err)
{
	struct ucfg *cfg;
	void **roles;
	size_t n, i;
	json_t *list = json_array();

	if (store_read_user(c->env, &cfg, err) < 0) {
		json_decref(list);
		return -1;
	}
	roles = hmap_sorted_values(&cfg->roles, &n);
	for (i = 0; i < n; i++) {
		const struct ucfg_role *r = roles[i];
		json_t *o = json_object();
		struct buf privs = BUF_INIT;

		privs_join(r->privs, &privs);
		json_object_set_new(o, "roleid", json_string(r->id));
		json_object_set_new(o, "privs", json_string(buf_str(&privs)));
		json_object_set_new(o, "special", json_integer(r->special));
		json_array_append_new(list, o);
		buf_clear(&privs);
	}
	free(roles);
	store_release_user(cfg);
	*result_r = list;
	return 0;
}

static void
priv_add(const char *p, size_t len, void *arg)
{
	int i = priv_index(p, len);

	if (i >= 0)
		*(privset_t *)arg |= UINT64_C(1) << i;
}

static privset_t
param_privs(const struct api_call *c)
{
	const char *s = param_str(c, "privs");
	privset_t set = 0;

	if (s != NULL)
		str_split_list(s, strlen(s), priv_add, &set);
	return set;
}

static int
roles_create(struct api_call *c, json_t **result_r, struct err *err)
{
	const char *id = param_str(c, "roleid");
	struct store_tx tx;
	int rc = -1;

	*result_r = json_null();
	if (strncasecmp(id, "PVE", 3) == 0)
		return api_param_error(c->env, err, "roleid",
		    "cannot use role ID starting with 'PVE'");
	if (store_begin_user(c->env, &tx, err) < 0)
		goto out;
	if (ucfg_role(tx.ucfg, id) != NULL) {
		err_set(err, ERR_EXISTS, "role '%s' already exists", id);
		goto out;
	}
	ucfg_role_add(tx.ucfg, id)->privs = param_privs(c);
	rc = store_commit_user(c->env, &tx, err);
out:
	store_end(&tx);
	return rc < 0 ? api_fail(err, "create role") : 0;
}

static int
roles_read(struct api_call *c, json_t **result_r, struct err *err)
{
	const char *id = param_str(c, "roleid");
	struct ucfg *cfg;
	struct ucfg_role *r;
	json_t *o;
	unsigned i;

	if (store_read_user(c->env, &cfg, err) < 0)
		return -1;
	r = ucfg_role(cfg, id);
	if (r == NULL) {
		store_release_user(cfg);
		return err_set(err, ERR_NOT_FOUND, "role '%s' does not exist",
		    id);
	}
	o = json_object();
	for (i = 0; i < PRIV_COUNT; i++)
		if (r->privs & (UINT64_C(1) << i))
			json_object_set_new(o, priv_name(i), json_integer(1));
	store_release_user(cfg);
	*result_r = o;
	return 0;
}

static int
change_role(struct api_call *c, bool del, struct err *err)
{
	const char *id = param_str(c, "roleid");
	struct store_tx tx;
	struct ucfg_role *r;
	int rc = -1;

	if (store_begin_user(c->env, &tx, err) < 0)
		goto out;
	r = ucfg_role(tx.ucfg, id);
	if (r == NULL) {
		err_set(err, ERR_NOT_FOUND, "role '%s' does not exist", id);
		goto out;
	}
	if (r->special) {
		err_set(err, ERR_INVALID,
		    "auto-generated role '%s' cannot be %s", id,
		    del ? "deleted" : "modified");
		goto out;
	}
	if (del) {
		/* what Proxmox's next parse would drop, dropped now */
		ucfg_acl_purge_role(tx.ucfg, id);
		ucfg_role_del(tx.ucfg, id);
	}
	else if (param_bool(c, "append", false))
		r->privs |= param_privs(c);
	else
		r->privs = param_privs(c);
	rc = store_commit_user(c->env, &tx, err);
out:
	store_end(&tx);
	return rc;
}

static int
roles_update(struct api_call *c, json_t **result_r, struct err *err)
{
	*result_r = json_null();
	if (param_has(c, "append") && !param_has(c, "privs"))
		return api_param_error(c->env, err, "privs",
		    "missing property - 'append' requires this property");
	return change_role(c, false, err) < 0 ? api_fail(err, "update role")
	    : 0;
}

static int
roles_delete(struct api_call *c, json_t **result_r, struct err *err)
{
	*result_r = json_null();
	return change_role(c, true, err) < 0 ? api_fail(err, "delete role")
	    : 0;
}

static const struct param_def create_params[] = {
	{"roleid", PT_STRING, false, .format = "pve-roleid"},
	{"privs", PT_LIST, true, .format = "pve-priv"},
	{NULL},
};

static const struct param_def update_params[] = {
	{"roleid", PT_STRING, false, .format = "pve-roleid"},
	{"privs", PT_LIST, true, .format = "pve-priv"},
	{"append", PT_BOOL, true},
	{NULL},
};

static const struct param_def roleid_param[] = {
	{"roleid", PT_STRING, false, .format = "pve-roleid"},
	{NULL},
};

static const struct param_def no_params[] = {{NULL}};

static const struct return_prop index_returns[] = {
	{"roleid", RT_STRING, false, NULL},
	{"privs", RT_STRING, true, NULL},
	{"special", RT_BOOLEAN, true, NULL},
	{NULL},
};

const struct api_method api_roles_methods[] = {
	{"GET", "/access/roles", roles_index, no_params, index_returns,
	    "Role index."},
	{"POST", "/access/roles", roles_create, create_params, NULL,
	    "Create new role."},
	{"GET", "/access/roles/{roleid}", roles_read, roleid_param, NULL,
	    "Get role configuration."},
	{"PUT", "/access/roles/{roleid}", roles_update, update_params, NULL,
	    "Update an existing role."},
	{"DELETE", "/access/roles/{roleid}", roles_delete, roleid_param, NULL,
	    "Delete role."},
	{NULL},
};
