/*
 * The shared half of the TFA management handlers (api_tfa_int.h): the
 * re-authentication, the realm's `tfa` option, the tfa.cfg + user.cfg
 * transaction with its `keys` marker, and the JSON shapes of listings.
 */
#include "api_tfa_int.h"
#include "api_login.h"
#include "files/domains.h"
#include "tfa/failures.h"

#include <stdlib.h>
#include <string.h>

int
api_tfa_reauth(struct api_call *c, const char *userid, struct err *err)
{
	const char *caller = c->env->authid != NULL ? c->env->authid :
	    "root@pam";
	const char *password = param_str(c, "password");
	struct buf me = BUF_INIT;
	struct ucfg *cfg;
	bool exists;
	int rc;

	if (store_read_user(c->env, &cfg, err) < 0)
		return -1;
	exists = ucfg_user(cfg, userid) != NULL;
	store_release_user(cfg);
	if (!exists)
		return err_set(err, ERR_NOT_FOUND, "no such user ('%s')",
		    userid);
	/* the daemon refuses tokens before; never let one through here */
	if (strchr(caller, '!') != NULL ||
	    (strcmp(userid, "root@pam") == 0 && strcmp(caller, "root@pam")))
		return err_set(err, ERR_DENIED, "Permission check failed");
	if (strcmp(caller, "root@pam") == 0)
		return 0;
	if (password == NULL)
		return api_param_error(c->env, err, "password",
		    "password is required to modify user");
	rc = api_login(c->env, caller, password, false, NULL, &me, err);
	buf_clear(&me);
	if (rc < 0 && err->code == ERR_AUTH)
		err_set(err, ERR_INVALID, "authentication failure");
	return rc;
}

int
api_tfa_realm(struct api_env *env, const char *userid, struct tfa_realm *rt,
    struct err *err)
{
	struct domains_cfg *d = NULL;
	const struct domains_realm *r;
	struct buf realm = BUF_INIT;
	int rc = -1;

	memset(rt, 0, sizeof(*rt));
	api_realm_of(userid, &realm);
	if (domains_load(env->config_dir, NULL, &d, err) < 0)
		goto out;
	r = domains_realm_find(d, buf_str(&realm));
	if (r == NULL)
		err_set(err, ERR_NOT_FOUND, "auth domain '%s' does not exist",
		    buf_str(&realm));
	else
		rc = tfa_realm_parse(domains_realm_get(r, DP_TFA), rt, err);
out:
	domains_free(d);
	buf_clear(&realm);
	return rc;
}

int
tfa_tx_begin(struct api_env *env, struct tfa_tx *tx, struct err *err)
{
	memset(tx, 0, sizeof(*tx));
	store_side_init(&tx->undo);
	if (store_begin_tfa(env, &tx->tfa, err) < 0)
		return -1;
	/* the lock is tx->tfa's: timeout -1 */
	return store_side_begin(env, TFACFG_FILE, -1, &tx->undo, err);
}

int
tfa_tx_user(struct api_env *env, struct tfa_tx *tx, struct err *err)
{
	if (tx->has_user)
		return 0;
	if (store_begin_user(env, &tx->user, err) < 0) {
		store_end(&tx->user);
		return -1;
	}
	tx->has_user = true;
	return 0;
}

void
tfa_tx_set_keys(struct tfa_tx *tx, const char *userid, const char *keys)
{
	struct ucfg_user *u = ucfg_user(tx->user.ucfg, userid);

	if (u == NULL)
		return;
	if (u->keys == NULL ? keys == NULL :
	    keys != NULL && strcmp(u->keys, keys) == 0)
		return;
	u->keys = keys != NULL ? ucfg_str(tx->user.ucfg, keys) : NULL;
	tx->user_changed = true;
}

int
tfa_tx_commit(struct api_env *env, struct tfa_tx *tx, struct err *err)
{
	/* a user.cfg that would be refused: before anything is written */
	if (tx->user_changed && store_check_user(env, &tx->user, err) < 0)
		return -1;
	if (store_commit_tfa(env, &tx->tfa, err) < 0 ||
	    (!tx->user_changed && store_flush(env, err) < 0))
		return -1;
	store_side_touched(&tx->undo);
	if (tx->user_changed && store_commit_user(env, &tx->user, err) < 0) {
		store_side_undo(env, &tx->undo);
		return -1;
	}
	return 0;
}

void
tfa_tx_end(struct tfa_tx *tx)
{
	if (tx->has_user)
		store_end(&tx->user);
	tx->has_user = false;
	store_side_end(&tx->undo);
	store_end_tfa(&tx->tfa);
}

int
api_tfa_mark_user(struct api_env *env, struct tfa_tx *tx, const char *userid,
    struct err *err)
{
	const struct ucfg_user *u = ucfg_user(tx->user.ucfg, userid);
	struct tfa_realm rt;
	size_t added;
	int rc = 0;

	if (u == NULL)
		return err_set(err, ERR_NOT_FOUND, "no such user ('%s')",
		    userid);
	if (tfa_keys_pending(u->keys, TFA_KEYS_AT_ADD)) {
		rc = api_tfa_realm(env, userid, &rt, err);
		if (rc == 0)
			rc = tfa_legacy_import(tx->tfa.tfa, userid, &rt,
			    u->keys, env->now, &added, err);
		tfa_realm_clear(&rt);
	}
	if (rc == 0)
		tfa_tx_set_keys(tx, userid, "x");
	return rc;
}

void
api_tfa_lock_fields(const struct tfacfg *tfa, const char *userid, time_t now,
    json_t *o)
{
	int64_t until;

	if (tfa == NULL || !tfacfg_has_user(tfa, userid))
		return;
	if (tfacfg_totp_locked(tfa, userid))
		json_object_set_new(o, "totp-locked", json_true());
	until = tfacfg_locked_until(tfa, userid);
	if (until > (int64_t)now)
		json_object_set_new(o, "tfa-locked-until",
		    json_integer((json_int_t)until));
}

json_t *
api_tfa_entries_json(const struct tfacfg *tfa, const char *userid)
{
	struct tfa_info *infos;
	size_t n = tfacfg_list(tfa, userid, &infos), i;
	json_t *a = json_array();

	for (i = 0; i < n; i++)
		json_array_append_new(a, tfa_info_json(&infos[i]));
	free(infos);
	return a;
}

json_t *
api_tfa_user_json(const struct tfacfg *tfa, const char *userid, time_t now)
{
	json_t *o = json_object();

	json_object_set_new(o, "userid", json_string(userid));
	json_object_set_new(o, "entries", api_tfa_entries_json(tfa, userid));
	api_tfa_lock_fields(tfa, userid, now, o);
	return o;
}

void
api_tfa_forget_user(struct api_env *env, struct store_tfa *t,
    const char *userid)
{
	struct err err;

	if (!tfacfg_delete_user(t->tfa, userid))
		return;		/* no TFA data, so no counters either */
	/* a new user of the name must inherit neither */
	if (tfa_failures_reset(env->config_dir, userid, &err) < 0)
		store_orphan_left(env, TFA_FAILURES_FILE, &err);
	if (store_commit_tfa(env, t, &err) < 0)
		store_orphan_left(env, TFACFG_FILE, &err);
}
