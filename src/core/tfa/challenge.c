/*
 * The TFA challenge JSON (see challenge.h).  Written with sjson so the
 * bytes are those of serde_json; parsed with jansson, refusing anything
 * of the wrong shape rather than guessing.
 */
#include "challenge.h"
#include "sjson.h"
#include "tfacfg.h"
#include "xalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void
tfa_challenge_init(struct tfa_challenge *c)
{
	memset(c, 0, sizeof(*c));
}

void
tfa_challenge_clear(struct tfa_challenge *c)
{
	free(c->recovery_idx);
	json_decref(c->u2f);
	json_decref(c->webauthn);
	tfa_challenge_init(c);
}

bool
tfa_challenge_empty(const struct tfa_challenge *c)
{
	return !c->totp && !c->recovery && c->u2f == NULL &&
	    c->webauthn == NULL && !c->yubico;
}

void
tfa_challenge_from_cfg(struct tfa_challenge *c, const struct tfacfg *cfg,
    const char *userid)
{
	unsigned idx[TFA_CHALLENGE_RECOVERY_MAX];
	int n;

	c->totp = tfacfg_has_enabled(cfg, userid, TFA_TOTP);
	c->yubico = tfacfg_has_enabled(cfg, userid, TFA_YUBICO);
	free(c->recovery_idx);
	c->recovery_idx = NULL;
	c->n_recovery = 0;
	n = tfacfg_recovery_unused(cfg, userid, idx, ARRAY_SIZE(idx));
	c->recovery = n >= 0;
	if (n > 0) {
		c->recovery_idx = xcalloc((size_t)n, sizeof(*idx));
		memcpy(c->recovery_idx, idx, (size_t)n * sizeof(*idx));
		c->n_recovery = (size_t)n;
	}
}

static void
sep(struct buf *out, bool *first)
{
	if (!*first)
		buf_putc(out, ',');
	*first = false;
}

void
tfa_challenge_write(const struct tfa_challenge *c, struct buf *out)
{
	bool first = true;
	size_t i;

	buf_putc(out, '{');
	if (c->totp) {
		sep(out, &first);
		buf_puts(out, "\"totp\":true");
	}
	if (c->recovery) {
		sep(out, &first);
		buf_puts(out, "\"recovery\":[");
		for (i = 0; i < c->n_recovery; i++)
			buf_putf(out, "%s%u", i > 0 ? "," : "",
			    c->recovery_idx[i]);
		buf_putc(out, ']');
	}
	if (c->u2f != NULL) {
		sep(out, &first);
		sjson_key("u2f", out);
		sjson_dump(c->u2f, out);
	}
	if (c->webauthn != NULL) {
		sep(out, &first);
		sjson_key("webauthn", out);
		sjson_dump(c->webauthn, out);
	}
	if (c->yubico) {
		sep(out, &first);
		buf_puts(out, "\"yubico\":true");
	}
	buf_putc(out, '}');
}

static bool
get_bool(const json_t *o, const char *key, bool *v)
{
	const json_t *j = json_object_get(o, key);

	if (j == NULL)
		return true;
	if (!json_is_boolean(j))
		return false;
	*v = json_is_true(j);
	return true;
}

/* An object (owned copy) or absent/null. */
static bool
get_object(const json_t *o, const char *key, json_t **v)
{
	json_t *j = json_object_get(o, key);

	if (j == NULL || json_is_null(j))
		return true;
	if (!json_is_object(j))
		return false;
	*v = json_incref(j);
	return true;
}

static bool
get_recovery(const json_t *o, struct tfa_challenge *c)
{
	const json_t *r = json_object_get(o, "recovery"), *e;
	size_t i, n;

	if (r == NULL || json_is_null(r))
		return true;
	n = json_array_size(r);
	if (!json_is_array(r) || n > TFA_CHALLENGE_RECOVERY_MAX)
		return false;
	c->recovery = true;
	if (n == 0)
		return true;
	c->recovery_idx = xcalloc(n, sizeof(*c->recovery_idx));
	json_array_foreach(r, i, e) {
		json_int_t v = json_integer_value(e);

		if (!json_is_integer(e) || v < 0 || v > (json_int_t)UINT32_MAX)
			return false;
		c->recovery_idx[c->n_recovery++] = (unsigned)v;
	}
	return true;
}

int
tfa_challenge_parse(const char *text, size_t len, struct tfa_challenge *c,
    struct err *err)
{
	json_t *o = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
	bool ok;

	tfa_challenge_init(c);
	ok = json_is_object(o) && get_bool(o, "totp", &c->totp) &&
	    get_bool(o, "yubico", &c->yubico) && get_recovery(o, c) &&
	    get_object(o, "u2f", &c->u2f) &&
	    get_object(o, "webauthn", &c->webauthn);
	json_decref(o);
	if (ok)
		return 0;
	tfa_challenge_clear(c);
	return err_set(err, ERR_INVALID, "invalid tfa challenge");
}
