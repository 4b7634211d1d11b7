/*
 * Recovery codes as proxmox-tfa's recovery.rs makes and checks them: a
 * set is a secret (8 random bytes as 16 hex digits) and ten slots, each
 * the hex HMAC-SHA256, keyed with the secret string's bytes, of one code
 * as the user sees it, dashes included ("3f2a-09bc-77d1-e4a0").  A used
 * slot becomes null in tfa.cfg.
 */
#ifndef RG_TFA_RECOVERY_H
#define RG_TFA_RECOVERY_H

#include "compiler.h"
#include "err.h"

#include <stdbool.h>
#include <stddef.h>

#define RECOVERY_COUNT	    10
#define RECOVERY_SECRET_LEN 16	/* hex digits */
#define RECOVERY_CODE_LEN   19	/* xxxx-xxxx-xxxx-xxxx */
#define RECOVERY_HASH_LEN   64	/* hex HMAC-SHA256 */

/* A fresh set: everything here is secret (recovery_wipe). */
struct recovery_set {
	char secret[RECOVERY_SECRET_LEN + 1];
	char codes[RECOVERY_COUNT][RECOVERY_CODE_LEN + 1];
	char hashes[RECOVERY_COUNT][RECOVERY_HASH_LEN + 1];
};

int recovery_generate(struct recovery_set *set, struct err *err)
    RG_WARN_UNUSED;
void recovery_wipe(struct recovery_set *set);

/* The slot value of code (as typed) under secret. */
void recovery_hash(const char *secret, const char *code,
    char out[RECOVERY_HASH_LEN + 1]);

/*
 * The index of the first unused slot (non-NULL entry of slots) that
 * holds code's hash, or -1.  Every slot is compared, in constant time,
 * whatever matched.
 */
int recovery_match(const char *secret, const char *const *slots, size_t n,
    const char *code);

#endif
