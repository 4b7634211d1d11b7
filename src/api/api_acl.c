/*
 * /access/acl: list and modify ACL entries (spec 8.3).  Modification checks
 * that roles, users, groups and tokens exist, and that new entries go only
 * on whitelisted paths; deleting a missing entry is silently fine.
 */
#include "api_check.h"
#include "api_int.h"
#include "ids.h"
#include "str.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {"token", "user", "group"};

static void
list_node(const struct ucfg *cfg, const char *caller,
    const struct acl_node *n, json_t *list)
{
	size_t i;

	for (i = 0; i < n->entry_count &&
	     api_can_see_acl_path(cfg, caller, n->path); i++) {
		const struct acl_entry *e = &n->entries[i];
		json_t *o = json_object();

		json_object_set_new(o, "path", json_string(n->path));
		json_object_set_new(o, "type", json_string(kind_names[e->kind]));
		json_object_set_new(o, "ugid", json_string(e->subject));
		json_object_set_new(o, "roleid", json_string(e->role));
		json_object_set_new(o, "propagate",
		    json_integer(e->propagate));
		json_array_append_new(list, o);
	}
	for (i = 0; i < n->child_count; i++)
		list_node(cfg, caller, n->children[i], list);
}

static int
acl_index(struct api_call *c, json_t **result_r, struct err *err)
{
	struct ucfg *cfg;

	if (store_read_user(c->env, &cfg, err) < 0)
		return -1;
	*result_r = json_array();
	list_node(cfg, c->env->authid != NULL ? c->env->authid : "root@pam",
	    cfg->acl_root, *result_r);
	store_release_user(cfg);
	return 0;
}

/* Collected items of one list parameter. */
struct items {
	char **v;
	size_t n;
};

static void
item_add(const char *p, size_t len, void *arg)
{
	struct items *it = arg;

	it->v = xreallocarray(it->v, it->n + 1, sizeof(*it->v));
	it->v[it->n++] = xstrndup(p, len);
}

static void
items_get(const struct api_call *c, const char *name, struct items *it)
{
	const char *s = param_str(c, name);

	it->v = NULL;
	it->n = 0;
	if (s != NULL)
		str_split_list(s, strlen(s), item_add, it);
}

static void
items_free(struct items *it)
{
	size_t i;

	for (i = 0; i < it->n; i++)
		free(it->v[i]);
	free(it->v);
}

/*
 * New entries are written into user.cfg's member lists: their user ids may
 * not hold a separator (issue 9).  Removing an entry of an id Proxmox
 * allowed stays possible.
 */
static int
unsafe_ids(const struct api_call *c, const char *param,
    const struct items *ids, struct err *err)
{
	size_t i, bang;
	struct err e;

	for (i = 0; i < ids->n; i++) {
		const char *id = ids->v[i];
		char *user = id_token_valid(id, strlen(id), &bang) ?
		    xstrndup(id, bang) : xstrdup(id);
		int bad = id_user_check_new(user, &e);

		free(user);
		if (bad < 0)
			return api_param_error(c->env, err, param,
			    "invalid format - %s", e.msg);
	}
	return 0;
}

static int
check_subjects(const struct ucfg *cfg, const struct items *users,
    const struct items *groups, const struct items *tokens, struct err *err)
{
	size_t i;

	for (i = 0; i < groups->n; i++)
		if (ucfg_group(cfg, groups->v[i]) == NULL)
			return err_set(err, ERR_NOT_FOUND,
			    "group '%s' does not exist", groups->v[i]);
	for (i = 0; i < users->n; i++)
		if (ucfg_user(cfg, users->v[i]) == NULL)
			return err_set(err, ERR_NOT_FOUND,
			    "user '%s' does not exist", users->v[i]);
	for (i = 0; i < tokens->n; i++)
		if (ucfg_token(cfg, tokens->v[i]) == NULL)
			return err_set(err, ERR_NOT_FOUND,
			    "no such token '%s'", tokens->v[i]);
	return 0;
}

static void
apply(struct ucfg *cfg, struct acl_node *node, const struct items *subjects,
    enum acl_kind kind, const struct items *roles, bool del, bool propagate)
{
	size_t i, j;

	for (i = 0; i < subjects->n; i++)
		for (j = 0; j < roles->n; j++) {
			if (del)
				ucfg_acl_unset(cfg, node, kind, subjects->v[i],
				    roles->v[j]);
			else
				ucfg_acl_set(cfg, node, kind, subjects->v[i],
				    roles->v[j], propagate);
		}
}

static int
acl_update(struct api_call *c, json_t **result_r, struct err *err)
{
	struct items users, groups, tokens, roles;
	bool del = param_bool(c, "delete", false);
	struct buf path = BUF_INIT;
	struct store_tx tx;
	struct acl_node *node;
	size_t i;
	int rc = -1;

	*result_r = json_null();
	memset(&tx, 0, sizeof(tx));
	items_get(c, "users", &users);
	items_get(c, "groups", &groups);
	items_get(c, "tokens", &tokens);
	items_get(c, "roles", &roles);
	if (!id_path_normalize(param_str(c, "path"),
	    strlen(param_str(c, "path")), &path)) {
		rc = api_param_error(c->env, err, "path", "invalid ACL path '%s'",
		    param_str(c, "path"));
		goto done;
	}
	if (!del && !id_acl_path_allowed(buf_str(&path))) {
		rc = api_param_error(c->env, err, "path", "invalid ACL path '%s'",
		    param_str(c, "path"));
		goto done;
	}
	if (!del && (unsafe_ids(c, "users", &users, err) < 0 ||
	    unsafe_ids(c, "tokens", &tokens, err) < 0)) {
		rc = -1;
		goto done;
	}
	if (users.n + groups.n + tokens.n == 0) {
		err_set(err, ERR_INVALID,
		    "either 'users', 'groups' or 'tokens' is required!");
		goto out;
	}
	if (store_begin_user(c->env, &tx, err) < 0)
		goto out;
	for (i = 0; i < roles.n; i++) {
		if (ucfg_role(tx.ucfg, roles.v[i]) == NULL) {
			err_set(err, ERR_NOT_FOUND, "role '%s' does not exist",
			    roles.v[i]);
			goto out;
		}
	}
	/* the caller may only hand out what it has (spec 8.3) */
	if (c->env->authid != NULL && api_check_acl_modify(tx.ucfg,
	    c->env->authid, buf_str(&path), param_str(c, "roles"),
	    param_bool(c, "propagate", true), del, err) < 0) {
		rc = api_param_error(c->env, err, "role", "%s", err->msg);
		goto done;
	}
	if (check_subjects(tx.ucfg, &users, &groups, &tokens, err) < 0)
		goto out;
	node = ucfg_acl_node(tx.ucfg, buf_str(&path));
	apply(tx.ucfg, node, &groups, ACL_GROUP, &roles, del,
	    param_bool(c, "propagate", true));
	apply(tx.ucfg, node, &users, ACL_USER, &roles, del,
	    param_bool(c, "propagate", true));
	apply(tx.ucfg, node, &tokens, ACL_TOKEN, &roles, del,
	    param_bool(c, "propagate", true));
	rc = store_commit_user(c->env, &tx, err);
out:
	if (rc < 0)
		api_fail(err, "ACL update");
done:
	store_end(&tx);
	items_free(&users);
	items_free(&groups);
	items_free(&tokens);
	items_free(&roles);
	buf_clear(&path);
	return rc;
}

static const struct param_def update_params[] = {
	{"path", PT_STRING, false, .desc = "Access control path"},
	{"roles", PT_LIST, false, .format = "pve-roleid",
	    .desc = "List of roles."},
	{"users", PT_LIST, true, .format = "pve-userid"},
	{"groups", PT_LIST, true, .format = "pve-groupid"},
	{"tokens", PT_LIST, true, .format = "pve-tokenid"},
	{"propagate", PT_BOOL, true, .def = "1",
	    .desc = "Allow to propagate (inherit) permissions."},
	{"delete", PT_BOOL, true, .desc = "Remove permissions (instead of "
	    "adding it)."},
	{NULL},
};

static const struct param_def no_params[] = {{NULL}};

static const struct return_prop index_returns[] = {
	{"path", RT_STRING, false, NULL},
	{"roleid", RT_STRING, false, NULL},
	{"type", RT_STRING, false, NULL},
	{"ugid", RT_STRING, false, NULL},
	{"propagate", RT_BOOLEAN, true, NULL},
	{NULL},
};

const struct api_method api_acl_methods[] = {
	{"GET", "/access/acl", acl_index, no_params, index_returns,
	    "Get Access Control List (ACLs)."},
	{"PUT", "/access/acl", acl_update, update_params, NULL,
	    "Update Access Control List (add or remove permissions)."},
	{NULL},
};
