/*
 * The method registry and small helpers shared by the handlers.
 */
#include "api_int.h"
#include "ids.h"

#include <stdio.h>
#include <string.h>

extern const struct api_method api_users_methods[];
extern const struct api_method api_groups_methods[];
extern const struct api_method api_roles_methods[];
extern const struct api_method api_acl_methods[];
extern const struct api_method api_pools_methods[];
extern const struct api_method api_perm_methods[];
extern const struct api_method api_tokens_methods[];
extern const struct api_method api_domains_methods[];
extern const struct api_method api_sync_methods[];
extern const struct api_method api_jobs_methods[];
extern const struct api_method api_tasks_methods[];
extern const struct api_method api_openid_methods[];
extern const struct api_method api_ticket_methods[];
extern const struct api_method api_lockout_methods[];
extern const struct api_method api_tfa_methods[];
extern const struct api_method api_tfa_users_methods[];

static int
access_index(struct api_call *c, json_t **result_r, struct err *err)
{
	static const char *const subdirs[] = {"users", "groups", "roles",
	    "acl", "domains", "openid", "tfa", "ticket", "password",
	    "permissions"};
	size_t i;

	(void)c;
	(void)err;
	*result_r = json_array();
	for (i = 0; i < ARRAY_SIZE(subdirs); i++) {
		json_t *o = json_object();

		json_object_set_new(o, "subdir", json_string(subdirs[i]));
		json_array_append_new(*result_r, o);
	}
	return 0;
}

static int
version(struct api_call *c, json_t **result_r, struct err *err)
{
	(void)c;
	(void)err;
	*result_r = json_pack("{s:s, s:s, s:s}", "version", RG_VERSION,
	    "release", RG_VERSION, "repoid", "realmgate");
	return 0;
}

static const struct param_def no_params[] = {{NULL}};

static const struct api_method base_methods[] = {
	{"GET", "/access", access_index, no_params, NULL, "Directory index."},
	{"GET", "/version", version, no_params, NULL,
	    "API version details."},
	{NULL},
};

static const struct api_method *const tables[] = {
	base_methods,
	api_users_methods, api_groups_methods, api_roles_methods,
	api_acl_methods, api_pools_methods, api_perm_methods,
	api_tokens_methods, api_domains_methods, api_sync_methods,
	api_jobs_methods, api_tasks_methods, api_openid_methods,
	api_ticket_methods, api_lockout_methods, api_tfa_methods,
	api_tfa_users_methods,
};

/*
 * Match path (len bytes) against a template; add placeholder values to
 * params.  The values go in as they came (_nocheck): a segment that is not
 * UTF-8 or holds a NUL (%00) is refused by verification naming its
 * parameter, instead of vanishing (json_stringn gives NULL for it) or
 * being cut off at the NUL.
 */
static bool
path_match(const char *tmpl, const char *path, size_t len, json_t *params)
{
	const char *end = path + len;

	while (*tmpl != '\0' && path < end) {
		if (*tmpl == '{') {
			const char *close = strchr(tmpl, '}');
			const char *slash = memchr(path, '/', (size_t)(end - path));
			size_t n = (size_t)((slash != NULL ? slash : end) - path);
			char name[64];

			if (close == NULL || n == 0 ||
			    (size_t)(close - tmpl - 1) >= sizeof(name))
				return false;
			memcpy(name, tmpl + 1, (size_t)(close - tmpl - 1));
			name[close - tmpl - 1] = '\0';
			if (params != NULL)
				json_object_set_new_nocheck(params, name,
				    json_stringn_nocheck(path, n));
			tmpl = close + 1;
			path += n;
			continue;
		}
		if (*tmpl++ != *path++)
			return false;
	}
	return *tmpl == '\0' && path == end;
}

const struct api_method *
api_find_n(const char *method, const char *path, size_t len, json_t *params)
{
	size_t t;
	const struct api_method *m;

	for (t = 0; t < ARRAY_SIZE(tables); t++)
		for (m = tables[t]; m->method != NULL; m++)
			if (!m->cli_only && strcmp(m->method, method) == 0 &&
			    path_match(m->path, path, len, NULL)) {
				if (params != NULL)
					path_match(m->path, path, len, params);
				return m;
			}
	return NULL;
}

const struct api_method *
api_find(const char *method, const char *path, json_t *params)
{
	return api_find_n(method, path, strlen(path), params);
}

const struct api_method *
api_method_each(size_t *it)
{
	size_t n = *it, t;
	const struct api_method *m;

	for (t = 0; t < ARRAY_SIZE(tables); t++)
		for (m = tables[t]; m->method != NULL; m++)
			if (n-- == 0) {
				(*it)++;
				return m;
			}
	return NULL;
}

const struct api_method *
api_find_template(const char *method, const char *tmpl)
{
	size_t t;
	const struct api_method *m;

	for (t = 0; t < ARRAY_SIZE(tables); t++)
		for (m = tables[t]; m->method != NULL; m++)
			if (strcmp(m->method, method) == 0 &&
			    strcmp(m->path, tmpl) == 0)
				return m;
	return NULL;
}

void
json_set_str(json_t *obj, const char *key, const char *s)
{
	if (s != NULL)
		json_object_set_new(obj, key, json_string(s));
}

int
api_fail(struct err *err, const char *what)
{
	if (err->code == ERR_INVALID && strcmp(err->msg,
	    "Parameter verification failed.") == 0)
		return -1;
	return err_prefix(err, "%s failed: ", what);
}

void
api_realm_of(const char *userid, struct buf *out)
{
	const char *realm;
	size_t len;

	buf_reset(out);
	if (id_realm_of(userid, &realm, &len))
		buf_put(out, realm, len);
}
