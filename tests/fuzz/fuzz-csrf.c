/*
 * Fuzz target for CSRF tokens.  The input is "USERID\nTOKEN" (or just a
 * token for a fixed user): the token is verified at a few clock values and
 * must never pass unless it is the real one; a token made for the user id
 * must always verify.
 */
#include "ticket/csrf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 0x6B02FE7E

static time_t
ts_of(const char *p)
{
	char hex[9];

	memcpy(hex, p, 8);
	hex[8] = '\0';
	return (time_t)strtoll(hex, NULL, 16);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const time_t clocks[] = { NOW, 0, NOW + 7199, 0xFFFFFFFFLL };
	const char *p = (const char *)data, *nl;
	char user[256] = "root@pam", real[CSRF_TOKEN_LEN + 1];
	struct csrf_secret s;
	struct err err;
	size_t i, tlen = size;

	csrf_secret_derive("fuzz-www-key", 12, &s);
	nl = memchr(p, '\n', size);
	if (nl != NULL && (size_t)(nl - p) < sizeof(user) &&
	    memchr(p, '\0', (size_t)(nl - p)) == NULL) {
		memcpy(user, p, (size_t)(nl - p));
		user[nl - p] = '\0';
		tlen = size - (size_t)(nl - p) - 1;
		p = nl + 1;
	}
	for (i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++) {
		if (csrf_token_verify(&s, user, p, tlen, clocks[i], &err) < 0)
			continue;
		/* accepted: it must be exactly what we would issue */
		if (tlen < 8 ||
		    csrf_token_create(&s, user, ts_of(p), real, &err) < 0 ||
		    tlen != strlen(real) || memcmp(real, p, tlen) != 0)
			abort();
	}
	if (csrf_token_create(&s, user, NOW, real, &err) < 0 ||
	    csrf_token_verify(&s, user, real, strlen(real), NOW, &err) < 0)
		abort();
	csrf_secret_wipe(&s);
	return 0;
}
