/*
 * GET /access/permissions: the effective-permission dump of spec 3.6, for
 * the caller or another user/token, over the candidate paths (fixed top
 * levels, every ACL tree node, every pool member), or for one path.
 */
#include "api_check.h"
#include "api_int.h"
#include "ids.h"
#include "perm.h"
#include "snapcache.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *const fixed_paths[] = {"/", "/access", "/access/groups",
    "/nodes", "/pool", "/sdn", "/storage", "/vms"};

static json_t *
perm_object(const struct perm_set *ps)
{
	json_t *o = json_object();
	unsigned i;

	for (i = 0; i < PRIV_COUNT; i++)
		if (ps->privs & (UINT64_C(1) << i))
			json_object_set_new(o, priv_name(i),
			    json_integer((ps->prop >> i) & 1));
	return o;
}

/*
 * The subject of a permission query (the userid parameter, else the
 * caller) and the config, after the read rule of spec 8.1: yourself and
 * your own tokens, others only with Sys.Audit on /access.
 */
static int
read_subject(const struct api_call *c, const char **authid_r,
    struct ucfg **cfg_r, struct err *err)
{
	if (*authid_r == NULL)
		*authid_r = c->env->authid;
	if (store_read_user(c->env, cfg_r, err) < 0)
		return -1;
	if (c->env->authid != NULL && api_check_permissions_read(*cfg_r,
	    c->env->authid, *authid_r, err) < 0) {
		store_release_user(*cfg_r);
		return -1;
	}
	return 0;
}

static void
add_path(const struct ucfg *cfg, const char *authid, const char *path,
    json_t *out, struct perm_roles *scratch)
{
	struct perm_set ps;

	if (json_object_get(out, path) != NULL)
		return;
	perm_compute(cfg, authid, path, &ps, scratch);
	if (ps.privs != 0)
		json_object_set_new(out, path, perm_object(&ps));
}

static void
add_tree(const struct ucfg *cfg, const char *authid, const struct acl_node *n,
    json_t *out, struct perm_roles *scratch)
{
	size_t i;

	add_path(cfg, authid, n->path, out, scratch);
	for (i = 0; i < n->child_count; i++)
		add_tree(cfg, authid, n->children[i], out, scratch);
}

static void
add_pool_members(const struct ucfg *cfg, const char *authid, json_t *out,
    struct perm_roles *scratch)
{
	struct buf path = BUF_INIT;
	size_t it = 0, m;
	const char *k;
	void *v;

	while (hmap_next(&cfg->pools, &it, NULL, &v)) {
		const struct ucfg_pool *p = v;

		m = 0;
		while (hmap_next(&p->vms, &m, &k, NULL)) {
			buf_reset(&path);
			buf_putf(&path, "/vms/%s", k);
			add_path(cfg, authid, buf_str(&path), out, scratch);
		}
		m = 0;
		while (hmap_next(&p->storage, &m, &k, NULL)) {
			buf_reset(&path);
			buf_putf(&path, "/storage/%s", k);
			add_path(cfg, authid, buf_str(&path), out, scratch);
		}
	}
	buf_clear(&path);
}

/*
 * The daemon's dump cache: the serialized dump per subject, valid for one
 * user.cfg snapshot (design: computed once per subject and snapshot).
 * Bounded; emptied when the snapshot changes.
 */
static void
blob_ref(void *v)
{
	api_blob_ref(v);
}

static void
blob_unref(void *v)
{
	api_blob_unref(v);
}

static struct snapcache dumps = SNAPCACHE_INIT(4096, 256u << 20, blob_ref,
    blob_unref);

static int
permissions(struct api_call *c, json_t **result_r, struct err *err)
{
	const char *authid = param_str(c, "userid");
	const char *path = param_str(c, "path");
	struct perm_roles scratch;
	struct ucfg *cfg;
	json_t *out;
	size_t i;

	if (read_subject(c, &authid, &cfg, err) < 0)
		return -1;
	if (path == NULL &&
	    (c->env->raw_result = snapcache_get(&dumps, cfg, authid)) != NULL) {
		store_release_user(cfg);
		*result_r = NULL;
		return 0;
	}
	perm_roles_init(&scratch);
	out = json_object();
	if (path != NULL) {
		struct perm_set ps;

		perm_compute(cfg, authid, path, &ps, &scratch);
		json_object_set_new(out, path, perm_object(&ps));
	} else {
		for (i = 0; i < ARRAY_SIZE(fixed_paths); i++)
			add_path(cfg, authid, fixed_paths[i], out, &scratch);
		add_tree(cfg, authid, cfg->acl_root, out, &scratch);
		add_pool_members(cfg, authid, out, &scratch);
	}
	perm_roles_clear(&scratch);
	if (path == NULL && store_cache_enabled()) {
		char *text = json_dumps(out, JSON_COMPACT);

		if (text != NULL) {
			c->env->raw_result = api_blob_new(text, strlen(text));
			/* filed under the snapshot it was computed from */
			snapcache_put(&dumps, cfg, authid, c->env->raw_result,
			    c->env->raw_result->len);
			free(text);
			json_decref(out);
			store_release_user(cfg);
			*result_r = NULL;
			return 0;
		}
	}
	store_release_user(cfg);
	*result_r = out;
	return 0;
}

static const char *const kind_names[] = {"token", "user", "group"};

/*
 * GET /access/permissions/why (realmgate's extension): for each privilege
 * the subject has on the path, the grants behind it, as `pveum user
 * permissions --why` shows them.
 */
static int
permissions_why(struct api_call *c, json_t **result_r, struct err *err)
{
	const char *authid = param_str(c, "userid");
	const char *path = param_str(c, "path");
	struct perm_roles why;
	struct perm_set ps;
	struct ucfg *cfg;
	unsigned i;
	size_t g;

	if (read_subject(c, &authid, &cfg, err) < 0)
		return -1;
	perm_roles_init(&why);
	perm_compute(cfg, authid, path, &ps, &why);
	*result_r = json_object();
	for (i = 0; i < PRIV_COUNT; i++) {
		json_t *list;

		if (!(ps.privs & (UINT64_C(1) << i)))
			continue;
		list = json_array();
		for (g = 0; g < why.count; g++) {
			const struct perm_grant *gr = &why.grants[g];
			const struct ucfg_role *r = ucfg_role(cfg, gr->role);
			json_t *o;

			if (gr->node != NULL && (r == NULL ||
			    !(r->privs & (UINT64_C(1) << i))))
				continue;
			o = json_object();
			json_object_set_new(o, "role", json_string(gr->role));
			json_object_set_new(o, "path", json_string(
			    gr->node != NULL ? gr->node->path : "/"));
			json_object_set_new(o, "kind", json_string(
			    gr->node != NULL ? kind_names[gr->kind] : "user"));
			json_object_set_new(o, "subject", json_string(
			    gr->node != NULL ? gr->subject : authid));
			json_object_set_new(o, "propagate",
			    json_integer(gr->propagate));
			if (gr->pool != NULL)
				json_object_set_new(o, "pool",
				    json_string(gr->pool->id));
			json_array_append_new(list, o);
		}
		json_object_set_new(*result_r, priv_name(i), list);
	}
	perm_roles_clear(&why);
	store_release_user(cfg);
	return 0;
}

static const struct param_def why_params[] = {
	{"userid", PT_STRING, true, .format = "pve-userid-or-token",
	    .desc = "User ID or full API token ID"},
	{"path", PT_STRING, false, .desc = "The ACL path."},
	{NULL},
};

static const struct param_def perm_params[] = {
	{"userid", PT_STRING, true, .format = "pve-userid-or-token",
	    .desc = "User ID or full API token ID"},
	{"path", PT_STRING, true, .desc = "Only dump this specific path, not "
	    "the whole tree."},
	{NULL},
};

const struct api_method api_perm_methods[] = {
	{"GET", "/access/permissions", permissions, perm_params, NULL,
	    "Retrieve effective permissions of given user/token."},
	{"GET", "/access/permissions/why", permissions_why, why_params, NULL,
	    "realmgate: which ACL entry, group, pool and role grant each "
	    "privilege."},
	{NULL},
};
