/*
 * /access/groups: group list, create, read, update, delete (spec 8.3).
 */
#include "api_check.h"
#include "api_int.h"
#include "str.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

static json_t *
member_list(const struct ucfg_group *g)
{
	const char **ids = xcalloc(g->members.count + 1, sizeof(*ids));
	size_t it = 0, n = 0, i;
	const char *k;
	json_t *a = json_array();

	while (hmap_next(&g->members, &it, &k, NULL))
		ids[n++] = k;
	qsort(ids, n, sizeof(*ids), str_cmp_ptr);
	for (i = 0; i < n; i++)
		json_array_append_new(a, json_string(ids[i]));
	free(ids);
	return a;
}

static int
groups_index(struct api_call *c, json_t **result_r, struct err *err)
{
	struct ucfg *cfg;
	void **groups;
	size_t n, i, k;
	json_t *list = json_array(), *m, *v;

	if (store_read_user_partial(c->env, UCFG_SKIP_ACL, &cfg, err) < 0) {
		json_decref(list);
		return -1;
	}
	groups = hmap_sorted_values(&cfg->groups, &n);
	for (i = 0; i < n; i++) {
		const struct ucfg_group *g = groups[i];
		json_t *o;
		struct buf users = BUF_INIT;

		if (!api_can_see_group(cfg, c->env->authid != NULL ?
		    c->env->authid : "root@pam", g->id))
			continue;
		o = json_object();
		json_object_set_new(o, "groupid", json_string(g->id));
		json_set_str(o, "comment", g->comment);
		m = member_list(g);
		json_array_foreach(m, k, v) {
			if (k > 0)
				buf_putc(&users, ',');
			buf_puts(&users, json_string_value(v));
		}
		json_object_set_new(o, "users", json_string(buf_str(&users)));
		json_decref(m);
		buf_clear(&users);
		json_array_append_new(list, o);
	}
	free(groups);
	store_release_user(cfg);
	*result_r = list;
	return 0;
}

static struct ucfg_group *
must_group(const struct ucfg *cfg, const char *id, struct err *err)
{
	struct ucfg_group *g = ucfg_group(cfg, id);

	if (g == NULL)
		err_set(err, ERR_NOT_FOUND, "group '%s' does not exist", id);
	return g;
}

static int
groups_create(struct api_call *c, json_t **result_r, struct err *err)
{
	const char *id = param_str(c, "groupid"), *comment;
	struct store_tx tx;
	struct ucfg_group *g;
	int rc = -1;

	*result_r = json_null();
	if (store_begin_user(c->env, &tx, err) < 0)
		goto out;
	if (ucfg_group(tx.ucfg, id) != NULL) {
		err_set(err, ERR_EXISTS, "group '%s' already exists", id);
		goto out;
	}
	g = ucfg_group_add(tx.ucfg, id);
	comment = param_str(c, "comment");
	if (comment != NULL && str_truthy(comment, strlen(comment)))
		g->comment = ucfg_str(tx.ucfg, comment);
	rc = store_commit_user(c->env, &tx, err);
out:
	store_end(&tx);
	return rc < 0 ? api_fail(err, "create group") : 0;
}

static int
groups_read(struct api_call *c, json_t **result_r, struct err *err)
{
	const char *id = param_str(c, "groupid");
	struct ucfg *cfg;
	struct ucfg_group *g;
	json_t *o;

	if (store_read_user(c->env, &cfg, err) < 0)
		return -1;
	g = must_group(cfg, id, err);
	if (g == NULL) {
		store_release_user(cfg);
		return -1;
	}
	o = json_object();
	json_object_set_new(o, "members", member_list(g));
	json_set_str(o, "comment", g->comment);
	store_release_user(cfg);
	*result_r = o;
	return 0;
}

static int
groups_update(struct api_call *c, json_t **result_r, struct err *err)
{
	const char *id = param_str(c, "groupid"), *comment;
	struct store_tx tx;
	struct ucfg_group *g;
	int rc = -1;

	*result_r = json_null();
	if (store_begin_user(c->env, &tx, err) < 0)
		goto out;
	g = must_group(tx.ucfg, id, err);
	if (g == NULL)
		goto out;
	comment = param_str(c, "comment");
	if (comment != NULL)
		g->comment = str_truthy(comment, strlen(comment)) ?
		    ucfg_str(tx.ucfg, comment) : NULL;
	rc = store_commit_user(c->env, &tx, err);
out:
	store_end(&tx);
	return rc < 0 ? api_fail(err, "update group") : 0;
}

static int
groups_delete(struct api_call *c, json_t **result_r, struct err *err)
{
	const char *id = param_str(c, "groupid");
	struct store_tx tx;
	int rc = -1;

	*result_r = json_null();
	if (store_begin_user(c->env, &tx, err) < 0)
		goto out;
	if (must_group(tx.ucfg, id, err) == NULL)
		goto out;
	ucfg_acl_purge_subject(tx.ucfg, NULL, ACL_GROUP, id);
	ucfg_group_del(tx.ucfg, id);
	rc = store_commit_user(c->env, &tx, err);
out:
	store_end(&tx);
	return rc < 0 ? api_fail(err, "delete group") : 0;
}

static const struct param_def group_params[] = {
	{"groupid", PT_STRING, false, .format = "pve-groupid"},
	{"comment", PT_STRING, true, .max_len = 2048},
	{NULL},
};

static const struct param_def groupid_param[] = {
	{"groupid", PT_STRING, false, .format = "pve-groupid"},
	{NULL},
};

static const struct param_def no_params[] = {{NULL}};

static const struct return_prop index_returns[] = {
	{"groupid", RT_STRING, false, NULL},
	{"comment", RT_STRING, true, NULL},
	{"users", RT_STRING, true, NULL},
	{NULL},
};

const struct api_method api_groups_methods[] = {
	{"GET", "/access/groups", groups_index, no_params, index_returns,
	    "Group index."},
	{"POST", "/access/groups", groups_create, group_params, NULL,
	    "Create new group."},
	{"GET", "/access/groups/{groupid}", groups_read, groupid_param, NULL,
	    "Get group configuration."},
	{"PUT", "/access/groups/{groupid}", groups_update, group_params, NULL,
	    "Update group data."},
	{"DELETE", "/access/groups/{groupid}", groups_delete, groupid_param,
	    NULL, "Delete group."},
	{NULL},
};
