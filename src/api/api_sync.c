/*
 * POST /access/domains/{realm}/sync and `pveum realm sync` (spec 6.3).
 *
 * Options come from the request, else the realm's sync-defaults-options,
 * else the schema defaults.  Unlike Proxmox 9, the legacy `full` and
 * `purge` flags take effect when neither the request nor the realm gives
 * remove-vanished: full means entry;properties, purge means entry;acl,
 * and the task log names the remove-vanished equivalent, so the cron
 * recipes published for older versions do what they say.
 *
 * The directory is read first, without any lock; then user.cfg is locked,
 * re-read, changed in memory and written once.  A failed or partial read
 * changes nothing.  The task log (Proxmox's lines, then realmgate's diff
 * of every change) goes to env->task_log when the caller wants it (the
 * CLI prints it) and to local/tasks/ for the API's task viewer.
 */
#include "api_int.h"
#include "fileio.h"
#include "files/domains.h"
#include "realm.h"
#include "realm_ldap_sync.h"
#include "store.h"
#include "str.h"
#include "sync/sync.h"
#include "utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SYNC_MAX_REMOVE_DEFAULT 20

/* Proxmox's user schema checks for synced values (spec 6.3 step 1). */
static const char *
validate(enum sync_field f, const char *v, struct buf *msg)
{
	size_t len = strlen(v);

	if (!utf8_valid(v, len))
		return "value is not valid UTF-8";
	switch (f) {
	case SF_EXPIRE: {
		unsigned long long n;

		return str_to_u64(v, len, &n) ? NULL
		    : "value must be an integer >= 0";
	}
	case SF_FIRSTNAME:
	case SF_LASTNAME:
		return len > 1024 ? "value may only be 1024 characters long"
				  : NULL;
	case SF_COMMENT:
		return len > 2048 ? "value may only be 2048 characters long"
				  : NULL;
	case SF_EMAIL:
		return len > 254 ? "value may only be 254 characters long"
		    : api_check_format("email-opt", v, msg);
	case SF_KEYS:
		return api_check_format("pve-tfa-keys", v, msg);
	default:
		return NULL;
	}
}

struct sync_req {
	const char *scope;
	bool enable_new, dry_run, override_guard;
	struct buf rv;		/* "none" or "acl;entry;..." as printed */
	struct buf note;	/* the legacy-flag note, if any */
};

static bool
truthy(const char *v)
{
	return v != NULL && strcmp(v, "0") != 0;
}

/* Resolve the request's options against the realm's defaults. */
static int
resolve(struct api_call *c, const struct domains_realm *r,
    struct sync_req *q, struct domains_sync_defaults *def, struct err *err)
{
	const char *rv = param_str(c, "remove-vanished");
	bool full, purge;

	if (domains_sync_defaults_parse(domains_realm_get(r,
	    DP_SYNC_DEFAULTS), def, err) < 0)
		return err_prefix(err, "sync-defaults-options of realm '%s': ",
		    r->id);
	q->scope = param_str(c, "scope");
	if (q->scope == NULL)
		q->scope = def->scope;
	if (q->scope == NULL)
		return api_param_error(c->env, err, "scope", "Not passed as "
		    "parameter and not defined in realm default sync options.");
	q->enable_new = param_has(c, "enable-new")
	    ? param_bool(c, "enable-new", true)
	    : def->enable_new == NULL || truthy(def->enable_new);
	q->dry_run = param_bool(c, "dry-run", false);
	q->override_guard = param_bool(c, "override-guard", false);
	if (rv == NULL)
		rv = def->remove_vanished;
	full = param_has(c, "full") ? param_bool(c, "full", false)
				    : truthy(def->full);
	purge = param_has(c, "purge") ? param_bool(c, "purge", false)
				      : truthy(def->purge);
	if (rv != NULL) {
		buf_puts(&q->rv, rv);
	} else if (full || purge) {
		/* sorted like Proxmox prints remove-vanished lists */
		buf_puts(&q->rv, purge && full ? "acl;entry;properties"
		    : purge ? "acl;entry" : "entry;properties");
		buf_putf(&q->note, "NOTE: the deprecated option%s %s%s%s "
		    "is applied as remove-vanished '%s' (use that option "
		    "instead)\n", full && purge ? "s" : "",
		    full ? "'full'" : "", full && purge ? " and " : "",
		    purge ? "'purge'" : "", buf_str(&q->rv));
	} else {
		buf_puts(&q->rv, "none");
	}
	return 0;
}

static void
set_flags(const char *rv, struct sync_opts *o)
{
	o->rv_acl = strstr(rv, "acl") != NULL;
	o->rv_entry = strstr(rv, "entry") != NULL;
	o->rv_properties = strstr(rv, "properties") != NULL;
}

/* UPID:node:pid:pstart:starttime:type:id:user: (Proxmox's task id). */
static void
make_upid(const struct api_env *env, const char *type, const char *realm,
    struct buf *out)
{
	char host[256] = "localhost", *dot;

	if (gethostname(host, sizeof(host) - 1) == 0 &&
	    (dot = strchr(host, '.')) != NULL)
		*dot = '\0';
	buf_putf(out, "UPID:%s:%08X:%08X:%08llX:%s:%s:%s:", host,
	    (unsigned)getpid(), (unsigned)(clock() & 0xffffffff),
	    (unsigned long long)env->now, type, realm,
	    env->authid != NULL ? env->authid : "root@pam");
}

static const char *
what(const struct sync_opts *o)
{
	return o->users && o->groups ? "users and groups"
	    : o->users ? "users" : "groups";
}

static int
run_sync(struct api_call *c, const struct domains_realm *r,
    struct sync_req *q, struct buf *log, struct err *err)
{
	struct sync_data d;
	struct sync_opts o;
	struct sync_stats st;
	struct ldap_fetch_stats fs;
	struct realm_ctx ctx;
	struct store_tx tx;
	struct buf diff = BUF_INIT;
	const char *v;
	int rc = -1;

	memset(&o, 0, sizeof(o));
	memset(&tx, 0, sizeof(tx));
	memset(&st, 0, sizeof(st));
	o.realm = r->id;
	o.users = strcmp(q->scope, "users") == 0 ||
	    strcmp(q->scope, "both") == 0;
	o.groups = strcmp(q->scope, "groups") == 0 ||
	    strcmp(q->scope, "both") == 0;
	o.enable_new = q->enable_new;
	o.dry_run = q->dry_run;
	o.override_guard = q->override_guard;
	o.rv_text = buf_str(&q->rv);
	set_flags(o.rv_text, &o);
	v = domains_realm_get(r, DP_SYNC_MAX_REMOVE);
	o.max_remove_pct = v != NULL ? (unsigned)atoi(v)
				     : SYNC_MAX_REMOVE_DEFAULT;

	buf_putf(log, "%sstarting sync for realm %s\n",
	    q->dry_run ? "(dry test run) " : "", r->id);
	buf_puts(log, buf_str(&q->note));
	sync_data_init(&d);
	d.validate = validate;
	api_realm_ctx(c->env, r, &ctx);
	if (realm_ldap_fetch(&ctx, o.groups, &d, &fs, err) < 0)
		goto out;
	buf_puts(log, buf_str(&d.warnings));
	buf_putf(log, "got data from server, updating %s\n", what(&o));
	if (store_begin_user(c->env, &tx, err) < 0)
		goto out;
	if (sync_apply(tx.ucfg, &d, &o, log, &diff, &st, err) < 0)
		goto out;
	/*
	 * beyond Proxmox: removed users' token secrets go with them, in the
	 * same transaction (nothing is written if either file refuses)
	 */
	if (!o.dry_run && api_tokens_commit_purge(c->env, &tx,
	    (const char *const *)st.token_users.v, st.token_users.n,
	    err) < 0)
		goto out;
	buf_putf(log, "%s: %zu users read from %s in %zu pages, %zu groups; "
	    "users +%zu ~%zu -%zu, groups +%zu ~%zu -%zu, ACL entries -%zu\n",
	    o.dry_run ? "would change" : "changed", d.nusers, fs.server,
	    fs.user_pages, d.ngroups, st.users_added, st.users_changed,
	    st.users_removed, st.groups_added, st.groups_changed,
	    st.groups_removed, st.acl_removed);
	buf_put(log, diff.data, diff.len);
	if (o.dry_run)
		buf_puts(log, "NOTE: Dry test run, changes were NOT written to "
		    "the configuration.\n");
	else
		buf_putf(log, "successfully updated %s configuration\n",
		    what(&o));
	rc = 0;
out:
	store_end(&tx);
	sync_stats_clear(&st);
	sync_data_clear(&d);
	buf_clear(&diff);
	return rc;
}

static int
domains_sync(struct api_call *c, json_t **result_r, struct err *err)
{
	const char *realm = param_str(c, "realm");
	struct domains_cfg *d = NULL;
	const struct domains_realm *r;
	struct domains_sync_defaults def;
	struct sync_req q;
	struct buf log = BUF_INIT, upid = BUF_INIT;
	int rc = -1;

	*result_r = NULL;
	memset(&q, 0, sizeof(q));
	memset(&def, 0, sizeof(def));
	if (domains_load(c->env->config_dir, NULL, &d, err) < 0)
		goto out;
	if ((r = domains_realm_require(d, realm, err)) == NULL)
		goto out;
	if (!realm_has_caps(realm_type_name(r->type), REALM_CAP_SYNC)) {
		err_set(err, ERR_INVALID, "Cannot sync realm type '%s'! Only "
		    "LDAP/AD realms can be synced.", realm_type_name(r->type));
		goto out;
	}
	if (resolve(c, r, &q, &def, err) < 0)
		goto out;
	make_upid(c->env, q.dry_run ? "auth-realm-sync-test"
	    : "auth-realm-sync", r->id, &upid);
	rc = run_sync(c, r, &q, &log, err);
	if (rc < 0)
		buf_putf(&log, "TASK ERROR: %s\n", err->msg);
	else
		buf_puts(&log, "TASK OK\n");
	api_task_log_save(c->env, buf_str(&upid), &log);
	if (c->env->task_log != NULL)
		buf_put(c->env->task_log, log.data, log.len);
	if (rc == 0)
		*result_r = json_string(buf_str(&upid));
out:
	domains_free(d);
	domains_sync_defaults_clear(&def);
	buf_clear(&q.rv);
	buf_clear(&q.note);
	buf_clear(&log);
	buf_clear(&upid);
	return rc;
}

static const struct param_def sync_params[] = {
	{"realm", PT_STRING, false, .format = "pve-realm", .max_len = 32},
	{"scope", PT_ENUM, true, .enum_values = "users|groups|both"},
	{"enable-new", PT_BOOL, true},
	{"remove-vanished", PT_STRING, true, .max_len = 64},
	{"full", PT_BOOL, true},
	{"purge", PT_BOOL, true},
	{"dry-run", PT_BOOL, true},
	{"override-guard", PT_BOOL, true},
	{NULL},
};

const struct api_method api_sync_methods[] = {
	{"POST", "/access/domains/{realm}/sync", domains_sync, sync_params,
	    NULL, "Syncs users and/or groups from the configured LDAP to "
	    "user.cfg."},
	{NULL},
};
