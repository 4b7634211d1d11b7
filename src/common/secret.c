/*
 * Secret wiping and constant-time comparison (see secret.h).
 */
#include "secret.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

void
secret_wipe(void *p, size_t len)
{
	if (p != NULL)
		explicit_bzero(p, len);
}

void
secret_free_str(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

bool
secret_equal(const void *a, size_t alen, const void *b, size_t blen)
{
	if (alen != blen)
		return false;
	return CRYPTO_memcmp(a, b, alen) == 0;
}

bool
secret_streq(const char *a, const char *b)
{
	return secret_equal(a, strlen(a), b, strlen(b));
}
