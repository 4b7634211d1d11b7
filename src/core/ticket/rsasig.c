/*
 * SHA-1 RSA signatures in both paddings (see rsasig.h), through the EVP
 * digest-sign API so no deprecated RSA_* call is needed.
 */
#include "rsasig.h"
#include "ossl.h"

#include <openssl/evp.h>
#include <openssl/rsa.h>

static int
set_padding(EVP_PKEY_CTX *pctx, enum ticket_pad pad, bool sign)
{
	if (pad == TICKET_PAD_PKCS1)
		return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING);
	if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, "SHA1", NULL) <= 0)
		return 0;
	return EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx,
	    sign ? RSASIG_PSS_SALT : RSA_PSS_SALTLEN_AUTO);
}

int
rsasig_sign(EVP_PKEY *key, enum ticket_pad pad, const void *msg, size_t len,
    struct buf *sig, struct err *err)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	unsigned char *out = NULL;
	size_t out_len = 0;
	int rc = -1;

	if (md == NULL)
		return ossl_err(err, ERR_INTERNAL, "EVP_MD_CTX_new");
	if (EVP_DigestSignInit_ex(md, &pctx, "SHA1", NULL, NULL, key,
	    NULL) <= 0 || set_padding(pctx, pad, true) <= 0 ||
	    EVP_DigestSign(md, NULL, &out_len, msg, len) <= 0) {
		ossl_err(err, ERR_INTERNAL, "unable to sign ticket");
		goto out;
	}
	out = OPENSSL_malloc(out_len);
	if (out == NULL ||
	    EVP_DigestSign(md, out, &out_len, msg, len) <= 0) {
		ossl_err(err, ERR_INTERNAL, "unable to sign ticket");
		goto out;
	}
	buf_put(sig, out, out_len);
	rc = 0;
out:
	OPENSSL_free(out);
	EVP_MD_CTX_free(md);
	return rc;
}

bool
rsasig_verify(EVP_PKEY *key, enum ticket_pad pad, const void *msg,
    size_t len, const void *sig, size_t sig_len)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	bool ok;

	if (md == NULL) {
		ossl_err_drop();
		return false;
	}
	ok = EVP_DigestVerifyInit_ex(md, &pctx, "SHA1", NULL, NULL, key,
	    NULL) > 0 && set_padding(pctx, pad, false) > 0 &&
	    EVP_DigestVerify(md, sig, sig_len, msg, len) == 1;
	EVP_MD_CTX_free(md);
	/* a bad signature is an expected outcome, not an error to keep */
	ossl_err_drop();
	return ok;
}

bool
rsasig_verify_any(EVP_PKEY *key, const void *msg, size_t len,
    const void *sig, size_t sig_len, enum ticket_pad *pad_r)
{
	enum ticket_pad pad = TICKET_PAD_PKCS1;

	if (!rsasig_verify(key, pad, msg, len, sig, sig_len)) {
		pad = TICKET_PAD_PSS;
		if (!rsasig_verify(key, pad, msg, len, sig, sig_len))
			return false;
	}
	if (pad_r != NULL)
		*pad_r = pad;
	return true;
}
