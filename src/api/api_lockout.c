/*
 * /access/lockouts (realmgate's, beyond Proxmox): the first-factor
 * lockouts of lockout.h for admins - the counters and locks, unlocking a
 * user or an address, and the settings.
 *
 *   GET    /access/lockouts                     Sys.Audit on /access
 *   DELETE /access/lockouts/user/{userid}       User.Modify (userid-group),
 *                                               as PUT .../unlock-tfa
 *   DELETE /access/lockouts/address/{address}   Sys.Modify on /access
 *   GET    /access/lockouts/options             Sys.Audit on /access
 *   PUT    /access/lockouts/options             Sys.Modify on /access
 */
#include "cfs/cfs.h"
#include "api_int.h"
#include "files/lock.h"
#include "lockout/lockout.h"
#include "str.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

struct entry {
	enum lockout_kind kind;
	const struct lockout_rec *rec;
};

static int
entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return strcmp(x->rec->id, y->rec->id);
}

static int
lockouts_index(struct api_call *c, json_t **result_r, struct err *err)
{
	struct lockout_opts lo;
	struct lockout_state s;
	struct entry *e;
	time_t now = lockout_now();
	size_t n = 0, i;
	int k;

	lockout_opts_load(c->env->config_dir, &lo, &c->env->warnings);
	if (lockout_read(c->env->config_dir, &lo, now, &s, err) < 0)
		return api_fail(err, "reading the lockout state");
	e = xcalloc(s.n[0] + s.n[1] + 1, sizeof(*e));
	for (k = 0; k < LOCKOUT_KINDS; k++)
		for (i = 0; i < s.n[k]; i++)
			e[n++] = (struct entry){(enum lockout_kind)k,
			    &s.recs[k][i]};
	qsort(e, n, sizeof(*e), entry_cmp);
	*result_r = json_array();
	for (i = 0; i < n; i++) {
		json_t *o = json_pack("{s:s, s:s, s:I}", "kind",
		    lockout_kind_name(e[i].kind), "id", e[i].rec->id,
		    "failures", (json_int_t)e[i].rec->ntimes);

		if (e[i].rec->locked_until > now)
			json_object_set_new(o, "locked-until",
			    json_integer(e[i].rec->locked_until));
		json_array_append_new(*result_r, o);
	}
	free(e);
	lockout_state_clear(&s);
	return 0;
}

static int
unlock(struct api_call *c, enum lockout_kind k, const char *id,
    json_t **result_r, struct err *err)
{
	struct lockout_opts lo;
	bool found;

	lockout_opts_load(c->env->config_dir, &lo, &c->env->warnings);
	if (lockout_unlock(c->env->config_dir, &lo, k, id, lockout_now(),
	    c->env->authid, c->env->client, &found, err) < 0)
		return api_fail(err, "unlocking");
	*result_r = json_boolean(found);
	return 0;
}

static int
lockouts_unlock_user(struct api_call *c, json_t **result_r, struct err *err)
{
	return unlock(c, LOCKOUT_USER, param_str(c, "userid"), result_r, err);
}

static int
lockouts_unlock_address(struct api_call *c, json_t **result_r,
    struct err *err)
{
	return unlock(c, LOCKOUT_ADDRESS, param_str(c, "address"), result_r,
	    err);
}

static json_t *
options_json(const struct lockout_opts *lo)
{
	json_t *o = json_object();
	struct buf v = BUF_INIT;
	size_t i;

	for (i = 0; lockout_opt_names[i] != NULL; i++) {
		const char *name = lockout_opt_names[i];

		lockout_opts_get(lo, name, &v);
		if (strcmp(name, "trusted") == 0)
			json_object_set_new(o, name, json_string(buf_str(&v)));
		else
			json_object_set_new(o, name,
			    json_integer(strtoll(buf_str(&v), NULL, 10)));
	}
	buf_clear(&v);
	return o;
}

static int
options_read(struct api_call *c, json_t **result_r, struct err *err)
{
	struct lockout_opts lo;

	(void)err;
	lockout_opts_load(c->env->config_dir, &lo, &c->env->warnings);
	*result_r = options_json(&lo);
	return 0;
}

/* Each option given (or deleted) into lo; param errors name the option. */
static int
options_apply(struct api_call *c, struct lockout_opts *lo, struct err *err)
{
	struct lockout_opts def;
	struct str_list dels = {0};
	struct buf text = BUF_INIT;
	size_t i;
	int rc = 0;

	lockout_opts_default(&def);
	if (param_has(c, "delete"))
		str_list_split(&dels, param_str(c, "delete"));
	for (i = 0; i < dels.n && rc == 0; i++) {
		lockout_opts_get(&def, dels.v[i], &text);
		if (text.len == 0 && strcmp(dels.v[i], "trusted") != 0)
			rc = api_param_error(c->env, err, "delete", "unknown "
			    "option '%s'", dels.v[i]);
		else if (param_has(c, dels.v[i]))
			rc = api_param_error(c->env, err, "delete", "cannot set "
			    "and delete '%s' at once", dels.v[i]);
		else if (lockout_opts_set(lo, dels.v[i], buf_str(&text),
		    err) < 0)
			rc = api_param_error(c->env, err, "delete", "%s",
			    err->msg);
	}
	for (i = 0; lockout_opt_names[i] != NULL && rc == 0; i++) {
		const char *name = lockout_opt_names[i];

		if (!param_has(c, name))
			continue;
		buf_reset(&text);
		if (strcmp(name, "trusted") == 0)
			buf_puts(&text, param_str(c, name));
		else
			buf_putf(&text, "%lld", param_int(c, name, 0));
		if (lockout_opts_set(lo, name, buf_str(&text), err) < 0)
			rc = api_param_error(c->env, err, name, "%s",
			    err->msg);
	}
	str_list_clear(&dels);
	buf_clear(&text);
	return rc;
}

static int
options_update(struct api_call *c, json_t **result_r, struct err *err)
{
	struct cfs_lock *lock = NULL;
	struct lockout_opts lo;
	char *lockid = cfg_lockid_for_file(LOCKOUT_CFG_FILE);
	int rc = -1;

	if (cfs_lock(c->env->config_dir, lockid, CFG_LOCK_TIMEOUT, &lock,
	    err) < 0)
		goto out;
	lockout_opts_load(c->env->config_dir, &lo, &c->env->warnings);
	if (options_apply(c, &lo, err) < 0 ||
	    lockout_opts_save(c->env->config_dir, &lo, err) < 0)
		goto out;
	*result_r = json_null();
	rc = 0;
out:
	cfs_unlock(lock);
	free(lockid);
	return rc < 0 ? api_fail(err, "update lockout options") : 0;
}

static const struct param_def no_params[] = {{NULL}};

static const struct param_def user_params[] = {
	{"userid", PT_STRING, false, .format = "pve-userid",
	    .desc = "The user whose password logins to unlock."},
	{NULL},
};

static const struct param_def address_params[] = {
	{"address", PT_STRING, false, .format = "ip", .desc = "The client "
	    "address to unlock (an IPv6 address stands for its /64)."},
	{NULL},
};

#define FAILURES(kind, d)                                                  \
	{kind "-failures", PT_INT, true, .min = 0,                         \
	    .max = LOCKOUT_FAILURES_MAX, .def = d, .desc = "Failed "       \
	    "passwords within the window that lock (0: never)."}
#define SECONDS(name, d, what)                                             \
	{name, PT_INT, true, .min = 1, .max = LOCKOUT_TIME_MAX, .def = d,  \
	    .desc = what}

static const struct param_def options_params[] = {
	FAILURES("user", "5"),
	SECONDS("user-window", "900", "Seconds over which a user's failed "
	    "passwords count."),
	SECONDS("user-lock", "900", "Seconds a user's password logins stay "
	    "locked."),
	FAILURES("address", "50"),
	SECONDS("address-window", "900", "Seconds over which an address's "
	    "failed passwords count."),
	SECONDS("address-lock", "900", "Seconds an address stays locked."),
	{"trusted", PT_STRING, true, .max_len = 4096,
	    .def = "127.0.0.0/8,::1/128", .desc = "Networks (CIDR) never "
	    "locked, from which root@pam is never locked either."},
	{"delete", PT_LIST, true, .max_len = 4096,
	    .desc = "Options to set back to their defaults."},
	{NULL},
};

static const struct return_prop index_returns[] = {
	{"kind", RT_STRING, false, NULL},
	{"id", RT_STRING, false, NULL},
	{"failures", RT_INTEGER, false, NULL},
	{"locked-until", RT_INTEGER, true, "timestamp"},
	{NULL},
};

const struct api_method api_lockout_methods[] = {
	{"GET", "/access/lockouts", lockouts_index, no_params, index_returns,
	    "Failed-password counters and locks of users and client "
	    "addresses.", .reads_priv = true},
	{"DELETE", "/access/lockouts/user/{userid}", lockouts_unlock_user,
	    user_params, NULL, "Unlock a user's password logins and forget "
	    "its failed passwords."},
	{"DELETE", "/access/lockouts/address/{address}",
	    lockouts_unlock_address, address_params, NULL, "Unlock a client "
	    "address and forget its failed passwords."},
	{"GET", "/access/lockouts/options", options_read, no_params, NULL,
	    "Read the lockout settings.", .reads_priv = true},
	{"PUT", "/access/lockouts/options", options_update, options_params,
	    NULL, "Change the lockout settings."},
	{NULL},
};
