/*
 * Proxmox's generic signed ticket (PVE::Ticket, spec 4.1):
 *
 *   plain  = PREFIX ":" [escaped-data ":"] TS        TS = %08X of the epoch
 *   ticket = plain "::" base64(RSA-SHA1(plain [":" secret_data]))
 *
 * Data is escaped only for ':' (as %3A) but fully percent-decoded when a
 * ticket is verified (spec 12.15).  secret_data is authenticated but never
 * transmitted.  The login ticket (pveticket.h) and the short-lived VNC and
 * tunnel tickets are built on this.
 *
 * Every function takes the current time explicitly.  Deliberate deviations
 * from the Perl code, none of which changes the outcome for a ticket a
 * Proxmox node can produce: the timestamp must be 8 hex digits (Perl takes
 * [A-Z0-9]{8} and hex() stops at the first non-hex digit, which always
 * yields a time before 1979); a trailing newline is not tolerated; the
 * signature must be canonical base64.
 */
#ifndef RG_TICKET_H
#define RG_TICKET_H

#include "buf.h"
#include "compiler.h"
#include "err.h"
#include "rsasig.h"

#include <openssl/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define TICKET_TS_LEN  8
#define TICKET_MAX_LEN (64 * 1024)	/* no Proxmox ticket comes close */

/* The pieces of a well-formed ticket, borrowed from the ticket bytes. */
struct ticket_parts {
	const char *plain;	/* PREFIX ... TS, what is signed */
	size_t plain_len;
	const char *sig;	/* base64 signature */
	size_t sig_len;
	const char *data;	/* escaped data; NULL if the ticket has none */
	size_t data_len;
	uint32_t ts;
};

/* What a verified ticket carries. */
struct ticket_info {
	bool has_data;
	struct buf data;	/* percent-decoded; may contain any byte */
	int64_t age;		/* now - TS */
	enum ticket_pad pad;	/* the padding that matched */
};

void ticket_info_init(struct ticket_info *info);
void ticket_info_clear(struct ticket_info *info);

/*
 * Format check, no cryptography: (ticket,len) must match
 * ^PREFIX:\S+::[^:\s]+$ and its plain part PREFIX:[data:]TS.  Any byte
 * may appear in the input; NUL bytes and whitespace make it fail.
 * Returns false for a malformed ticket.
 */
bool ticket_parse(const char *prefix, const char *ticket, size_t len,
    struct ticket_parts *parts_r);

/* Append data with ':' escaped as %3A (nothing else is touched). */
void ticket_escape_data(struct buf *out, const char *data);

/* Timestamp as 8 upper-case hex digits; false if now is not 0..2^32-1. */
bool ticket_format_ts(time_t now, char out[TICKET_TS_LEN + 1]);
/* Read TICKET_TS_LEN upper-case hex digits at p (no NUL needed). */
bool ticket_parse_ts(const char *p, uint32_t *ts_r);

/*
 * Create a ticket.  data may be NULL (no data part), otherwise non-empty
 * and free of whitespace (such a ticket could never verify).  secret_data
 * may be NULL or "" for none.  *ticket_r is owned by the caller (free()).
 * Errors: ERR_INVALID for bad arguments, ERR_INTERNAL from OpenSSL.
 */
int ticket_sign(EVP_PKEY *key, enum ticket_pad pad, const char *prefix,
    const char *data, const char *secret_data, time_t now, char **ticket_r,
    struct err *err) RG_WARN_UNUSED;

/*
 * True when the signature of a parsed ticket is good over
 * plain[":" secret_data] with either padding (*pad_r may be NULL).
 */
bool ticket_signature_ok(EVP_PKEY *key, const struct ticket_parts *parts,
    const char *secret_data, enum ticket_pad *pad_r);

/*
 * Verify a ticket: format, signature (PKCS#1 v1.5 or PSS) with key over
 * plain[":" secret_data], and min_age < now - TS < max_age (strict).  On
 * success fills *info (initialised by the caller with ticket_info_init;
 * clear it with ticket_info_clear).  Any failure is ERR_AUTH
 * "permission denied - invalid PREFIX ticket"; key may be NULL (always
 * fails).
 */
int ticket_verify(EVP_PKEY *key, const char *prefix, const char *ticket,
    size_t len, const char *secret_data, time_t now, int64_t min_age,
    int64_t max_age, struct ticket_info *info, struct err *err)
    RG_WARN_UNUSED;

#endif
