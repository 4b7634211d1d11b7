/*
 * The RSA signature of Proxmox tickets: SHA-1 digest, padding either
 * RSASSA-PKCS1-v1_5 (Crypt::OpenSSL::RSA before 0.35, deterministic) or
 * RSASSA-PSS with MGF1-SHA-1 and a 20-byte salt (0.35 on OpenSSL 3).
 * Spec 4.1: a verifier accepts both.
 */
#ifndef RG_TICKET_RSASIG_H
#define RG_TICKET_RSASIG_H

#include "buf.h"
#include "compiler.h"
#include "err.h"

#include <openssl/types.h>
#include <stdbool.h>
#include <stddef.h>

enum ticket_pad {
	TICKET_PAD_PKCS1 = 0,	/* RSASSA-PKCS1-v1_5 (the default) */
	TICKET_PAD_PSS,		/* RSASSA-PSS, MGF1-SHA-1, salt 20 */
};

#define RSASIG_PSS_SALT 20

/* Sign (msg,len) with the private key; append the raw signature to sig. */
int rsasig_sign(EVP_PKEY *key, enum ticket_pad pad, const void *msg,
    size_t len, struct buf *sig, struct err *err) RG_WARN_UNUSED;

/*
 * Check a signature with one padding.  PSS accepts any salt length the
 * encoding recovers (OpenSSL's "auto"), so signers that use the maximum
 * salt instead of 20 bytes verify too.
 */
bool rsasig_verify(EVP_PKEY *key, enum ticket_pad pad, const void *msg,
    size_t len, const void *sig, size_t sig_len);

/* Either padding; *pad_r (may be NULL) says which one matched. */
bool rsasig_verify_any(EVP_PKEY *key, const void *msg, size_t len,
    const void *sig, size_t sig_len, enum ticket_pad *pad_r);

#endif
