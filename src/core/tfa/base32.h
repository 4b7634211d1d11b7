/*
 * Base32 (RFC 4648 alphabet) as the Rust `base32` crate that proxmox-tfa
 * uses: encoding upper-case without padding (the otpauth URI's secret),
 * decoding lenient the same way - any case, up to six trailing '=' not
 * counted, a partial last byte dropped.
 */
#ifndef RG_TFA_BASE32_H
#define RG_TFA_BASE32_H

#include "buf.h"
#include "compiler.h"

#include <stdbool.h>
#include <stddef.h>

/* Append the encoding of (data, len) to out. */
void base32_encode(const void *data, size_t len, struct buf *out);
/*
 * Append the decoding of (p, len) to out (a secret: the caller wipes it).
 * False for a byte outside the alphabet; out is then left as it was.
 */
bool base32_decode(const char *p, size_t len, struct buf *out)
    RG_WARN_UNUSED;

#endif
