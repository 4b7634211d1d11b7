/*
 * Base64 with the standard alphabet and no line breaks.  Proxmox uses two
 * flavours: ticket signatures are padded (MIME::Base64), CSRF secrets and
 * tokens are not (Digest::SHA's *_base64), so padding is a parameter.
 * WebAuthn's base64url is a third.
 */
#ifndef RG_TICKET_B64_H
#define RG_TICKET_B64_H

#include "buf.h"
#include "compiler.h"

#include <stdbool.h>
#include <stddef.h>

/* Length of the encoding of len bytes, without the terminating NUL. */
size_t b64_encoded_len(size_t len, bool pad);

/*
 * Encode (data,len) into out, which must hold b64_encoded_len() + 1 bytes;
 * the result is NUL-terminated.
 */
void b64_encode(char *out, const void *data, size_t len, bool pad);

/* Append the encoding of (data,len) to b. */
void b64_encode_buf(struct buf *b, const void *data, size_t len, bool pad);

/*
 * Strictly decode (p,len), appending the bytes to out: only the standard
 * alphabet, '=' padding optional but correct when present, no whitespace,
 * unused trailing bits zero.  Returns false (out unchanged in length) on any
 * malformed input.
 */
bool b64_decode(const char *p, size_t len, struct buf *out) RG_WARN_UNUSED;

/*
 * base64url (RFC 4648 section 5, no padding), as WebAuthn carries binary
 * data in JSON.  The decoder accepts what webauthn-rs accepts: the URL-safe
 * or the standard alphabet (not both in one string), padding optional.
 */
void b64url_encode_buf(struct buf *b, const void *data, size_t len);
bool b64url_decode(const char *p, size_t len, struct buf *out) RG_WARN_UNUSED;

#endif
