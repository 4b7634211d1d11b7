/*
 * otpauth://totp/ URIs (src/core/tfa/totp.c, base32.c) as a user or
 * tfa.cfg hands them over: no crash; the canonical form parses back to
 * itself; and the code computed for a time is accepted at that time.
 */
#include "tfa/totp.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf uri = BUF_INIT, uri2 = BUF_INIT;
	char code[TOTP_DIGITS_MAX + 1];
	struct totp t, t2;
	struct err err;
	int64_t counter;
	time_t now;

	if (totp_parse((const char *)data, size, &t, &err) < 0)
		return 0;
	if (t.secret_len == 0 || t.digits < TOTP_DIGITS_MIN ||
	    t.digits > TOTP_DIGITS_MAX || t.period == 0)
		abort();
	totp_uri(&t, &uri);
	if (totp_parse(buf_str(&uri), uri.len, &t2, &err) < 0)
		abort();
	totp_uri(&t2, &uri2);
	if (strcmp(buf_str(&uri), buf_str(&uri2)) != 0)
		abort();
	now = (time_t)(1767225600 % ((uint64_t)t.period * 1000 + 1));
	totp_code(&t, (uint64_t)now / t.period, code);
	if (!totp_verify(&t, code, now, &counter))
		abort();
	totp_clear(&t);
	totp_clear(&t2);
	buf_clear_secret(&uri);
	buf_clear_secret(&uri2);
	return 0;
}
