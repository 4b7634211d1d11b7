/*
 * CSRF prevention tokens (spec 4.3) and the secret they are keyed with.
 *
 *   S     = base64_nopad(HMAC-SHA256(key = bytes of pve-www.key, msg = ""))
 *   token = TS ":" base64_nopad(HMAC-SHA256(key = S, msg = TS ":" userid))
 *
 * TS is the epoch as 8 upper-case hex digits; a token is valid for
 * -300 < age < 7200 seconds.  The secret derivation looks backwards but is
 * what Proxmox does (spec 12.17).
 */
#ifndef RG_CSRF_H
#define RG_CSRF_H

#include "compiler.h"
#include "err.h"

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define CSRF_SECRET_LEN	  43	/* base64 of 32 bytes, unpadded */
#define CSRF_TOKEN_LEN	  (8 + 1 + 43)
#define CSRF_MIN_AGE	  (-300)
#define CSRF_MAX_AGE	  7200
#define CSRF_WWWKEY_FILE  "pve-www.key"

struct csrf_secret {
	char s[CSRF_SECRET_LEN + 1];	/* NUL-terminated */
};

/* Derive S from the raw key bytes. */
void csrf_secret_derive(const void *key, size_t len, struct csrf_secret *out);

/* Wipe the secret (explicit_bzero). */
void csrf_secret_wipe(struct csrf_secret *s);

/*
 * Read <config_dir>/pve-www.key (a secret file: see file_read_secret) and
 * derive S.  When the file is missing and create is true, generate it
 * first, as Proxmox's cluster setup does: a 2048-bit RSA key in PEM, mode
 * 0600.  If another process creates it at the same time, its bytes win
 * and are used.  The secret never changes afterwards, so callers may
 * derive it once.  Errors: ERR_NOT_FOUND (missing, !create), ERR_IO.
 */
int csrf_secret_load(const char *config_dir, bool create,
    struct csrf_secret *out, struct err *err) RG_WARN_UNUSED;

/*
 * Make the token for userid at now into out (NUL-terminated).  Fails
 * (ERR_INVALID) only when now is outside 0..2^32-1.
 */
int csrf_token_create(const struct csrf_secret *s, const char *userid,
    time_t now, char out[CSRF_TOKEN_LEN + 1], struct err *err)
    RG_WARN_UNUSED;

/*
 * Check a token (ptr,len, any bytes) for userid: format
 * ^[A-Z0-9]{8}:\S+$ with a hex timestamp, HMAC recomputed and compared in
 * constant time, -300 < age < 7200.  Failure is ERR_AUTH
 * "Permission denied - invalid csrf token".
 */
int csrf_token_verify(const struct csrf_secret *s, const char *userid,
    const char *token, size_t len, time_t now, struct err *err)
    RG_WARN_UNUSED;

#endif
