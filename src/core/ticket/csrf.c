/*
 * CSRF prevention tokens (see csrf.h): two HMAC-SHA256 computations and a
 * strict parser for what the client sends back.
 */
#include "csrf.h"
#include "b64.h"
#include "secret.h"
#include "str.h"
#include "ticket.h"

#include <openssl/evp.h>
#include <string.h>

/* base64_nopad(HMAC-SHA256(key, msg)) into out[44] */
static void
hmac_b64(const void *key, size_t key_len, const void *msg, size_t msg_len,
    char out[CSRF_SECRET_LEN + 1])
{
	unsigned char md[32];
	size_t md_len = 0;
	static const unsigned char empty[1];

	/* a non-NULL key pointer, even for an empty key */
	if (key_len == 0)
		key = empty;
	if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, key_len, msg,
	    msg_len, md, sizeof(md), &md_len) == NULL || md_len != sizeof(md))
		rg_assert(!"HMAC-SHA256 failed");
	b64_encode(out, md, md_len, false);
	secret_wipe(md, sizeof(md));
}

void
csrf_secret_derive(const void *key, size_t len, struct csrf_secret *out)
{
	hmac_b64(key, len, "", 0, out->s);
}

void
csrf_secret_wipe(struct csrf_secret *s)
{
	secret_wipe(s->s, sizeof(s->s));
}

/* sig for "<ts>:<userid>", ts being the 8 characters as given */
static void
token_sig(const struct csrf_secret *s, const char *ts, const char *userid,
    char out[CSRF_SECRET_LEN + 1])
{
	struct buf msg = BUF_INIT;

	buf_put(&msg, ts, TICKET_TS_LEN);
	buf_putc(&msg, ':');
	buf_puts(&msg, userid);
	hmac_b64(s->s, CSRF_SECRET_LEN, msg.data, msg.len, out);
	buf_clear(&msg);
}

int
csrf_token_create(const struct csrf_secret *s, const char *userid,
    time_t now, char out[CSRF_TOKEN_LEN + 1], struct err *err)
{
	char ts[TICKET_TS_LEN + 1];

	if (!ticket_format_ts(now, ts))
		return err_set(err, ERR_INVALID,
		    "time %lld out of range for a CSRF token", (long long)now);
	memcpy(out, ts, TICKET_TS_LEN);
	out[TICKET_TS_LEN] = ':';
	token_sig(s, ts, userid, out + TICKET_TS_LEN + 1);
	return 0;
}

int
csrf_token_verify(const struct csrf_secret *s, const char *userid,
    const char *token, size_t len, time_t now, struct err *err)
{
	char expect[CSRF_SECRET_LEN + 1];
	uint32_t ts;
	int64_t age;
	size_t i;
	bool ok;

	if (len < TICKET_TS_LEN + 2 || len > 1024 ||
	    token[TICKET_TS_LEN] != ':' || !ticket_parse_ts(token, &ts))
		goto fail;
	for (i = TICKET_TS_LEN + 1; i < len; i++)
		if (token[i] == '\0' || str_is_space(token[i]))
			goto fail;
	token_sig(s, token, userid, expect);
	ok = secret_equal(expect, CSRF_SECRET_LEN, token + TICKET_TS_LEN + 1,
	    len - TICKET_TS_LEN - 1);
	secret_wipe(expect, sizeof(expect));
	age = (int64_t)now - (int64_t)ts;
	if (ok && age > CSRF_MIN_AGE && age < CSRF_MAX_AGE)
		return 0;
fail:
	return err_set(err, ERR_AUTH, "Permission denied - invalid csrf token");
}
