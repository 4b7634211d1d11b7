/*
 * /access/domains: realm list, create, read, update, delete (spec 8.4).
 * The realm model and its validation live in core/files/domains; here are
 * the API's parameters, the lock, and the bind password file
 * priv/realm/<realm>.pw (spec 1.8), which never goes into domains.cfg.
 */
#include "api_int.h"
#include "cfs/cfs.h"
#include "files/domains.h"
#include "fileio.h"
#include "files/lock.h"
#include "realm.h"
#include "secret.h"
#include "str.h"
#include "testpoint.h"
#include "xalloc.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Parameters beyond the realm properties. */
static const char *const extra_names[] = {"realm", "type", "delete", "digest",
    "check-connection"};

static int
domains_index(struct api_call *c, json_t **result_r, struct err *err)
{
	struct domains_cfg *d;
	size_t i;

	if (domains_load(c->env->config_dir, &c->env->warnings, &d, err) < 0)
		return -1;
	*result_r = json_array();
	for (i = 0; i < domains_realm_count(d); i++) {
		const struct domains_realm *r = domains_realm_at(d, i);
		const char *tfa = domains_realm_get(r, DP_TFA);
		json_t *o = json_object();

		json_object_set_new(o, "realm", json_string(r->id));
		json_object_set_new(o, "type",
		    json_string(realm_type_name(r->type)));
		json_set_str(o, "comment", domains_realm_get(r, DP_COMMENT));
		if (domains_realm_bool(r, DP_DEFAULT, false))
			json_object_set_new(o, "default", json_integer(1));
		if (tfa != NULL) {
			/* "type=oath,..." -> "oath" */
			const char *t = strstr(tfa, "type=");
			size_t n = t != NULL ? strcspn(t + 5, ",") : 0;

			if (t != NULL)
				json_object_set_new(o, "tfa",
				    json_stringn(t + 5, n));
		}
		json_array_append_new(*result_r, o);
	}
	domains_free(d);
	return 0;
}

static int
domains_read(struct api_call *c, json_t **result_r, struct err *err)
{
	const char *id = param_str(c, "realm");
	const struct domains_realm *r;
	struct domains_cfg *d;
	unsigned p;

	if (domains_load(c->env->config_dir, &c->env->warnings, &d, err) < 0)
		return -1;
	r = domains_realm_find(d, id);
	if (r == NULL) {
		domains_free(d);
		return err_set(err, ERR_NOT_FOUND,
		    "authentication domain '%s' does not exist", id);
	}
	*result_r = json_object();
	json_object_set_new(*result_r, "type",
	    json_string(realm_type_name(r->type)));
	json_object_set_new(*result_r, "digest", json_string(d->digest));
	for (p = 0; p < DP_COUNT; p++) {
		const struct dom_prop_def *def = domains_prop_def(p);
		const char *v = domains_realm_get(r, p);
		struct buf mapped = BUF_INIT;

		if (v == NULL)
			continue;
		if (p == DP_SYNC_DEFAULTS &&
		    domains_sync_opts_map(v, false, &mapped, err) == 0)
			v = buf_str(&mapped);
		if (def->vtype == DV_BOOL || def->vtype == DV_INT)
			json_object_set_new(*result_r, def->name,
			    json_integer(strtoll(v, NULL, 10)));
		else
			json_object_set_new(*result_r, def->name, json_string(v));
		buf_clear(&mapped);
	}
	domains_free(d);
	return 0;
}

/* Realm properties given in the call, as strings ("0"/"1" for booleans). */
struct props {
	struct domains_param *v;
	size_t n;
	const char *password;
};

static void
collect_props(const struct api_call *c, struct props *out)
{
	const char *key;
	json_t *v;

	memset(out, 0, sizeof(*out));
	out->v = xcalloc(json_object_size(c->params) + 1, sizeof(*out->v));
	json_object_foreach(c->params, key, v) {
		size_t i;
		bool extra = false;

		for (i = 0; i < ARRAY_SIZE(extra_names); i++)
			if (strcmp(key, extra_names[i]) == 0)
				extra = true;
		if (extra)
			continue;
		if (strcmp(key, "password") == 0) {
			out->password = json_string_value(v);
			continue;
		}
		out->v[out->n].key = key;
		out->v[out->n].value = json_is_boolean(v) ?
		    (json_is_true(v) ? "1" : "0") : json_string_value(v);
		if (json_is_integer(v))
			out->v[out->n].value = NULL;
		out->n++;
	}
}

/* Values of known properties are checked here, as parameter errors. */
static int
validate_props(const struct api_call *c, const struct props *p,
    struct err *err)
{
	struct buf norm = BUF_INIT;
	int rc = 0;
	size_t i;

	for (i = 0; i < p->n; i++) {
		int k = domains_prop_find(p->v[i].key);
		struct err e;

		if (k < 0 || p->v[i].value == NULL)
			continue;
		buf_reset(&norm);
		if (domains_value_check((enum dom_prop)k, p->v[i].value, &norm,
		    &e) < 0)
			rc = api_param_error(c->env, err, p->v[i].key, "%s",
			    e.msg);
	}
	buf_clear(&norm);
	return rc;
}

/*
 * Take the realm's bind password file, priv/realm/<realm>.pw, into side
 * (its bytes kept, read with the secret-file checks): done before any
 * write, so that what refuses refuses first.  domains.cfg's lock covers
 * the file.
 */
static int
pw_begin(struct api_env *env, const char *realm, struct store_side *side,
    struct err *err)
{
	struct buf rel = BUF_INIT;
	int rc;

	buf_putf(&rel, "priv/realm/%s.pw", realm);
	rc = store_side_begin(env, buf_str(&rel), -1, side, err);
	buf_clear(&rel);
	return rc;
}

/*
 * Under domains.cfg's lock, which every writer of a .pw holds: remove the
 * temp files writers killed before their rename left in priv/realm/.
 * Every realm change does it, whatever realm it changes, so a temp file
 * lasts no longer than the next change of a realm (a change that leaves
 * the password alone would otherwise never write that .pw again).
 */
static void
pw_clean_temps(struct api_env *env)
{
	struct buf dir = BUF_INIT;

	if (cfs_is_etcd())
		return;	/* a shared store has no temp files */
	store_path(env, "priv/realm", &dir);
	file_clean_temps_dir(buf_str(&dir));
	buf_clear(&dir);
}

/*
 * Write (password != NULL) or remove the bind password file begun in
 * side.  A new or removed password is written before domains.cfg: a
 * crash in between leaves the old settings with the new password (or
 * none), and a .pw of a realm not yet in domains.cfg is an orphan that
 * the realm's creation replaces or removes; side keeps the old bytes so
 * that the caller can put them back if writing domains.cfg then fails
 * (store_side_undo).  A realm's deletion removes the file after
 * domains.cfg instead (domains_delete).
 */
static int
pw_write(struct store_side *side, const char *password, struct err *err)
{
	if (password == NULL)
		return store_side_remove(side, err);
	return store_side_write(side, password, strlen(password), err);
}

static int
store_pw(struct api_env *env, const char *realm, const char *password,
    struct store_side *side, struct err *err)
{
	if (pw_begin(env, realm, side, err) < 0)
		return -1;
	return pw_write(side, password, err);
}

static bool
type_has_password(const char *type)
{
	return strcmp(type, "ldap") == 0 || strcmp(type, "ad") == 0;
}

/*
 * check-connection: test the realm as it would be saved (d holds the new
 * settings), with the new password when one is given.  Runs before any
 * file is written, so a failed check changes nothing.
 */
static int
check_connection(const struct api_call *c, const struct domains_cfg *d,
    const char *realm, const char *password, struct err *err)
{
	const struct domains_realm *r = domains_realm_find(d, realm);
	const struct realm_ops *ops;
	struct realm_ctx ctx;
	struct buf report = BUF_INIT;
	int rc;

	if (!param_bool(c, "check-connection", false) || r == NULL)
		return 0;
	ops = realm_driver(realm_type_name(r->type));
	if (ops == NULL || ops->check == NULL)
		return err_set(err, ERR_INVALID, "check-connection is only "
		    "available for LDAP/AD realms");
	api_realm_ctx(c->env, r, &ctx);
	rc = ops->check(&ctx, password, &report, err);
	buf_clear(&report);
	if (rc < 0)
		err->code = ERR_INVALID;
	return rc;
}

/* realmgate writes verify 1 for the ldap/ad realms it creates. */
static void
default_verify(struct props *p, const char *type)
{
	size_t i;

	if (type == NULL || !type_has_password(type))
		return;
	for (i = 0; i < p->n; i++)
		if (strcmp(p->v[i].key, "verify") == 0)
			return;
	p->v = xreallocarray(p->v, p->n + 1, sizeof(*p->v));
	p->v[p->n].key = "verify";
	p->v[p->n].value = "1";
	p->n++;
}

static int
domains_create(struct api_call *c, json_t **result_r, struct err *err)
{
	const char *realm = param_str(c, "realm"), *type = param_str(c, "type");
	struct cfs_lock *lock = NULL;
	struct domains_cfg *d = NULL;
	struct store_side pw;
	struct props p;
	int rc = -1;

	*result_r = json_null();
	store_side_init(&pw);
	collect_props(c, &p);
	if (validate_props(c, &p, err) < 0) {
		free(p.v);
		return -1;
	}
	default_verify(&p, type);
	if (cfs_lock(c->env->config_dir, "file-domains_cfg", CFG_LOCK_TIMEOUT,
	    &lock, err) < 0)
		goto out;
	pw_clean_temps(c->env);
	if (domains_load(c->env->config_dir, NULL, &d, err) < 0 ||
	    domains_realm_create(d, realm, type, p.v, p.n, err) < 0 ||
	    check_connection(c, d, realm, p.password, err) < 0)
		goto out;
	/*
	 * a .pw left under the name (a realm deleted and killed before it
	 * removed the file, or created and killed before domains.cfg) is
	 * replaced or removed first: never a new realm's bind password
	 */
	if (store_pw(c->env, realm, type_has_password(type) ? p.password :
	    NULL, &pw, err) < 0)
		goto out;
	testpoint("between-writes", "realm-create");
	rc = domains_save(c->env->config_dir, d, err);
out:
	if (rc < 0)
		store_side_undo(c->env, &pw);
	store_side_end(&pw);
	if (lock != NULL)
		cfs_unlock(lock);
	domains_free(d);
	free(p.v);
	return rc < 0 ? api_fail(err, "create auth server") : 0;
}

/*
 * The pam realm holds root@pam, the way in when everything else is broken
 * (and the only account a non-root holder of Realm.Allocate could not lock
 * out otherwise): it cannot be disabled, by anyone.  realmgate's choice
 * (issue 9); Proxmox has no disable flag.
 */
static int
pam_disable_refused(const struct api_call *c, const char *realm,
    const struct props *p, struct err *err)
{
	size_t i;

	if (strcmp(realm, "pam") != 0)
		return 0;
	for (i = 0; i < p->n; i++)
		if (strcmp(p->v[i].key, "disable") == 0 &&
		    p->v[i].value != NULL && strcmp(p->v[i].value, "0") != 0)
			return api_param_error(c->env, err, "disable",
			    "the 'pam' realm cannot be disabled: root@pam must "
			    "always be able to log in");
	return 0;
}

static int
domains_update(struct api_call *c, json_t **result_r, struct err *err)
{
	const char *realm = param_str(c, "realm"), *del_s;
	struct cfs_lock *lock = NULL;
	struct domains_cfg *d = NULL;
	const struct domains_realm *r;
	struct str_list dels = {NULL, 0}, opts = {NULL, 0};
	struct store_side pw;
	bool del_pw = false;
	struct props p;
	size_t i;
	int rc = -1;

	*result_r = json_null();
	store_side_init(&pw);
	collect_props(c, &p);
	del_s = param_str(c, "delete");
	if (del_s != NULL)
		str_list_split(&dels, del_s);
	for (i = 0; i < dels.n; i++) {
		if (strcmp(dels.v[i], "password") == 0)
			del_pw = true;
		else
			str_list_add(&opts, dels.v[i], strlen(dels.v[i]));
	}
	if (validate_props(c, &p, err) < 0 ||
	    pam_disable_refused(c, realm, &p, err) < 0) {
		rc = -1;
		goto done;
	}
	if (p.n == 0 && dels.n == 0 && p.password == NULL) {
		err_set(err, ERR_INVALID, "no options specified");
		goto out;
	}
	if (cfs_lock(c->env->config_dir, "file-domains_cfg", CFG_LOCK_TIMEOUT,
	    &lock, err) < 0)
		goto out;
	pw_clean_temps(c->env);
	if (domains_load(c->env->config_dir, NULL, &d, err) < 0)
		goto out;
	if ((r = domains_realm_require(d, realm, err)) == NULL)
		goto out;
	if ((p.n > 0 || opts.n > 0 || param_has(c, "digest")) &&
	    domains_realm_update(d, realm, p.v, p.n,
	    (const char *const *)opts.v, opts.n, param_str(c, "digest"),
	    err) < 0)
		goto out;
	if (check_connection(c, d, realm, del_pw ? "" : p.password, err) < 0)
		goto out;
	if (type_has_password(realm_type_name(r->type)) &&
	    (p.password != NULL || del_pw) &&
	    store_pw(c->env, realm, del_pw ? NULL : p.password, &pw,
	    err) < 0)
		goto out;
	rc = domains_save(c->env->config_dir, d, err);
out:
	if (rc < 0) {
		store_side_undo(c->env, &pw);
		api_fail(err, "update auth server");
	}
done:
	store_side_end(&pw);
	if (lock != NULL)
		cfs_unlock(lock);
	domains_free(d);
	str_list_clear(&dels);
	str_list_clear(&opts);
	free(p.v);
	return rc;
}

static int
domains_delete(struct api_call *c, json_t **result_r, struct err *err)
{
	const char *realm = param_str(c, "realm");
	struct cfs_lock *lock = NULL;
	struct domains_cfg *d = NULL;
	struct store_side pw;
	int rc = -1;

	*result_r = json_null();
	/* Proxmox deletes them and reads them back at once: a silent no-op */
	if (strcmp(realm, "pam") == 0 || strcmp(realm, "pve") == 0)
		return api_param_error(c->env, err, "realm",
		    "cannot delete built-in realm '%s'", realm);
	store_side_init(&pw);
	if (cfs_lock(c->env->config_dir, "file-domains_cfg", CFG_LOCK_TIMEOUT,
	    &lock, err) < 0)
		goto out;
	pw_clean_temps(c->env);
	if (domains_load(c->env->config_dir, NULL, &d, err) < 0 ||
	    domains_realm_delete(d, realm, err) < 0 ||
	    pw_begin(c->env, realm, &pw, err) < 0)
		goto out;
	/*
	 * domains.cfg first: once written the realm is gone, and a crash or
	 * a failure after it leaves at worst an orphaned .pw, which a realm
	 * created anew under the name replaces or removes (domains_create).
	 * The other order left a realm without its bind password.
	 */
	if (domains_save(c->env->config_dir, d, err) < 0)
		goto out;
	testpoint("between-writes", "realm-delete");
	rc = 0;
	if (pw_write(&pw, NULL, err) < 0)
		store_orphan_left(c->env, buf_str(&pw.path), err);
out:
	store_side_end(&pw);
	if (lock != NULL)
		cfs_unlock(lock);
	domains_free(d);
	return rc < 0 ? api_fail(err, "delete auth server") : 0;
}

/* The create/update schemas: our extras plus every realm property. */
static struct param_def create_params[DP_COUNT + 8];
static struct param_def update_params[DP_COUNT + 8];

static void
build_params(void)
{
	struct param_def *sets[2] = {create_params, update_params};
	int s;
	unsigned p;

	for (s = 0; s < 2; s++) {
		struct param_def *d = sets[s];
		size_t n = 0;

		d[n++] = (struct param_def){"realm", PT_STRING, false,
		    .format = "pve-realm", .max_len = 32};
		if (s == 0)
			d[n++] = (struct param_def){"type", PT_ENUM, false,
			    .enum_values = "ad|ldap|openid|pam|pve"};
		else {
			d[n++] = (struct param_def){"delete", PT_LIST, true};
			d[n++] = (struct param_def){"digest", PT_STRING, true,
			    .max_len = 64};
		}
		d[n++] = (struct param_def){"check-connection", PT_BOOL, true};
		for (p = 0; p < DP_COUNT; p++) {
			const struct dom_prop_def *def = domains_prop_def(p);

			d[n++] = (struct param_def){def->name,
			    def->vtype == DV_BOOL ? PT_BOOL : PT_STRING, true};
		}
		d[n] = (struct param_def){NULL};
	}
}

static pthread_once_t params_once = PTHREAD_ONCE_INIT;

static const struct param_def realm_param[] = {
	{"realm", PT_STRING, false, .format = "pve-realm", .max_len = 32},
	{NULL},
};

static const struct param_def no_params[] = {{NULL}};

static const struct return_prop index_returns[] = {
	{"realm", RT_STRING, false, NULL},
	{"type", RT_STRING, false, NULL},
	{"comment", RT_STRING, true, NULL},
	{"default", RT_BOOLEAN, true, NULL},
	{"tfa", RT_STRING, true, NULL},
	{NULL},
};

const struct api_method api_domains_methods[] = {
	{"GET", "/access/domains", domains_index, no_params, index_returns,
	    "Authentication domain index."},
	{"POST", "/access/domains", domains_create, create_params, NULL,
	    "Add an authentication server."},
	{"GET", "/access/domains/{realm}", domains_read, realm_param, NULL,
	    "Get auth server configuration."},
	{"PUT", "/access/domains/{realm}", domains_update, update_params, NULL,
	    "Update authentication server settings."},
	{"DELETE", "/access/domains/{realm}", domains_delete, realm_param,
	    NULL, "Delete an authentication server."},
	{NULL},
};

void
api_domains_init(void)
{
	pthread_once(&params_once, build_params);
}
