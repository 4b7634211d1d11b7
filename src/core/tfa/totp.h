/*
 * TOTP (RFC 6238) as proxmox-tfa implements it: the otpauth://totp/ URI
 * that tfa.cfg stores (parsed as totp.rs parses it and written back in
 * its canonical form), and codes computed with OpenSSL's HMAC for the
 * previous, current and next period.
 */
#ifndef RG_TFA_TOTP_H
#define RG_TFA_TOTP_H

#include "buf.h"
#include "compiler.h"
#include "err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define TOTP_DIGITS_MIN	  6
#define TOTP_DIGITS_MAX	  8
#define TOTP_SECRET_MAX	  1024		/* bytes, decoded */
#define TOTP_PERIOD_MAX	  (1UL << 31)	/* seconds */

enum totp_algo { TOTP_SHA1, TOTP_SHA256, TOTP_SHA512 };

struct totp {
	unsigned char *secret;	/* wiped by totp_clear */
	size_t secret_len;	/* > 0 */
	unsigned digits;	/* TOTP_DIGITS_MIN..MAX */
	enum totp_algo algo;
	unsigned long period;	/* 1..TOTP_PERIOD_MAX */
	char *issuer;		/* NULL: none */
	char *account;		/* never NULL ("" possible) */
};

/*
 * Parse an otpauth://totp/ URI: label "[issuer:]account" (split at the
 * first ':', percent-decoded), then `secret` (base32, any case, with or
 * without padding), `digits`, `algorithm` (SHA1, SHA256, SHA512, any
 * case), `period` and `issuer` (which wins over the label's).  Errors
 * use totp.rs's messages ("not an otpauth uri", "missing secret in
 * otpauth url", "unknown otpauth uri parameter: 'x'", ...).  On failure t
 * holds nothing to free.
 */
int totp_parse(const char *uri, size_t len, struct totp *t, struct err *err)
    RG_WARN_UNUSED;
void totp_clear(struct totp *t);
/* A deep copy (for entries built from another: legacy keys). */
void totp_copy(struct totp *dst, const struct totp *src);

/*
 * The canonical URI (appended; a secret - wipe out):
 * otpauth://totp/[<issuer>:]<account>?secret=<BASE32>&digits=<n>
 * &algorithm=<ALGO>&period=<s>[&issuer=<issuer>], issuer and account
 * with every byte but [A-Za-z0-9] percent-encoded.
 */
void totp_uri(const struct totp *t, struct buf *out);

/* The code for one counter value, zero-padded to t->digits. */
void totp_code(const struct totp *t, uint64_t counter,
    char out[TOTP_DIGITS_MAX + 1]);

/*
 * Check code against the periods before, at and after now (in that
 * order, as Proxmox does): true with the matching counter in *counter_r.
 * A code that is not exactly t->digits decimal digits never matches.
 * Comparisons are constant-time.
 */
bool totp_verify(const struct totp *t, const char *code, time_t now,
    int64_t *counter_r);

#endif
