/*
 * RSA key generation and PEM coding (see rsakey.h).  Only EVP and PEM
 * APIs: the RSA_* functions are deprecated in OpenSSL 3.  Private PEM
 * passes through a secure-memory BIO, which is wiped when freed.
 */
#include "rsakey.h"
#include "ossl.h"

#include <limits.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

int
rsakey_generate(unsigned bits, EVP_PKEY **key_r, struct err *err)
{
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *key = NULL;
	int rc = -1;

	ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	if (ctx == NULL || EVP_PKEY_keygen_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, (int)bits) <= 0 ||
	    EVP_PKEY_generate(ctx, &key) <= 0) {
		ossl_err(err, ERR_INTERNAL, "unable to generate RSA key");
		goto out;
	}
	/* OpenSSL's default public exponent is 65537, as Proxmox's keys */
	*key_r = key;
	rc = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

static int
bio_drain(BIO *bio, struct buf *out, struct err *err)
{
	char *p;
	long n = BIO_get_mem_data(bio, &p);

	if (n <= 0)
		return err_set(err, ERR_INTERNAL, "empty PEM output");
	buf_put(out, p, (size_t)n);
	return 0;
}

int
rsakey_priv_pem(EVP_PKEY *key, enum rsakey_format fmt, struct buf *out,
    struct err *err)
{
	BIO *bio = BIO_new(BIO_s_secmem());
	int ok, rc = -1;

	if (bio == NULL)
		return ossl_err(err, ERR_INTERNAL, "BIO_new");
	if (fmt == RSAKEY_PKCS1)
		ok = PEM_write_bio_PrivateKey_traditional(bio, key, NULL, NULL,
		    0, NULL, NULL);
	else
		ok = PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL,
		    NULL);
	if (!ok) {
		ossl_err(err, ERR_INTERNAL, "unable to encode private key");
		goto out;
	}
	rc = bio_drain(bio, out, err);
out:
	BIO_free(bio);
	return rc;
}

int
rsakey_pub_pem(EVP_PKEY *key, struct buf *out, struct err *err)
{
	BIO *bio = BIO_new(BIO_s_mem());
	int rc = -1;

	if (bio == NULL)
		return ossl_err(err, ERR_INTERNAL, "BIO_new");
	if (!PEM_write_bio_PUBKEY(bio, key)) {
		ossl_err(err, ERR_INTERNAL, "unable to encode public key");
		goto out;
	}
	rc = bio_drain(bio, out, err);
out:
	BIO_free(bio);
	return rc;
}

/* Do the private key's parts belong together (n = pq, e d = 1, ...)? */
static bool
pairwise_ok(EVP_PKEY *key)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	bool ok = ctx != NULL && EVP_PKEY_pairwise_check(ctx) == 1;

	EVP_PKEY_CTX_free(ctx);
	if (!ok)
		ossl_err_drop();
	return ok;
}

static int
parse_pem(const void *pem, size_t len, bool priv, const char *what,
    EVP_PKEY **key_r, struct err *err)
{
	EVP_PKEY *key;
	BIO *bio;

	if (len == 0 || len > INT_MAX)
		return err_set(err, ERR_INVALID, "unable to parse %s", what);
	bio = BIO_new_mem_buf(pem, (int)len);
	if (bio == NULL)
		return ossl_err(err, ERR_INTERNAL, "BIO_new_mem_buf");
	if (priv)
		key = PEM_read_bio_PrivateKey(bio, NULL, ossl_no_passphrase,
		    NULL);
	else
		/* without a callback OpenSSL asks the terminal for the
		 * passphrase of an encrypted key found in the file */
		key = PEM_read_bio_PUBKEY(bio, NULL, ossl_no_passphrase, NULL);
	BIO_free(bio);
	if (key == NULL) {
		ossl_err_drop();
		return err_set(err, ERR_INVALID, "unable to parse %s", what);
	}
	if (!EVP_PKEY_is_a(key, "RSA")) {
		EVP_PKEY_free(key);
		return err_set(err, ERR_INVALID, "%s is not an RSA key", what);
	}
	/*
	 * PEM decoding does not check that the private parts belong
	 * together: a damaged key would sign tickets that nobody accepts.
	 */
	if (priv && !pairwise_ok(key)) {
		EVP_PKEY_free(key);
		return err_set(err, ERR_INVALID, "%s is not a consistent RSA key",
		    what);
	}
	*key_r = key;
	return 0;
}

int
rsakey_parse_priv(const void *pem, size_t len, const char *what,
    EVP_PKEY **key_r, struct err *err)
{
	return parse_pem(pem, len, true, what, key_r, err);
}

int
rsakey_parse_pub(const void *pem, size_t len, const char *what,
    EVP_PKEY **key_r, struct err *err)
{
	return parse_pem(pem, len, false, what, key_r, err);
}
