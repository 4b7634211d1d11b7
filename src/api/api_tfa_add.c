/*
 * Adding a second factor (POST /access/tfa/{userid}, spec 10.7), type by
 * type, with proxmox-tfa's add_tfa_entry checks and messages in its
 * order: TOTP (the URI and a current code), recovery codes (one set),
 * and the types whose set-up realmgate cannot offer yet - WebAuthn and
 * U2F ("no webauthn configuration available", as Proxmox without a
 * `webauthn` setting) and Yubico (refused after the realm checks Proxmox
 * makes).  A new type is one more row of the table at the end.
 */
#include "api_tfa_int.h"
#include "secret.h"
#include "tfa/totp.h"

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
 * WebAuthn and U2F: the two-step registration of proxmox-tfa, up to the
 * point where it needs the server's set-up, which realmgate does not
 * have yet.
 */
static int
add_two_step(const struct tfa_add_req *r, const char *type, struct err *err)
{
	if (r->totp != NULL)
		return refuse(err, "'totp' parameter is invalid for '%s' "
		    "entries", type);
	if (r->challenge == NULL && need_description(r, err) < 0)
		return -1;
	if (r->challenge != NULL && r->value == NULL)
		return refuse(err, "missing 'value' parameter (%s challenge "
		    "response missing)", type);
	return refuse(err, "no %s configuration available", type);
}

static int
add_webauthn(const struct tfa_add_req *r, struct tfacfg *tfa,
    json_t **result_r, struct err *err)
{
	(void)tfa;
	(void)result_r;
	return add_two_step(r, "webauthn", err);
}

static int
add_u2f(const struct tfa_add_req *r, struct tfacfg *tfa, json_t **result_r,
    struct err *err)
{
	(void)tfa;
	(void)result_r;
	return add_two_step(r, "u2f", err);
}

/*
 * Proxmox's validate_yubico_otp, before the lock: the realm must be set
 * up for Yubico OTP, then the OTP is checked with the Yubico server,
 * which realmgate does not ask yet.
 */
static int
check_yubico(const struct tfa_add_req *r, struct err *err)
{
	struct tfa_realm rt;
	struct buf realm = BUF_INIT;
	int rc;

	rc = api_tfa_realm(r->env, r->userid, &rt, err);
	if (rc == 0 && rt.type == TFA_REALM_NONE) {
		api_realm_of(r->userid, &realm);
		rc = refuse(err, "no yubico otp configuration available for "
		    "realm %s", buf_str(&realm));
		buf_clear(&realm);
	} else if (rc == 0 && rt.type != TFA_REALM_YUBICO) {
		rc = refuse(err, "realm is not setup for Yubico OTP");
	} else if (rc == 0) {
		rc = refuse(err, "yubico otp validation is not available");
	}
	tfa_realm_clear(&rt);
	return rc;
}

static int
add_yubico(const struct tfa_add_req *r, struct tfacfg *tfa,
    json_t **result_r, struct err *err)
{
	(void)tfa;
	(void)result_r;
	if (r->totp != NULL || r->challenge != NULL)
		return refuse(err, "'totp' and 'challenge' parameters are "
		    "invalid for 'yubico' entries");
	return need_description(r, err) < 0 ? -1 :
	    refuse(err, "yubico otp validation is not available");
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
