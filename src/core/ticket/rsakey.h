/*
 * RSA key material for tickets: generation and PEM encoding in the forms
 * Proxmox's files use (spec 1.10, 1.11).  Public keys are PEM
 * SubjectPublicKeyInfo ("BEGIN PUBLIC KEY"); private keys are read in
 * PKCS#1 or PKCS#8 and written as PKCS#1 ("BEGIN RSA PRIVATE KEY") like
 * Proxmox's rotation, or PKCS#8 like `openssl genrsa` on OpenSSL 3.
 */
#ifndef RG_TICKET_RSAKEY_H
#define RG_TICKET_RSAKEY_H

#include "buf.h"
#include "compiler.h"
#include "err.h"

#include <openssl/types.h>
#include <stdbool.h>
#include <stddef.h>

#define RSAKEY_BITS 2048

enum rsakey_format {
	RSAKEY_PKCS1,	/* BEGIN RSA PRIVATE KEY */
	RSAKEY_PKCS8,	/* BEGIN PRIVATE KEY */
};

/* Generate an RSA key of the given size, e = 65537.  *key_r is owned. */
int rsakey_generate(unsigned bits, EVP_PKEY **key_r, struct err *err)
    RG_WARN_UNUSED;

/*
 * Append the private key as PEM to out.  out holds a secret: release it
 * with buf_clear_secret().
 */
int rsakey_priv_pem(EVP_PKEY *key, enum rsakey_format fmt, struct buf *out,
    struct err *err) RG_WARN_UNUSED;

/* Append the public key as PEM SubjectPublicKeyInfo to out. */
int rsakey_pub_pem(EVP_PKEY *key, struct buf *out, struct err *err)
    RG_WARN_UNUSED;

/*
 * Parse a PEM private key (PKCS#1 or PKCS#8, unencrypted) or public key
 * (SubjectPublicKeyInfo); anything but RSA is refused.  *key_r is owned
 * (EVP_PKEY_free).  `what` names the source in error messages.
 */
int rsakey_parse_priv(const void *pem, size_t len, const char *what,
    EVP_PKEY **key_r, struct err *err) RG_WARN_UNUSED;
int rsakey_parse_pub(const void *pem, size_t len, const char *what,
    EVP_PKEY **key_r, struct err *err) RG_WARN_UNUSED;

#endif
