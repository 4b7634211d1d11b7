/*
 * Yubico OTP checked against a validation server (Yubico's protocol 2.0,
 * spec 10.2): the realm's `tfa type=yubico,id=...,key=...[,url=...]`
 * names the server and the API client whose key signs the request and
 * the answer.
 */
#ifndef RG_YUBICO_H
#define RG_YUBICO_H

#include "buf.h"
#include "compiler.h"
#include "err.h"

#include <stddef.h>

#define YUBICO_DEFAULT_URL "https://api2.yubico.com/wsapi/2.0/verify"
#define YUBICO_ID_LEN	   12	/* the public id: an OTP's first 12 chars */
#define YUBICO_OTP_MIN	   32
#define YUBICO_OTP_MAX	   48

struct yubico_client {
	const char *url;	/* NULL: YUBICO_DEFAULT_URL */
	const char *api_id;
	const char *api_key;	/* base64, as the realm stores it */
	unsigned timeout_s;	/* 0: the HTTP client's default */
};

/*
 * Ask the server about otp.  Succeeds only when the answer is signed with
 * the API key, says status=OK, echoes our otp and nonce, and the key's
 * public id (the OTP's first 12 characters, lower-cased) is one of ids.
 * The public id goes to *public_id_r when it is not NULL (adding a key).
 * ERR_UNAVAILABLE when the server cannot be reached; ERR_AUTH otherwise.
 */
int yubico_verify(const struct yubico_client *yc, const char *otp,
    const char *const *ids, size_t n_ids, struct buf *public_id_r,
    struct err *err) RG_WARN_UNUSED;

/*
 * The server's answer (body, split in place) to our request for otp
 * with nonce: signed with api_key, status=OK, otp and nonce echoed.
 */
int yubico_answer_check(const char *api_key, struct buf *body,
    const char *otp, const char *nonce, struct err *err) RG_WARN_UNUSED;

/*
 * The signature Yubico's protocol puts in `h`: base64 HMAC-SHA1, keyed
 * with the base64-decoded API key, over `k=v&k=v` (sorted by key).
 * -1 if the key is not base64.
 */
int yubico_sign(const char *api_key, const char *data, struct buf *out);

#endif
