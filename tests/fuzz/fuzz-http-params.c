/*
 * Fuzz target: an API request's parameters on the front's path
 * (src/daemon/front.c api_request): the body decoded by http_body_params
 * (form or JSON, src/daemon/http_params.c), the method found by path with
 * its {placeholders} (api_find), the parameters verified and converted
 * against the method's schema (api_verify) and the permission check
 * (api_check) for one of a few callers against a small user.cfg.
 *
 * Input: one flag byte (bits 0-1 the Content-Type: none, JSON, form,
 * JSON with a charset; bits 2-3 the caller), then "METHOD /path\n", then
 * the body.
 *
 * Checks beyond "no crash, no leak": a form field never carries a NUL;
 * a refused body is ERR_INVALID; every parameter that passed
 * verification is declared by the method and has its declared type (and
 * range); a refusal names each bad parameter in param_errors; root@pam
 * passes every permission check.
 */
#include "api.h"
#include "api_check.h"
#include "daemon.h"
#include "ucfg.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char user_cfg[] =
    "user:root@pam:1:0::::::\n"
    "user:u@pve:1:0::::::\n"
    "user:admin@pve:1:0::::::\n"
    "token:u@pve!tok:0:1::\n"
    "group:g:u@pve::\n"
    "pool:p1::::\n"
    "acl:1:/access:admin@pve:PVEUserAdmin:\n"
    "acl:1:/vms:@g,u@pve!tok:PVEVMUser:\n";

static const char *const content_types[] = {NULL, "application/json",
	"application/x-www-form-urlencoded",
	"application/json; charset=UTF-8"};
static const char *const callers[] = {"root@pam", "u@pve", "admin@pve",
	"u@pve!tok"};

static const struct param_def *
declared(const struct api_method *m, const char *name)
{
	const struct param_def *d;

	for (d = m->params; d->name != NULL; d++)
		if (strcmp(d->name, name) == 0)
			return d;
	return NULL;
}

static void
check_verified(const struct api_method *m, json_t *params)
{
	const struct param_def *d;
	const char *k;
	json_t *v;

	json_object_foreach(params, k, v) {
		d = declared(m, k);
		if (d == NULL)
			abort();
		switch (d->type) {
		case PT_BOOL:
			if (!json_is_boolean(v))
				abort();
			break;
		case PT_INT:
			if (!json_is_integer(v) || (d->min < d->max &&
			    (json_integer_value(v) < d->min ||
			    json_integer_value(v) > d->max)))
				abort();
			break;
		default:
			if (!json_is_string(v) || (d->max_len != 0 &&
			    strlen(json_string_value(v)) > d->max_len))
				abort();
			break;
		}
	}
	for (d = m->params; d->name != NULL; d++)
		if (!d->optional && json_object_get(params, d->name) == NULL)
			abort();
}

static void
request(const struct ucfg *cfg, const char *ct, const char *caller,
    const char *method, const char *path, const char *body, size_t blen)
{
	json_t *params = json_object();
	const struct api_method *m;
	struct api_env env;
	struct err err;
	const char *k;
	json_t *v;

	if (http_body_params(ct, body, blen, params, &err) < 0) {
		if (err.code != ERR_INVALID)
			abort();
		goto out;
	}
	json_object_foreach(params, k, v)
		if (!json_is_string(v) && !json_is_integer(v) &&
		    !json_is_boolean(v))
			abort();
	m = api_find(method, path, params);
	if (m == NULL)
		goto out;
	(void)api_check_access(method, m->path);
	(void)api_check_allows_token(method, m->path);
	api_env_init(&env, "/nonexistent", caller);
	if (api_verify(m, &env, params, &err) < 0) {
		if (err.code != ERR_INVALID ||
		    json_object_size(env.param_errors) == 0)
			abort();
	} else {
		check_verified(m, params);
		if (api_check(cfg, caller, method, m->path, params, &err) < 0 &&
		    strcmp(caller, "root@pam") == 0)
			abort();
	}
	api_env_clear(&env);
out:
	json_decref(params);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ucfg *cfg;
	const char *p = (const char *)data + 1, *nl, *sp;
	char method[16], path[1024];
	size_t n;

	if (cfg == NULL)
		cfg = ucfg_parse(user_cfg, sizeof(user_cfg) - 1, "user.cfg",
		    NULL);
	if (size < 1)
		return 0;
	n = size - 1;
	nl = memchr(p, '\n', n);
	if (nl == NULL)
		nl = p + n;
	sp = memchr(p, ' ', (size_t)(nl - p));
	if (sp == NULL || (size_t)(sp - p) >= sizeof(method) ||
	    (size_t)(nl - sp - 1) >= sizeof(path) ||
	    memchr(p, '\0', (size_t)(nl - p)) != NULL)
		return 0;
	memcpy(method, p, (size_t)(sp - p));
	method[sp - p] = '\0';
	memcpy(path, sp + 1, (size_t)(nl - sp - 1));
	path[nl - sp - 1] = '\0';
	if (nl < p + n)
		nl++;
	request(cfg, content_types[data[0] & 3], callers[(data[0] >> 2) & 3],
	    method, path, nl, (size_t)(p + n - nl));
	return 0;
}
