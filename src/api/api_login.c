/*
 * Authentication as POST /access/ticket does it (spec 8.1 and 10.3 without
 * second factors): find the user (case-insensitively where the realm says
 * so), require it enabled and unexpired, refuse disabled realms
 * (realmgate's `disable`, for when a directory breaks), then accept a valid
 * ticket of the same user or of root@pam, or check the password through
 * the realm's driver.  Every refusal has a precise reason for the log; the
 * HTTP layer shows the client one message for all of them.
 *
 * Password checks go through the lockout counters (lockout.h): the attempt
 * is counted before the check and uncounted when the password was right
 * or the realm could not tell; a locked user or address is refused after
 * the same hashing work as a wrong password, and refusals before any
 * check (no such user, ...) count against the client's address.
 */
#include "api_login.h"
#include "sync/sync.h"
#include "store.h"
#include "api_int.h"
#include "files/domains.h"
#include "realm.h"
#include "realm_pve.h"
#include "xalloc.h"
#include "ticket/authkey.h"
#include "ticket/pveticket.h"
#include "lockout/lockout.h"

#include <stdlib.h>
#include <string.h>

#define deny(err, ...) err_set((err), ERR_AUTH, __VA_ARGS__)

int
api_user_usable(const struct ucfg_user *u, time_t now, struct err *err)
{
	if (!u->enable)
		return deny(err, "user '%s' is disabled", u->id);
	if (u->expire > 0 && u->expire < now)
		return deny(err, "user '%s' access expired", u->id);
	return 0;
}

/* Is password a valid login ticket of userid (or of root@pam)? */
static bool
ticket_accepted(struct api_env *env, const char *userid, const char *password)
{
	struct authkey_store *ks;
	struct pve_pubkeys keys;
	char *who = NULL;
	int64_t age;
	struct err err;
	bool ok = false;

	if (strncmp(password, "PVE:", 4) != 0)
		return false;
	ks = store_authkeys(env);
	memset(&keys, 0, sizeof(keys));
	if (authkey_get_pubkeys(ks, &keys, &err) == 0 &&
	    pve_ticket_verify_login(&keys, password, strlen(password), env->now,
	    &who, &age, &err) == 0)
		ok = strcmp(who, userid) == 0 || strcmp(who, "root@pam") == 0;
	free(who);
	pve_pubkeys_clear(&keys);
	return ok;
}

static int
check_password(struct api_env *env, const char *userid, const char *password,
    const struct domains_realm *r, struct err *err)
{
	struct realm_ctx ctx;
	const char *at = strrchr(userid, '@');
	char *name = xstrndup(userid, (size_t)(at - userid));
	enum realm_result res;

	api_realm_ctx(env, r, &ctx);
	res = realm_authenticate(&ctx, name, password, env->client, err);
	free(name);
	if (res == REALM_OK)
		return 0;
	if (err->code != ERR_AUTH && res != REALM_UNAVAILABLE)
		err->code = ERR_AUTH;
	return -1;
}

/*
 * login-groups: the user's memberships in the realm's existing groups
 * follow the directory at each login.  Groups not in user.cfg yet wait for
 * the next sync.  A failed lookup keeps the old memberships (the login
 * itself has succeeded) and leaves a warning.
 */
static void
refresh_groups(struct api_env *env, const struct domains_realm *r,
    const char *userid)
{
	const struct realm_ops *ops = realm_driver(realm_type_name(r->type));
	const char *at = strrchr(userid, '@');
	struct sync_data d;
	struct realm_ctx ctx;
	struct store_tx tx;
	struct err err;
	const char *u;
	char *name;
	size_t it = 0;
	void *v;
	bool changed = false;

	if (ops == NULL || ops->user_groups == NULL ||
	    !domains_realm_bool(r, DP_LOGIN_GROUPS, false) || at == NULL)
		return;
	memset(&tx, 0, sizeof(tx));
	sync_data_init(&d);
	api_realm_ctx(env, r, &ctx);
	name = xstrndup(userid, (size_t)(at - userid));
	if (ops->user_groups(&ctx, name, &d, &err) < 0 ||
	    store_begin_user(env, &tx, &err) < 0) {
		diag_add(&env->warnings, NULL, 0, false, "group refresh of %s "
		    "at login failed, memberships kept: %s", userid, err.msg);
		goto out;
	}
	/* the user exists in user.cfg, so its id is interned there */
	u = strpool_find(&tx.ucfg->pool, userid);
	while (u != NULL && hmap_next(&tx.ucfg->groups, &it, NULL, &v)) {
		struct ucfg_group *g = v;
		bool want = hmap_has(&d.group_by_id, g->id);

		if (!sync_in_realm(g->id, '-', r->id) ||
		    want == hmap_has(&g->members, u))
			continue;
		if (want)
			ucfg_group_add_member(tx.ucfg, g, u);
		else
			ucfg_group_del_member(tx.ucfg, g, u);
		changed = true;
	}
	if (changed && store_commit_user(env, &tx, &err) < 0)
		diag_add(&env->warnings, NULL, 0, false, "group refresh of %s "
		    "at login not saved: %s", userid, err.msg);
out:
	store_end(&tx);
	sync_data_clear(&d);
	free(name);
}

/* Refused before any password check: counts against the address. */
static void
count_address_failure(struct api_env *env, const struct lockout_opts *lo,
    time_t now)
{
	struct lockout_attempt att;
	struct err err;

	if (lockout_reserve(env->config_dir, lo, NULL, env->client, now, &att,
	    &err) == 0)
		lockout_fail(env->config_dir, lo, &att, now);
}

/* The password check with its reservation; -1 when refused or wrong. */
static int
counted_check(struct api_env *env, const struct lockout_opts *lo,
    const char *userid, const char *password, const struct domains_realm *r,
    struct err *err)
{
	struct lockout_attempt att;
	time_t now = lockout_now();
	int rc;

	if (lockout_reserve(env->config_dir, lo, userid, env->client, now,
	    &att, err) < 0) {
		/* as long as a wrong password takes */
		realm_pve_equal_work(password);
		return -1;
	}
	rc = check_password(env, userid, password, r, err);
	if (rc == 0 || err->code == ERR_UNAVAILABLE) {
		/* right, or the realm could not tell: not a failure */
		lockout_release(env->config_dir, lo, &att, lockout_now());
		return rc;
	}
	lockout_fail(env->config_dir, lo, &att, lockout_now());
	return -1;
}

/*
 * The user behind username, as every login needs it: a valid id, stored
 * (case-insensitively where the realm says so), enabled, unexpired, in a
 * realm that exists and is not disabled.  *u_r and *r_r point into *cfg_r
 * and *d_r, which the caller releases (also on failure).
 */
static int
resolve_user(struct api_env *env, const char *username, struct ucfg **cfg_r,
    struct domains_cfg **d_r, const struct ucfg_user **u_r,
    const struct domains_realm **r_r, struct err *err)
{
	struct buf realm = BUF_INIT;
	const char *found;
	const struct ucfg_user *u;
	int rc = -1;

	*cfg_r = NULL;
	*d_r = NULL;
	if (id_user_check(username, err) < 0) {
		err->code = ERR_AUTH;
		return -1;
	}
	if (store_read_user(env, cfg_r, err) < 0)
		return -1;
	if (api_user_lookup(env, *cfg_r, username, &found, err) < 0) {
		err->code = ERR_AUTH;
		return -1;
	}
	u = found != NULL ? ucfg_user(*cfg_r, found) : NULL;
	if (u == NULL)
		return deny(err, "no such user ('%s')", username);
	if (api_user_usable(u, env->now, err) < 0)
		return -1;
	api_realm_of(u->id, &realm);
	if (domains_load(env->config_dir, NULL, d_r, err) < 0)
		goto out;
	*r_r = domains_realm_find(*d_r, buf_str(&realm));
	if (*r_r == NULL) {
		deny(err, "authentication domain '%s' does not exist",
		    buf_str(&realm));
		goto out;
	}
	if (domains_realm_bool(*r_r, DP_DISABLE, false)) {
		deny(err, "realm '%s' is disabled", (*r_r)->id);
		goto out;
	}
	*u_r = u;
	rc = 0;
out:
	buf_clear(&realm);
	return rc;
}

int
api_login_user(struct api_env *env, const char *username,
    struct buf *userid_r, struct err *err)
{
	struct domains_cfg *d;
	const struct domains_realm *r = NULL;
	struct ucfg *cfg;
	const struct ucfg_user *u = NULL;
	int rc;

	rc = resolve_user(env, username, &cfg, &d, &u, &r, err);
	if (rc == 0) {
		buf_reset(userid_r);
		buf_puts(userid_r, u->id);
	}
	domains_free(d);
	store_release_user(cfg);
	return rc;
}

int
api_login(struct api_env *env, const char *username, const char *password,
    bool allow_ticket, bool *by_ticket_r, struct buf *userid_r,
    struct err *err)
{
	struct domains_cfg *d = NULL;
	const struct domains_realm *r = NULL;
	struct ucfg *cfg = NULL;
	const struct ucfg_user *u = NULL;
	bool checked = false;	/* a password or ticket was checked */
	bool by_ticket = false;
	struct lockout_opts lo;
	int rc = -1;

	err_clear(err);
	if (env->client != NULL)
		lockout_opts_load(env->config_dir, &lo, &env->warnings);
	else
		lockout_opts_default(&lo);	/* nothing is counted */
	if (resolve_user(env, username, &cfg, &d, &u, &r, err) < 0)
		goto out;
	checked = true;
	if (allow_ticket && ticket_accepted(env, u->id, password)) {
		/* ticket renewal: no directory round trip, nothing to count */
		by_ticket = true;
	} else if (counted_check(env, &lo, u->id, password, r, err) < 0) {
		goto out;
	} else {
		refresh_groups(env, r, u->id);
	}
	buf_reset(userid_r);
	buf_puts(userid_r, u->id);
	if (by_ticket_r != NULL)
		*by_ticket_r = by_ticket;
	rc = 0;
out:
	/* refused before any check: as long as a wrong password takes */
	if (rc < 0 && !checked) {
		if (err->code == ERR_AUTH)
			count_address_failure(env, &lo, lockout_now());
		realm_pve_equal_work(password);
	}
	domains_free(d);
	store_release_user(cfg);
	return rc;
}
