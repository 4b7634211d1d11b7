/*
 * The daemon's TLS certificate and key.  A fresh install has none, and an
 * access-control service must not fall back to plain HTTP, so on first
 * start we generate a self-signed pair.  It is made to be usable as its
 * own trust anchor (curl --cacert, Python verify=, GnuTLS trust files):
 * subject == issuer, SAN for every name a local client uses, and no
 * keyUsage extension: one without keyCertSign makes OpenSSL 1.1.1 refuse
 * to see the certificate as self-signed.  We keep CA:FALSE: OpenSSL 3,
 * Python's ssl (also with VERIFY_X509_STRICT) and GnuTLS all accept a
 * self-signed leaf found in their trust file, while Firefox rejects a
 * CA:TRUE certificate presented by a server.
 *
 * Loading always re-parses both files and checks that they match, also
 * right after generation, so a race between two first starts shows up as
 * an error instead of a daemon that serves a key its certificate does not
 * name.
 */
#include "tls.h"

#include "fileio.h"
#include "secret.h"
#include "ticket/ossl.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TLS_FILE_MAX	(1024u * 1024)
#define TLS_VALID_DAYS	3650
#define TLS_SERIAL_BITS 159

/* Fill err from OpenSSL's error queue and empty it.  Returns -1. */
static int
tls_ossl_err(struct err *err, enum err_code code, const char *what,
    const char *path)
{
	unsigned long e = ERR_peek_last_error();
	const char *reason = e != 0 ? ERR_reason_error_string(e) : NULL;

	ERR_clear_error();
	if (path != NULL)
		return err_set(err, code, "%s '%s': %s", what, path,
		    reason != NULL ? reason : "unknown error");
	return err_set(err, code, "%s: %s", what,
	    reason != NULL ? reason : "unknown error");
}

static bool
path_present(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/*
 * Read the key file.  Symlinks are followed (certbot's live/ files are
 * links); what counts is the file itself: regular, not writable by group
 * or others, not readable by others.  The owner is not checked: an
 * admin's key may belong to a certificate tool's user.  The front never
 * opens it: root reads it before the front drops its privileges.
 */
static int
read_key_file(const char *path, struct buf *out, struct err *err)
{
	char chunk[4096];
	struct stat st;
	ssize_t n;
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return err_set(err, errno == ENOENT ? ERR_NOT_FOUND : ERR_IO,
		    "unable to open TLS key '%s' - %s", path,
		    strerror(errno));
	if (fstat(fd, &st) < 0) {
		err_set(err, ERR_IO, "unable to stat TLS key '%s' - %s", path,
		    strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(err, ERR_INVALID, "TLS key '%s' is not a regular file",
		    path);
		goto out;
	}
	if ((st.st_mode & 0026) != 0) {
		err_set(err, ERR_INVALID,
		    "TLS key '%s' has mode %04o: it must not be writable by "
		    "group or others nor readable by others (chmod 600)",
		    path, (unsigned)(st.st_mode & 07777));
		goto out;
	}
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_set(err, ERR_IO, "unable to read TLS key '%s' - %s",
			    path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if (out->len + (size_t)n > TLS_FILE_MAX) {
			err_set(err, ERR_INVALID, "TLS key '%s' is too large",
			    path);
			goto out;
		}
		buf_put(out, chunk, (size_t)n);
	}
	rc = 0;
out:
	secret_wipe(chunk, sizeof(chunk));
	close(fd);
	return rc;
}

/*
 * Parse both files, check that they belong together, and produce the
 * outputs in locals: the certificate text as read, the key re-encoded as
 * unencrypted PKCS#8 (whatever format the admin's file had).
 */
static int
load_pair(const char *cert_path, const char *key_path, struct buf *cert_pem,
    struct buf *key_pem, struct err *err)
{
	struct buf key_text = BUF_INIT;
	EVP_PKEY *pkey = NULL;
	X509 *cert = NULL;
	BIO *bio = NULL;
	char *data;
	long len;
	int rc = -1;

	if (file_read(cert_path, TLS_FILE_MAX, cert_pem, err) < 0) {
		err_prefix(err, "TLS certificate: ");
		goto out;
	}
	if (read_key_file(key_path, &key_text, err) < 0)
		goto out;

	bio = BIO_new_mem_buf(cert_pem->data, (int)cert_pem->len);
	if (bio == NULL) {
		tls_ossl_err(err, ERR_NOMEM, "BIO_new_mem_buf", NULL);
		goto out;
	}
	cert = PEM_read_bio_X509(bio, NULL, ossl_no_passphrase, NULL);
	BIO_free(bio);
	bio = NULL;
	if (cert == NULL) {
		tls_ossl_err(err, ERR_INVALID, "no PEM certificate in",
		    cert_path);
		goto out;
	}

	bio = BIO_new_mem_buf(key_text.data, (int)key_text.len);
	if (bio == NULL) {
		tls_ossl_err(err, ERR_NOMEM, "BIO_new_mem_buf", NULL);
		goto out;
	}
	pkey = PEM_read_bio_PrivateKey(bio, NULL, ossl_no_passphrase, NULL);
	BIO_free(bio);
	bio = NULL;
	if (pkey == NULL) {
		if (strstr(buf_str(&key_text), "ENCRYPTED") != NULL) {
			ERR_clear_error();
			err_set(err, ERR_INVALID,
			    "TLS key '%s' is encrypted; realmgate needs it "
			    "without a passphrase", key_path);
		} else {
			tls_ossl_err(err, ERR_INVALID, "no PEM private key in",
			    key_path);
		}
		goto out;
	}
	if (X509_check_private_key(cert, pkey) != 1) {
		ERR_clear_error();
		err_set(err, ERR_INVALID,
		    "TLS certificate '%s' and key '%s' do not match",
		    cert_path, key_path);
		goto out;
	}

	bio = BIO_new(BIO_s_secmem());
	if (bio == NULL ||
	    PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL) !=
		1) {
		tls_ossl_err(err, ERR_INTERNAL, "encoding TLS key", key_path);
		goto out;
	}
	len = BIO_get_mem_data(bio, &data);
	if (len <= 0) {
		tls_ossl_err(err, ERR_INTERNAL, "encoding TLS key", key_path);
		goto out;
	}
	buf_put(key_pem, data, (size_t)len);
	rc = 0;
out:
	BIO_free(bio);
	X509_free(cert);
	EVP_PKEY_free(pkey);
	buf_clear_secret(&key_text);
	return rc;
}

/* A host name usable in a dNSName: letters, digits, '-' and '.'. */
static bool
dns_name_ok(const char *s)
{
	size_t len = strlen(s), i;

	if (len == 0 || len > 253 || s[0] == '-' || s[0] == '.' ||
	    s[len - 1] == '.' || strstr(s, "..") != NULL)
		return false;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.'))
			return false;
	}
	return true;
}

static void
host_name(char *out, size_t size)
{
	size_t i;

	if (gethostname(out, size) < 0)
		out[0] = '\0';
	out[size - 1] = '\0';
	for (i = 0; out[i] != '\0'; i++) {
		if (out[i] >= 'A' && out[i] <= 'Z')
			out[i] = (char)(out[i] - 'A' + 'a');
	}
	if (!dns_name_ok(out))
		out[0] = '\0';
}

static int
add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value,
    struct err *err)
{
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
	int ok;

	if (ext == NULL)
		return tls_ossl_err(err, ERR_INTERNAL, "certificate extension",
		    value);
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	if (ok != 1)
		return tls_ossl_err(err, ERR_INTERNAL, "certificate extension",
		    value);
	return 0;
}

/* Build the self-signed certificate for pkey. */
static X509 *
make_cert(EVP_PKEY *pkey, struct err *err)
{
	char host[256];
	struct buf san = BUF_INIT;
	X509_NAME *name = NULL;
	BIGNUM *serial = NULL;
	X509V3_CTX ctx;
	X509 *x = NULL;
	const char *cn;
	bool ok = false;

	host_name(host, sizeof(host));
	/* ub-common-name is 64 */
	cn = host[0] != '\0' && strlen(host) <= 64 ? host : "localhost";
	buf_puts(&san, "DNS:localhost");
	if (host[0] != '\0' && strcmp(host, "localhost") != 0)
		buf_putf(&san, ",DNS:%s", host);
	buf_puts(&san, ",IP:127.0.0.1,IP:::1");

	x = X509_new();
	serial = BN_new();
	name = X509_NAME_new();
	if (x == NULL || serial == NULL || name == NULL) {
		tls_ossl_err(err, ERR_NOMEM, "creating certificate", NULL);
		goto out;
	}
	/* a random positive serial, as RFC 5280 and browsers want */
	if (BN_rand(serial, TLS_SERIAL_BITS, BN_RAND_TOP_ANY,
		BN_RAND_BOTTOM_ANY) != 1 ||
	    (BN_is_zero(serial) && BN_set_word(serial, 1) != 1) ||
	    BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x)) == NULL) {
		tls_ossl_err(err, ERR_INTERNAL, "certificate serial", NULL);
		goto out;
	}
	if (X509_set_version(x, X509_VERSION_3) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -86400) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), TLS_VALID_DAYS, 0,
		NULL) == NULL ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
		(const unsigned char *)cn, -1, -1, 0) != 1 ||
	    X509_set_subject_name(x, name) != 1 ||
	    X509_set_issuer_name(x, name) != 1 ||
	    X509_set_pubkey(x, pkey) != 1) {
		tls_ossl_err(err, ERR_INTERNAL, "creating certificate", NULL);
		goto out;
	}
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	if (add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE",
		err) < 0 ||
	    add_ext(x, &ctx, NID_ext_key_usage, "serverAuth", err) < 0 ||
	    add_ext(x, &ctx, NID_subject_alt_name, buf_str(&san), err) < 0 ||
	    add_ext(x, &ctx, NID_subject_key_identifier, "hash", err) < 0 ||
	    add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always",
		err) < 0)
		goto out;
	if (X509_sign(x, pkey, EVP_sha256()) <= 0) {
		tls_ossl_err(err, ERR_INTERNAL, "signing certificate", NULL);
		goto out;
	}
	ok = true;
out:
	if (!ok) {
		X509_free(x);
		x = NULL;
	}
	X509_NAME_free(name);
	BN_free(serial);
	buf_clear(&san);
	return x;
}

/* Write a new key (0600) and certificate (0644). */
static int
generate(const char *config_dir, const char *cert_path, const char *key_path,
    struct err *err)
{
	struct buf dir = BUF_INIT;
	EVP_PKEY *pkey = NULL;
	X509 *x = NULL;
	BIO *kbio = NULL, *cbio = NULL;
	char *kdata, *cdata;
	long klen, clen;
	int rc = -1;

	buf_putf(&dir, "%s/local", config_dir);
	if (!path_present(buf_str(&dir))) {
		if (file_mkdirs(buf_str(&dir), 0755, err) < 0)
			goto out;
		/* the front reads the certificate: no umask may hide it */
		if (chmod(buf_str(&dir), 0755) < 0) {
			err_set(err, ERR_IO, "unable to chmod '%s' - %s",
			    buf_str(&dir), strerror(errno));
			goto out;
		}
	}

	pkey = EVP_EC_gen("P-256");
	if (pkey == NULL) {
		tls_ossl_err(err, ERR_INTERNAL, "generating the TLS key", NULL);
		goto out;
	}
	x = make_cert(pkey, err);
	if (x == NULL)
		goto out;

	kbio = BIO_new(BIO_s_secmem());
	cbio = BIO_new(BIO_s_mem());
	if (kbio == NULL || cbio == NULL ||
	    PEM_write_bio_PrivateKey(kbio, pkey, NULL, NULL, 0, NULL, NULL) !=
		1 ||
	    PEM_write_bio_X509(cbio, x) != 1) {
		tls_ossl_err(err, ERR_INTERNAL, "encoding the TLS key", NULL);
		goto out;
	}
	klen = BIO_get_mem_data(kbio, &kdata);
	clen = BIO_get_mem_data(cbio, &cdata);
	if (klen <= 0 || clen <= 0) {
		tls_ossl_err(err, ERR_INTERNAL, "encoding the TLS key", NULL);
		goto out;
	}
	/* key first: a crash in between leaves "certificate missing" */
	if (file_write_atomic(key_path, kdata, (size_t)klen, 0600, err) < 0 ||
	    file_write_atomic(cert_path, cdata, (size_t)clen, 0644, err) < 0)
		goto out;
	rc = 0;
out:
	BIO_free(kbio);
	BIO_free(cbio);
	X509_free(x);
	EVP_PKEY_free(pkey);
	buf_clear(&dir);
	return rc;
}

int
tls_ensure_cert(const char *config_dir, const char *cert_path,
    const char *key_path, struct buf *cert_pem_r, struct buf *key_pem_r,
    struct err *err)
{
	struct buf cert_def = BUF_INIT, key_def = BUF_INIT;
	struct buf cert_pem = BUF_INIT, key_pem = BUF_INIT;
	bool defaults = cert_path == NULL && key_path == NULL;
	bool have_cert, have_key;
	size_t old_len;
	int rc = -1;

	buf_putf(&cert_def, "%s/%s", config_dir, TLS_CERT_DEFAULT);
	buf_putf(&key_def, "%s/%s", config_dir, TLS_KEY_DEFAULT);
	if (cert_path == NULL)
		cert_path = buf_str(&cert_def);
	if (key_path == NULL)
		key_path = buf_str(&key_def);

	have_cert = path_present(cert_path);
	have_key = path_present(key_path);
	if (!have_cert && !have_key && defaults) {
		if (generate(config_dir, cert_path, key_path, err) < 0)
			goto out;
	} else if (!have_cert && !have_key) {
		err_set(err, ERR_NOT_FOUND,
		    "TLS certificate '%s' and key '%s' not found", cert_path,
		    key_path);
		goto out;
	} else if (!have_cert) {
		err_set(err, ERR_NOT_FOUND,
		    "TLS certificate '%s' not found (key '%s' exists)",
		    cert_path, key_path);
		goto out;
	} else if (!have_key) {
		err_set(err, ERR_NOT_FOUND,
		    "TLS key '%s' not found (certificate '%s' exists)",
		    key_path, cert_path);
		goto out;
	}
	if (load_pair(cert_path, key_path, &cert_pem, &key_pem, err) < 0)
		goto out;
	old_len = cert_pem_r->len;
	if (buf_add(cert_pem_r, cert_pem.data, cert_pem.len) < 0)
		goto too_large;
	if (buf_add(key_pem_r, key_pem.data, key_pem.len) < 0) {
		/* leave the caller's buffers as they were */
		cert_pem_r->len = old_len;
		if (cert_pem_r->data != NULL)
			cert_pem_r->data[old_len] = '\0';
		goto too_large;
	}
	rc = 0;
	goto out;
too_large:
	err_set(err, ERR_INVALID, "TLS certificate or key too large");
out:
	buf_clear(&cert_def);
	buf_clear(&key_def);
	buf_clear(&cert_pem);
	buf_clear_secret(&key_pem);
	return rc;
}

int
tls_restrict_key(const char *config_dir, struct err *err)
{
	struct buf path = BUF_INIT;
	struct stat st;
	int fd, rc = 0;

	buf_putf(&path, "%s/%s", config_dir, TLS_KEY_DEFAULT);
	fd = open(buf_str(&path), O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NOCTTY);
	if (fd < 0) {
		if (errno != ENOENT)
			rc = err_set(err, ERR_IO, "unable to open TLS key '%s' - "
			    "%s", buf_str(&path), strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		rc = err_set(err, ERR_IO, "TLS key '%s' is not a regular file",
		    buf_str(&path));
		goto out;
	}
	/* earlier versions gave the key to the front's group */
	if ((st.st_uid != 0 || st.st_gid != 0) && fchown(fd, 0, 0) < 0)
		rc = err_set(err, ERR_IO, "unable to chown TLS key '%s' - %s",
		    buf_str(&path), strerror(errno));
	else if ((st.st_mode & 07777) != 0600 && fchmod(fd, 0600) < 0)
		rc = err_set(err, ERR_IO, "unable to chmod TLS key '%s' - %s",
		    buf_str(&path), strerror(errno));
out:
	if (fd >= 0)
		close(fd);
	buf_clear(&path);
	return rc;
}
