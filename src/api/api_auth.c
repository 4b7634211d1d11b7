/*
 * Credential checks shared by the front and authd (see api_auth.h).
 */
#include "api_auth.h"
#include "files/tokencfg.h"
#include "ids.h"
#include "store.h"
#include "ticket/authkey.h"
#include "ticket/pveticket.h"

#include <stdlib.h>
#include <string.h>

int
api_auth_user_usable(const struct ucfg *cfg, const char *userid, time_t now,
    struct err *err)
{
	const struct ucfg_user *u = ucfg_user(cfg, userid);

	if (u == NULL)
		return err_set(err, ERR_AUTH, "user '%s' does not exist",
		    userid);
	if (!u->enable)
		return err_set(err, ERR_AUTH, "user '%s' is disabled", userid);
	if (u->expire > 0 && u->expire < now)
		return err_set(err, ERR_AUTH, "user '%s' access expired",
		    userid);
	return 0;
}

int
api_auth_token_usable(const struct ucfg *cfg, const char *tokenid,
    time_t now, struct err *err)
{
	const struct ucfg_token *t;

	if (!id_token_valid(tokenid, strlen(tokenid), NULL))
		return err_set(err, ERR_AUTH, "invalid token id");
	t = ucfg_token(cfg, tokenid);
	if (t == NULL)
		return err_set(err, ERR_AUTH, "no such token '%s'", tokenid);
	if (api_auth_user_usable(cfg, t->user->id, now, err) < 0)
		return -1;
	if (t->expire > 0 && t->expire < now)
		return err_set(err, ERR_AUTH, "token '%s' access expired",
		    tokenid);
	return 0;
}

int
api_auth_ticket(struct api_env *env, const struct ucfg *cfg,
    const char *ticket, size_t len, struct buf *userid_r, struct err *err)
{
	struct pve_pubkeys pk;
	char *userid = NULL;
	int64_t age;
	int rc = -1;

	memset(&pk, 0, sizeof(pk));
	if (authkey_get_pubkeys(store_authkeys(env), &pk, err) < 0 ||
	    pve_ticket_verify_login(&pk, ticket, len, env->now, &userid, &age,
	    err) < 0) {
		err->code = ERR_AUTH;
		goto out;
	}
	if (api_auth_user_usable(cfg, userid, env->now, err) < 0)
		goto out;
	buf_reset(userid_r);
	buf_puts(userid_r, userid);
	rc = 0;
out:
	free(userid);
	pve_pubkeys_clear(&pk);
	return rc;
}

int
api_auth_token(struct api_env *env, const struct ucfg *cfg,
    const char *tokenid, const char *secret, struct err *err)
{
	struct tokencfg *t = NULL;
	bool ok;

	if (api_auth_token_usable(cfg, tokenid, env->now, err) < 0)
		return -1;
	if (tokencfg_load(env->config_dir, NULL, &t, err) < 0) {
		err->code = ERR_AUTH;
		return -1;
	}
	ok = tokencfg_verify(t, tokenid, secret);
	tokencfg_free(t);
	if (!ok)
		return err_set(err, ERR_AUTH, "invalid token value for '%s'",
		    tokenid);
	return 0;
}
