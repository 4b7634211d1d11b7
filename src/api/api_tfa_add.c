/*
 * Adding a second factor (POST /access/tfa/{userid}, spec 10.7), type by
 * type, with proxmox-tfa's add_tfa_entry checks and messages in its
 * order: TOTP (the URI and a current code), recovery codes (one set),
 * WebAuthn keys and passkeys (two steps), Yubico keys (an OTP checked by
 * the realm's server); U2F, which Proxmox no longer registers either,
 * is refused.  A new type is one more row of the table at the end.
 */
#include "api_tfa_int.h"
#include "secret.h"
#include "tfa/totp.h"
#include "webauthn/webauthn.h"
#include "yubico.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define refuse(err, ...) err_set((err), ERR_INVALID, __VA_ARGS__)

static int
need_description(const struct tfa_add_req *r, struct err *err)
{
	if (r->description == NULL)
		return refuse(err, "'description' is required for new entries");
	return 0;
}

static json_t *
id_answer(const char *id)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_string(id));
	return o;
}

static int
add_totp(const struct tfa_add_req *r, struct tfacfg *tfa, json_t **result_r,
    struct err *err)
{
	char id[TFA_ID_MAX + 1];
	struct totp t;
	int64_t counter;
	int rc;

	if (r->challenge != NULL)
		return refuse(err, "'challenge' parameter is invalid for "
		    "'totp' entries");
	if (need_description(r, err) < 0)
		return -1;
	if (r->totp == NULL || r->value == NULL)
		return refuse(err, "'totp' type requires both 'totp' and "
		    "'value' parameters");
	if (totp_parse(r->totp, strlen(r->totp), &t, err) < 0) {
		err->code = ERR_INVALID;
		return -1;
	}
	if (!totp_verify(&t, r->value, r->env->now, &counter))
		rc = refuse(err, "failed to verify TOTP challenge");
	else
		rc = tfacfg_add_totp(tfa, r->userid, r->description, &t,
		    r->env->now, id, err);
	totp_clear(&t);
	if (rc == 0)
		*result_r = id_answer(id);
	return rc;
}

static int
add_recovery(const struct tfa_add_req *r, struct tfacfg *tfa,
    json_t **result_r, struct err *err)
{
	char codes[RECOVERY_COUNT][RECOVERY_CODE_LEN + 1];
	json_t *o, *list;
	size_t i;

	if (r->totp != NULL || r->value != NULL || r->challenge != NULL)
		return refuse(err, "generating recovery tokens does not allow "
		    "additional parameters");
	if (tfacfg_add_recovery(tfa, r->userid, false, r->env->now, codes,
	    err) < 0) {
		if (err->code == ERR_EXISTS)
			err->code = ERR_INVALID;
		return -1;
	}
	o = id_answer("recovery");
	list = json_array();
	for (i = 0; i < RECOVERY_COUNT; i++)
		json_array_append_new(list, json_string(codes[i]));
	secret_wipe(codes, sizeof(codes));
	json_object_set_new(o, "recovery", list);
	*result_r = o;
	return 0;
}

/*
 * WebAuthn, in two calls as proxmox-tfa has it: without `challenge` the
 * registration options for navigator.credentials.create() (returned as
 * a JSON string, which Proxmox's UI parses); with `challenge` (its
 * publicKey.challenge) and `value` (the browser's answer) the new key.
 * The origin and RP id come from the request's Host or datacenter.cfg.
 */
static int
add_webauthn(const struct tfa_add_req *r, struct tfacfg *tfa,
    json_t **result_r, struct err *err)
{
	const json_t *existing[TFA_ENTRIES_MAX];
	struct webauthn_rp rp;
	json_t *options = NULL, *entry = NULL;
	char id[TFA_ID_MAX + 1], *description = NULL, *text;
	size_t n;
	int rc = -1;

	if (r->totp != NULL)
		return refuse(err, "'totp' parameter is invalid for 'webauthn' "
		    "entries");
	if (r->challenge == NULL && need_description(r, err) < 0)
		return -1;
	if (r->challenge != NULL && r->value == NULL)
		return refuse(err, "missing 'value' parameter (webauthn "
		    "challenge response missing)");
	if (r->env->host == NULL)
		return refuse(err, "no webauthn configuration available");
	if (webauthn_rp_for_host(r->env->config_dir, r->env->host, &rp,
	    err) < 0) {
		err->code = ERR_INVALID;
		return -1;
	}
	n = tfacfg_enabled_entries(tfa, r->userid, TFA_WEBAUTHN, existing,
	    ARRAY_SIZE(existing));
	if (r->challenge == NULL) {
		if (webauthn_register_begin(r->env->config_dir, &rp, r->userid,
		    r->description, existing, n, r->env->now, &options,
		    err) < 0)
			goto out;
		text = json_dumps(options, JSON_COMPACT);
		if (text == NULL) {
			err_set(err, ERR_NOMEM, "json_dumps failed");
			goto out;
		}
		*result_r = json_object();
		json_object_set_new(*result_r, "challenge", json_string(text));
		free(text);
		rc = 0;
		goto out;
	}
	if (webauthn_register_finish(r->env->config_dir, &rp, r->userid,
	    r->challenge, r->value, strlen(r->value), existing, n,
	    r->env->now, &entry, &description, err) < 0 ||
	    tfacfg_add_webauthn(tfa, r->userid, description, entry,
	    r->env->now, id, err) < 0)
		goto out;
	*result_r = id_answer(id);
	rc = 0;
out:
	if (rc < 0 && err->code != ERR_NOMEM)
		err->code = ERR_INVALID;
	json_decref(options);
	json_decref(entry);
	free(description);
	return rc;
}

/* U2F: registrations are kept and listed, never offered anew. */
static int
add_u2f(const struct tfa_add_req *r, struct tfacfg *tfa, json_t **result_r,
    struct err *err)
{
	(void)tfa;
	(void)result_r;
	if (r->totp != NULL)
		return refuse(err, "'totp' parameter is invalid for 'u2f' "
		    "entries");
	if (r->challenge == NULL && need_description(r, err) < 0)
		return -1;
	return refuse(err, "no u2f configuration available");
}

/*
 * Proxmox's validate_yubico_otp, before the lock: the realm must be set
 * up for Yubico OTP, and the OTP is checked with its Yubico server; the
 * key's public id is what add stores.
 */
static int
check_yubico(struct tfa_add_req *r, struct err *err)
{
	struct tfa_realm rt;
	struct buf realm = BUF_INIT, id = BUF_INIT;
	int rc;

	rc = api_tfa_realm(r->env, r->userid, &rt, err);
	if (rc == 0 && rt.type == TFA_REALM_NONE) {
		api_realm_of(r->userid, &realm);
		rc = refuse(err, "no yubico otp configuration available for "
		    "realm %s", buf_str(&realm));
		buf_clear(&realm);
	} else if (rc == 0 && rt.type != TFA_REALM_YUBICO) {
		rc = refuse(err, "realm is not setup for Yubico OTP");
	} else if (rc == 0 && r->value == NULL) {
		rc = refuse(err, "missing 'value' parameter (yubico OTP)");
	} else if (rc == 0) {
		struct yubico_client yc = {rt.url, rt.id, rt.key, 0};

		rc = yubico_verify(&yc, r->value, NULL, 0, &id, err);
		if (rc == 0)
			snprintf(r->yubico_id, sizeof(r->yubico_id), "%s",
			    buf_str(&id));
		else
			err->code = ERR_INVALID;
	}
	buf_clear(&id);
	tfa_realm_clear(&rt);
	return rc;
}

static int
add_yubico(const struct tfa_add_req *r, struct tfacfg *tfa,
    json_t **result_r, struct err *err)
{
	char id[TFA_ID_MAX + 1];

	if (r->totp != NULL || r->challenge != NULL)
		return refuse(err, "'totp' and 'challenge' parameters are "
		    "invalid for 'yubico' entries");
	if (need_description(r, err) < 0)
		return -1;
	if (r->yubico_id[0] == '\0')
		return refuse(err, "yubico otp not validated");
	if (tfacfg_add_yubico(tfa, r->userid, r->description, r->yubico_id,
	    r->env->now, id, err) < 0)
		return -1;
	*result_r = id_answer(id);
	return 0;
}

static const struct tfa_adder adders[] = {
	{"totp", NULL, add_totp},
	{"recovery", NULL, add_recovery},
	{"webauthn", NULL, add_webauthn},
	{"u2f", NULL, add_u2f},
	{"yubico", check_yubico, add_yubico},
};

const struct tfa_adder *
api_tfa_adder(const char *type)
{
	size_t i;

	for (i = 0; type != NULL && i < ARRAY_SIZE(adders); i++)
		if (strcmp(adders[i].type, type) == 0)
			return &adders[i];
	return NULL;
}
