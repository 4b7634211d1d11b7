/*
 * Authentication as POST /access/ticket does it (spec 8.1 and 10.3 without
 * second factors): find the user (case-insensitively where the realm says
 * so), require it enabled and unexpired, refuse disabled realms
 * (realmgate's `disable`, for when a directory breaks), then accept a valid
 * ticket of the same user or of root@pam, or check the password through
 * the realm's driver.  Every refusal has a precise reason for the log; the
 * HTTP layer shows the client one message for all of them.
 */
#include "api_login.h"
#include "api_int.h"
#include "files/domains.h"
#include "realm.h"
#include "xalloc.h"
#include "ticket/authkey.h"
#include "ticket/pveticket.h"

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

int
api_login(struct api_env *env, const char *username, const char *password,
    bool allow_ticket, struct buf *userid_r, struct err *err)
{
	struct domains_cfg *d = NULL;
	const struct domains_realm *r;
	struct ucfg *cfg = NULL;
	const char *found;
	struct ucfg_user *u;
	struct buf realm = BUF_INIT;
	int rc = -1;

	if (id_user_check(username, err) < 0) {
		err->code = ERR_AUTH;
		return -1;
	}
	if (store_read_user(env, &cfg, err) < 0)
		goto out;
	if (api_user_lookup(env, cfg, username, &found, err) < 0) {
		err->code = ERR_AUTH;
		goto out;
	}
	u = found != NULL ? ucfg_user(cfg, found) : NULL;
	if (u == NULL) {
		deny(err, "no such user ('%s')", username);
		goto out;
	}
	if (api_user_usable(u, env->now, err) < 0)
		goto out;
	api_realm_of(u->id, &realm);
	if (domains_load(env->config_dir, NULL, &d, err) < 0)
		goto out;
	r = domains_realm_find(d, buf_str(&realm));
	if (r == NULL) {
		deny(err, "authentication domain '%s' does not exist",
		    buf_str(&realm));
		goto out;
	}
	if (domains_realm_bool(r, DP_DISABLE, false)) {
		deny(err, "realm '%s' is disabled", r->id);
		goto out;
	}
	if (!(allow_ticket && ticket_accepted(env, u->id, password)) &&
	    check_password(env, u->id, password, r, err) < 0)
		goto out;
	buf_reset(userid_r);
	buf_puts(userid_r, u->id);
	rc = 0;
out:
	domains_free(d);
	store_release_user(cfg);
	buf_clear(&realm);
	return rc;
}
