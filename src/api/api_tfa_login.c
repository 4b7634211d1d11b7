/*
 * The second factor of POST /access/ticket (spec 10.3, 10.4): after the
 * password, which challenge the user must answer (or none); and the
 * answer itself, checked against the challenge its partial ticket
 * carried.  Proxmox's two lockouts live here: eight failed or replayed
 * TOTP codes set totp-locked, a hundred failed second factors set
 * tfa-locked-until an hour ahead; a recovery code lifts both.
 *
 * Fail closed, always: a tfa.cfg that cannot be read refuses the login;
 * a user whose only factors realmgate cannot offer (a WebAuthn key without
 * a usable WebAuthn setup, data it cannot read) is refused, never let in
 * on the password alone.  Every refusal is ERR_AUTH with the reason for
 * the log; the client sees "authentication failure".
 */
#include "api_tfa_login.h"
#include "api_int.h"
#include "api_tfa_int.h"
#include "files/domains.h"
#include "store.h"
#include "tfa/challenge.h"
#include "tfa/failures.h"
#include "tfa/legacy.h"
#include "tfa/sjson.h"
#include "tfa/tfacfg.h"
#include "webauthn/webauthn.h"
#include "yubico.h"

#include <string.h>

#define deny(err, ...) err_set((err), ERR_AUTH, __VA_ARGS__)

/* The realm's `tfa` option; type NONE when the realm has none. */
static int
realm_tfa(struct api_env *env, const char *userid, struct tfa_realm *rt,
    struct err *err)
{
	if (api_tfa_realm(env, userid, rt, err) < 0) {
		err->code = ERR_AUTH;
		return -1;
	}
	return 0;
}

/* Legacy user.cfg keys, imported in memory as Proxmox does at login. */
static int
import_legacy(struct api_env *env, struct tfacfg *tfa, const char *userid,
    const struct tfa_realm *rt, struct err *err)
{
	struct ucfg *cfg;
	const struct ucfg_user *u;
	size_t added;
	int rc = 0;

	if (store_read_user(env, &cfg, err) < 0)
		return -1;
	u = ucfg_user(cfg, userid);
	if (u != NULL && u->keys != NULL &&
	    tfa_keys_pending(u->keys, TFA_KEYS_AT_LOGIN))
		rc = tfa_legacy_import(tfa, userid, rt, u->keys, env->now,
		    &added, err);
	store_release_user(cfg);
	return rc;
}

/* "totp:..." -> TFA_TOTP and the value; false for no known prefix. */
static bool
response_type(const char *response, enum tfa_type *t_r, const char **value_r)
{
	static const enum tfa_type types[] = {TFA_TOTP, TFA_U2F, TFA_WEBAUTHN,
	    TFA_RECOVERY, TFA_YUBICO};
	size_t i, n;

	for (i = 0; i < ARRAY_SIZE(types); i++) {
		const char *name = tfa_type_name(types[i]);

		n = strlen(name);
		if (strncmp(response, name, n) == 0 && response[n] == ':') {
			*t_r = types[i];
			*value_r = response + n + 1;
			return true;
		}
	}
	return false;
}

/*
 * In a realm that enforces a type, a response must be of that type or a
 * recovery code ("realm requires totp authentication").
 */
static int
check_realm_type(const struct tfa_realm *rt, const char *response,
    struct err *err)
{
	const char *want, *colon;

	if (rt->type == TFA_REALM_NONE || response == NULL)
		return 0;
	colon = strchr(response, ':');
	if (colon == NULL || colon == response)
		return deny(err, "bad otp response");
	want = rt->type == TFA_REALM_OATH ? "totp" : "yubico";
	if (((size_t)(colon - response) == 8 &&
	    strncmp(response, "recovery", 8) == 0) ||
	    ((size_t)(colon - response) == strlen(want) &&
	    strncmp(response, want, strlen(want)) == 0))
		return 0;
	return deny(err, "realm requires %s authentication", want);
}

/* Does the user hold factors realmgate cannot offer in a challenge? */
static bool
has_unofferable(const struct tfacfg *tfa, const char *userid)
{
	return tfacfg_has_enabled(tfa, userid, TFA_WEBAUTHN) ||
	    tfacfg_has_enabled(tfa, userid, TFA_U2F) ||
	    tfacfg_user_unusable(tfa, userid);
}

/*
 * Offer the user's WebAuthn keys: a fresh challenge for the request's
 * host.  Anything wrong (no Host, a bad webauthn setting, no usable key)
 * leaves WebAuthn out; has_unofferable then keeps the login from going
 * on without a second factor.
 */
static void
offer_webauthn(struct api_env *env, const struct tfacfg *tfa,
    const char *userid, struct tfa_challenge *ch)
{
	const json_t *creds[TFA_ENTRIES_MAX];
	struct webauthn_rp rp;
	struct err err;
	json_t *options = NULL;
	size_t n = tfacfg_enabled_entries(tfa, userid, TFA_WEBAUTHN, creds,
	    ARRAY_SIZE(creds));

	if (n == 0)
		return;
	if (env->host == NULL)
		err_set(&err, ERR_UNSUPPORTED, "no Host header");
	else if (webauthn_rp_for_host(env->config_dir, env->host, &rp,
	    &err) == 0 && webauthn_auth_begin(env->config_dir, &rp, userid,
	    creds, n, env->now, &options, &err) == 0) {
		ch->webauthn = options;
		return;
	}
	diag_add(&env->warnings, NULL, 0, false, "WebAuthn not offered to "
	    "%s: %s", userid, err.msg);
}

/* A failed second factor: count it, lock as Proxmox does, say why. */
static int
second_factor_failed(struct api_env *env, struct tfacfg *tfa,
    const char *userid, bool totp, const char *why, struct err *err)
{
	struct tfa_failures f;
	struct err e2;
	bool lock = false;

	if (tfa_failures_record(env->config_dir, userid, totp, &f, &e2) < 0)
		return deny(err, "failed 2nd factor (%s), and it could not be "
		    "counted: %s", why, e2.msg);
	if (f.totp_limit && !tfacfg_totp_locked(tfa, userid))
		lock = tfacfg_set_totp_locked(tfa, userid, true, &e2) == 0;
	if (f.tfa_limit)
		lock |= tfacfg_set_locked_until(tfa, userid,
		    (int64_t)env->now + TFA_FAILURE_LOCK_TIME, &e2) == 0;
	if (lock && tfacfg_save(env->config_dir, tfa, &e2) < 0)
		return deny(err, "failed 2nd factor (%s); the lock could not "
		    "be saved: %s", why, e2.msg);
	if (f.tfa_limit)
		return deny(err, "failed 2nd factor: TFA limit reached, user "
		    "locked out");
	if (f.totp_limit)
		return deny(err, "failed 2nd factor: TOTP limit reached, "
		    "locked");
	return deny(err, "failed 2nd factor: %s", why);
}

/*
 * A Yubico OTP, against the realm's validation server and the user's
 * enabled Yubico keys.  As in Proxmox, failures are not counted (the OTP
 * is a 128-bit secret: there is nothing to guess).
 */
static int
yubico_check(struct api_env *env, const struct tfacfg *tfa,
    const char *userid, const struct tfa_realm *rt, const char *otp,
    struct err *err)
{
	struct yubico_client yc = {rt->url, rt->id, rt->key, 0};
	const json_t *keys[TFA_ENTRIES_MAX];
	const char *ids[TFA_ENTRIES_MAX];
	size_t n = 0, k = tfacfg_enabled_entries(tfa, userid, TFA_YUBICO,
	    keys, ARRAY_SIZE(keys));

	(void)env;
	if (rt->type != TFA_REALM_YUBICO)
		return deny(err, "failed 2nd factor: the realm of '%s' has no "
		    "Yubico server", userid);
	while (n < k && json_is_string(keys[n])) {
		ids[n] = json_string_value(keys[n]);
		n++;
	}
	if (n == 0)
		return deny(err, "no keys configured");
	if (yubico_verify(&yc, otp, ids, n, NULL, err) < 0) {
		err->code = ERR_AUTH;
		return -1;
	}
	return 0;
}

/* A WebAuthn assertion; the key's new signature counter is saved. */
static int
webauthn_check(struct api_env *env, struct tfacfg *tfa, const char *userid,
    const char *value, struct err *err)
{
	const json_t *creds[TFA_ENTRIES_MAX];
	struct webauthn_rp rp;
	uint32_t counter;
	size_t which, n = tfacfg_enabled_entries(tfa, userid, TFA_WEBAUTHN,
	    creds, ARRAY_SIZE(creds));

	if (env->host == NULL)
		return second_factor_failed(env, tfa, userid, false,
		    "no Host header for the WebAuthn origin", err);
	if (webauthn_rp_for_host(env->config_dir, env->host, &rp, err) < 0 ||
	    webauthn_auth_finish(env->config_dir, &rp, userid, value,
	    strlen(value), creds, n, env->now, &which, &counter, err) < 0) {
		struct buf why = BUF_INIT;
		int rc;

		buf_puts(&why, err->msg);
		rc = second_factor_failed(env, tfa, userid, false,
		    buf_str(&why), err);
		buf_clear(&why);
		return rc;
	}
	if (webauthn_cred_set_counter(sjson_mut(creds[which]), counter,
	    err) < 0 || tfacfg_save(env->config_dir, tfa, err) < 0 ||
	    tfa_failures_success(env->config_dir, userid, false, err) < 0)
		return -1;
	return 0;
}

/* Check response against challenge with tfa.cfg locked; save changes. */
static int
verify_locked(struct api_env *env, struct tfacfg *tfa, const char *userid,
    const struct tfa_realm *rt, const struct tfa_challenge *ch,
    const char *response, struct err *err)
{
	enum tfa_totp_result tr;
	enum tfa_type t;
	const char *value;

	if (tfacfg_locked_until(tfa, userid) > (int64_t)env->now)
		return deny(err, "failed 2nd factor: user '%s' locked out of "
		    "second factors", userid);
	if (!response_type(response, &t, &value))
		return second_factor_failed(env, tfa, userid, false,
		    "invalid tfa response", err);
	switch (t) {
	case TFA_TOTP:
		if (!ch->totp)
			break;
		if (tfacfg_totp_locked(tfa, userid))
			return second_factor_failed(env, tfa, userid, true,
			    "TOTP locked", err);
		tr = tfacfg_totp_verify(tfa, userid, value, env->now);
		if (tr == TFA_TOTP_REUSED)
			return second_factor_failed(env, tfa, userid, true,
			    "rejecting reused TOTP value", err);
		if (tr != TFA_TOTP_OK)
			return second_factor_failed(env, tfa, userid, true,
			    "totp verification failed", err);
		/* last-count must be on disk before the login goes on */
		if (tfacfg_save(env->config_dir, tfa, err) < 0 ||
		    tfa_failures_success(env->config_dir, userid, true,
		    err) < 0)
			return -1;
		return 0;
	case TFA_RECOVERY:
		if (!ch->recovery)
			break;
		if (tfacfg_recovery_use(tfa, userid, value) < 0)
			return second_factor_failed(env, tfa, userid, false,
			    "recovery code not accepted", err);
		/* the used slot must be on disk before the login goes on */
		if (tfacfg_save(env->config_dir, tfa, err) < 0 ||
		    tfa_failures_reset(env->config_dir, userid, err) < 0)
			return -1;
		return 0;
	case TFA_YUBICO:
		if (!ch->yubico)
			break;
		return yubico_check(env, tfa, userid, rt, value, err);
	case TFA_WEBAUTHN:
		if (ch->webauthn == NULL)
			break;
		return webauthn_check(env, tfa, userid, value, err);
	case TFA_U2F:
		return second_factor_failed(env, tfa, userid, false,
		    "this second factor is not available", err);
	}
	return second_factor_failed(env, tfa, userid, false,
	    "no such challenge", err);
}

/*
 * The answer is checked against tfa.cfg re-read under its lock, with the
 * user's legacy keys imported again as at the challenge (they are the
 * user's TOTP secrets in an oath realm; saving persists them, as in
 * Proxmox).
 */
static int
verify_response(struct api_env *env, const char *userid,
    const struct tfa_realm *rt, const struct tfa_challenge *ch,
    const char *response, struct err *err)
{
	struct store_tfa t;
	int rc;

	memset(&t, 0, sizeof(t));
	if (store_begin_tfa(env, &t, err) < 0 ||
	    import_legacy(env, t.tfa, userid, rt, err) < 0) {
		store_end_tfa(&t);
		err->code = ERR_AUTH;
		return -1;
	}
	rc = verify_locked(env, t.tfa, userid, rt, ch, response, err);
	store_end_tfa(&t);
	if (rc < 0)
		err->code = ERR_AUTH;
	return rc;
}

int
api_tfa_after_password(struct api_env *env, const char *userid,
    const char *otp, struct buf *challenge_r, struct err *err)
{
	struct tfa_challenge ch;
	struct tfa_realm rt;
	struct tfacfg *tfa = NULL;
	int rc = -1;

	buf_reset(challenge_r);
	tfa_challenge_init(&ch);
	if (realm_tfa(env, userid, &rt, err) < 0 ||
	    check_realm_type(&rt, rt.type == TFA_REALM_YUBICO ? NULL : otp,
	    err) < 0)
		goto out;
	if (store_read_tfa(env, &tfa, err) < 0 ||
	    import_legacy(env, tfa, userid, &rt, err) < 0) {
		/* no telling which factors the user has: refuse */
		struct buf why = BUF_INIT;

		buf_puts(&why, err->msg);
		deny(err, "second factors of '%s' unreadable: %s", userid,
		    buf_str(&why));
		buf_clear(&why);
		goto out;
	}
	tfa_challenge_from_cfg(&ch, tfa, userid);
	/* an oath realm takes TOTP or recovery codes only (spec 10.5) */
	if (rt.type == TFA_REALM_NONE)
		offer_webauthn(env, tfa, userid, &ch);
	if (rt.type == TFA_REALM_YUBICO) {
		/* Proxmox: always the Yubico challenge; otp is ignored */
		ch.totp = false;
		ch.yubico = true;
		tfa_challenge_write(&ch, challenge_r);
		rc = 0;
		goto out;
	}
	if (tfa_challenge_empty(&ch) && has_unofferable(tfa, userid)) {
		deny(err, "user '%s' has only second factors this server "
		    "cannot ask for", userid);
		goto out;
	}
	if (tfa_challenge_empty(&ch)) {
		if (rt.type != TFA_REALM_NONE) {
			deny(err, "missing required 2nd keys");
			goto out;
		}
		if (otp != NULL) {
			deny(err, "no such challenge");
			goto out;
		}
		rc = 0;		/* no second factor */
		goto out;
	}
	if (otp != NULL) {
		rc = verify_response(env, userid, &rt, &ch, otp, err);
		goto out;	/* verified now: a full ticket */
	}
	tfa_challenge_write(&ch, challenge_r);
	rc = 0;
out:
	tfacfg_free(tfa);
	tfa_challenge_clear(&ch);
	tfa_realm_clear(&rt);
	if (rc < 0)
		buf_reset(challenge_r);
	return rc;
}

int
api_tfa_respond(struct api_env *env, const char *userid,
    const char *challenge_json, const char *response, struct err *err)
{
	struct tfa_challenge ch;
	struct tfa_realm rt;
	int rc = -1;

	memset(&rt, 0, sizeof(rt));
	tfa_challenge_init(&ch);
	if (tfa_challenge_parse(challenge_json, strlen(challenge_json), &ch,
	    err) < 0) {
		err->code = ERR_AUTH;
		goto out;
	}
	if (realm_tfa(env, userid, &rt, err) < 0 ||
	    check_realm_type(&rt, response, err) < 0)
		goto out;
	rc = verify_response(env, userid, &rt, &ch, response, err);
out:
	tfa_challenge_clear(&ch);
	tfa_realm_clear(&rt);
	return rc;
}
