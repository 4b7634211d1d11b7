/*
 * webauthn-rs' COSEKey as serde writes it into tfa.cfg:
 *   {"type_":"ES256","key":{"EC_EC2":{"curve":"SECP256R1","x":..,"y":..}}}
 *   {"type_":"RS256","key":{"RSA":{"n":..,"e":[1,0,1]}}}
 *   {"type_":"EDDSA","key":{"EC_OKP":{"curve":"ED25519","x":..}}}
 * Byte fields are arrays of integers in webauthn-rs 0.3 (Proxmox VE 8)
 * and base64url strings in 0.5 (Proxmox VE 9), which reads both; we read
 * both and write arrays, so that either version reads what we write.
 */
#include "webauthn_int.h"
#include "ticket/b64.h"

#include <string.h>

int
wa_json_bytes(const json_t *v, size_t max, struct buf *out, const char *what,
    struct err *err)
{
	size_t start = out->len, i;
	const char *s;

	if (json_is_string(v)) {
		s = json_string_value(v);
		if (json_string_length(v) > max / 3 * 4 + 4 ||
		    !b64url_decode(s, json_string_length(v), out))
			return err_set(err, ERR_INVALID, "%s: invalid base64",
			    what);
	} else if (json_is_array(v) && json_array_size(v) <= max) {
		for (i = 0; i < json_array_size(v); i++) {
			const json_t *b = json_array_get(v, i);

			if (!json_is_integer(b) || json_integer_value(b) < 0 ||
			    json_integer_value(b) > 255) {
				out->len = start;
				return err_set(err, ERR_INVALID, "%s: not a byte "
				    "array", what);
			}
			buf_putc(out, (char)json_integer_value(b));
		}
	} else {
		return err_set(err, ERR_INVALID, "%s: missing or not bytes",
		    what);
	}
	if (out->len - start > max) {
		out->len = start;
		return err_set(err, ERR_INVALID, "%s: too long", what);
	}
	return 0;
}

json_t *
wa_json_byte_array(const void *p, size_t len)
{
	const unsigned char *b = p;
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < len; i++)
		json_array_append_new(a, json_integer(b[i]));
	return a;
}

int
wa_member_b64(const json_t *obj, const char *key, size_t max, struct buf *out,
    struct err *err)
{
	const json_t *v = json_object_get(obj, key);

	if (!json_is_string(v))
		return err_set(err, ERR_INVALID, "missing or invalid '%s'", key);
	return wa_json_bytes(v, max, out, key, err);
}

/* Exactly n bytes from member key of obj into dst. */
static int
fixed_bytes(const json_t *obj, const char *key, void *dst, size_t n,
    struct err *err)
{
	struct buf b = BUF_INIT;
	int rc = -1;

	if (wa_json_bytes(json_object_get(obj, key), n, &b, key, err) < 0)
		goto out;
	if (b.len != n) {
		err_set(err, ERR_INVALID, "%s: must have %zu bytes", key, n);
		goto out;
	}
	memcpy(dst, b.data, n);
	rc = 0;
out:
	buf_clear(&b);
	return rc;
}

/* The variant of an externally tagged serde enum (one member) we know. */
static const char *
enum_variant(const json_t *v, const json_t **inner)
{
	static const char *const tags[] = {"EC_EC2", "EC_OKP", "RSA"};
	size_t i;

	if (!json_is_object(v) || json_object_size(v) != 1)
		return NULL;
	for (i = 0; i < ARRAY_SIZE(tags); i++)
		if ((*inner = json_object_get(v, tags[i])) != NULL)
			return tags[i];
	return NULL;
}

static bool
str_is(const json_t *v, const char *s)
{
	return json_is_string(v) && strcmp(json_string_value(v), s) == 0;
}

static int
alg_of(const json_t *type, struct err *err)
{
	/* serde aliases: webauthn-rs once called ES256 ECDSA_SHA256 */
	if (str_is(type, "ES256") || str_is(type, "ECDSA_SHA256"))
		return WA_ALG_ES256;
	if (str_is(type, "RS256"))
		return WA_ALG_RS256;
	if (str_is(type, "EDDSA"))
		return WA_ALG_EDDSA;
	if (json_is_string(type))
		return err_set(err, ERR_UNSUPPORTED, "unsupported webauthn key "
		    "algorithm '%s'", json_string_value(type));
	return err_set(err, ERR_INVALID, "webauthn key without type_");
}

int
wa_key_from_json(const json_t *cred, struct wa_key *k, struct err *err)
{
	const json_t *inner = NULL;
	const char *tag;
	int alg;

	memset(k, 0, sizeof(*k));
	if (!json_is_object(cred))
		return err_set(err, ERR_INVALID, "webauthn key is not an "
		    "object");
	if ((alg = alg_of(json_object_get(cred, "type_"), err)) == -1)
		return -1;
	tag = enum_variant(json_object_get(cred, "key"), &inner);
	if (tag == NULL || !json_is_object(inner))
		return err_set(err, ERR_INVALID, "webauthn key without key "
		    "data");
	k->alg = alg;
	if (alg == WA_ALG_ES256 && strcmp(tag, "EC_EC2") == 0 &&
	    str_is(json_object_get(inner, "curve"), "SECP256R1")) {
		if (fixed_bytes(inner, "x", k->x, WA_EC_COORD, err) < 0 ||
		    fixed_bytes(inner, "y", k->y, WA_EC_COORD, err) < 0)
			goto fail;
	} else if (alg == WA_ALG_EDDSA && strcmp(tag, "EC_OKP") == 0 &&
	    str_is(json_object_get(inner, "curve"), "ED25519")) {
		if (fixed_bytes(inner, "x", k->x, WA_EC_COORD, err) < 0)
			goto fail;
	} else if (alg == WA_ALG_RS256 && strcmp(tag, "RSA") == 0) {
		if (wa_json_bytes(json_object_get(inner, "n"), WA_RSA_MAX + 1,
		    &k->n, "n", err) < 0 ||
		    fixed_bytes(inner, "e", k->e, sizeof(k->e), err) < 0)
			goto fail;
	} else {
		err_set(err, ERR_UNSUPPORTED, "unsupported webauthn key '%s'",
		    tag);
		goto fail;
	}
	if (wa_key_build(k, err) < 0)
		goto fail;
	return 0;
fail:
	wa_key_clear(k);
	return -1;
}

json_t *
wa_key_to_json(const struct wa_key *k)
{
	json_t *key = json_object(), *inner = json_object(), *cred;
	const char *type = "ES256", *tag = "EC_EC2";

	switch (k->alg) {
	case WA_ALG_ES256:
		json_object_set_new(inner, "curve", json_string("SECP256R1"));
		json_object_set_new(inner, "x",
		    wa_json_byte_array(k->x, WA_EC_COORD));
		json_object_set_new(inner, "y",
		    wa_json_byte_array(k->y, WA_EC_COORD));
		break;
	case WA_ALG_EDDSA:
		type = "EDDSA";
		tag = "EC_OKP";
		json_object_set_new(inner, "curve", json_string("ED25519"));
		json_object_set_new(inner, "x",
		    wa_json_byte_array(k->x, WA_EC_COORD));
		break;
	default:
		type = "RS256";
		tag = "RSA";
		json_object_set_new(inner, "n",
		    wa_json_byte_array(k->n.data, k->n.len));
		json_object_set_new(inner, "e",
		    wa_json_byte_array(k->e, sizeof(k->e)));
		break;
	}
	json_object_set_new(key, tag, inner);
	cred = json_object();
	json_object_set_new(cred, "type_", json_string(type));
	json_object_set_new(cred, "key", key);
	return cred;
}
