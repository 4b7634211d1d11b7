/*
 * Recovery codes (see recovery.h).  The ten codes come from 80 random
 * bytes taken eight at a time, as Proxmox does.
 */
#include "recovery.h"
#include "secret.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

static const char hexdigits[] = "0123456789abcdef";

static void
hex(const unsigned char *p, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hexdigits[p[i] >> 4];
		out[2 * i + 1] = hexdigits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

void
recovery_hash(const char *secret, const char *code,
    char out[RECOVERY_HASH_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (HMAC(EVP_sha256(), secret, (int)strlen(secret),
	    (const unsigned char *)code, strlen(code), md, &len) == NULL ||
	    len != 32) {
		memset(out, 0, RECOVERY_HASH_LEN + 1);	/* matches no slot */
		return;
	}
	hex(md, 32, out);
	secret_wipe(md, sizeof(md));
}

int
recovery_generate(struct recovery_set *set, struct err *err)
{
	unsigned char sec[8], keys[RECOVERY_COUNT * 8];
	size_t i;

	memset(set, 0, sizeof(*set));
	if (RAND_bytes(sec, sizeof(sec)) != 1 ||
	    RAND_bytes(keys, sizeof(keys)) != 1)
		return err_set(err, ERR_INTERNAL,
		    "unable to get random bytes");
	hex(sec, sizeof(sec), set->secret);
	for (i = 0; i < RECOVERY_COUNT; i++) {
		const unsigned char *b = keys + 8 * i;
		char *c = set->codes[i];

		hex(b, 2, c);
		c[4] = '-';
		hex(b + 2, 2, c + 5);
		c[9] = '-';
		hex(b + 4, 2, c + 10);
		c[14] = '-';
		hex(b + 6, 2, c + 15);
		recovery_hash(set->secret, c, set->hashes[i]);
	}
	secret_wipe(sec, sizeof(sec));
	secret_wipe(keys, sizeof(keys));
	return 0;
}

void
recovery_wipe(struct recovery_set *set)
{
	secret_wipe(set, sizeof(*set));
}

int
recovery_match(const char *secret, const char *const *slots, size_t n,
    const char *code)
{
	char want[RECOVERY_HASH_LEN + 1];
	int found = -1;
	size_t i;

	recovery_hash(secret, code, want);
	for (i = 0; i < n; i++) {
		bool eq;

		if (slots[i] == NULL || strlen(slots[i]) != RECOVERY_HASH_LEN)
			continue;
		eq = CRYPTO_memcmp(slots[i], want, RECOVERY_HASH_LEN) == 0;
		if (eq && found < 0)
			found = (int)i;
	}
	secret_wipe(want, sizeof(want));
	return found;
}
