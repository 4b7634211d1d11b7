/*
 * TOTP codes (RFC 6238 over RFC 4226's HOTP): HMAC of the big-endian
 * counter with OpenSSL, dynamic truncation, modulo 10^digits.  The
 * counter is the Unix time divided by the period; Proxmox tries the
 * previous, current and next one.
 */
#include "totp.h"
#include "secret.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

static const EVP_MD *
algo_md(enum totp_algo a)
{
	switch (a) {
	case TOTP_SHA256:
		return EVP_sha256();
	case TOTP_SHA512:
		return EVP_sha512();
	case TOTP_SHA1:
	default:
		return EVP_sha1();
	}
}

void
totp_code(const struct totp *t, uint64_t counter,
    char out[TOTP_DIGITS_MAX + 1])
{
	unsigned char msg[8], md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, off, i;
	uint32_t v, mod = 1;

	for (i = 0; i < 8; i++)
		msg[i] = (unsigned char)(counter >> (56 - 8 * i));
	if (HMAC(algo_md(t->algo), t->secret, (int)t->secret_len, msg,
	    sizeof(msg), md, &mdlen) == NULL || mdlen < 20) {
		/* no code can match: NULs, never digits */
		memset(out, 0, TOTP_DIGITS_MAX + 1);
		return;
	}
	off = md[mdlen - 1] & 0xf;
	v = ((uint32_t)(md[off] & 0x7f) << 24) | ((uint32_t)md[off + 1] << 16) |
	    ((uint32_t)md[off + 2] << 8) | md[off + 3];
	for (i = 0; i < t->digits; i++)
		mod *= 10;
	snprintf(out, TOTP_DIGITS_MAX + 1, "%0*u", (int)t->digits, v % mod);
	secret_wipe(md, sizeof(md));
	v = 0;
}

static bool
all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

bool
totp_verify(const struct totp *t, const char *code, time_t now,
    int64_t *counter_r)
{
	char want[TOTP_DIGITS_MAX + 1];
	size_t n = strlen(code);
	bool found = false;
	int64_t count;
	int step;

	if (now < 0 || t->period == 0 || n != t->digits || !all_digits(code, n))
		return false;
	count = (int64_t)((uint64_t)now / t->period);
	/* every window is computed: the time does not tell which matched */
	for (step = -1; step <= 1; step++) {
		totp_code(t, (uint64_t)(count + step), want);
		if (CRYPTO_memcmp(want, code, n) == 0 && !found) {
			found = true;
			*counter_r = count + step;
		}
	}
	secret_wipe(want, sizeof(want));
	return found;
}
