/*
 * Ticket key rotation (spec 1.10), in Proxmox's order: keep the current
 * public key as authkey.pub.old, install the new public key, then the new
 * private key.  A verifier in between sees the new public key before the
 * signer has the private one, which is harmless; a failure after the
 * public key was replaced removes both files so the next attempt starts
 * clean instead of signing with a key nobody can verify.
 */
#include "authkey.h"
#include "fileio.h"
#include "rsakey.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Write a public key file with mode 0644 and mtime now. */
static int
write_pub(const char *path, const struct buf *pem, time_t now,
    struct err *err)
{
	struct timespec times[2] = {
		{ .tv_sec = 0, .tv_nsec = UTIME_OMIT },
		{ .tv_sec = now, .tv_nsec = 0 },
	};

	if (file_write_atomic(path, pem->data, pem->len, 0644, err) < 0)
		return -1;
	/* the mtime is the key's age: make it the clock we were given */
	if (utimensat(AT_FDCWD, path, times, 0) < 0)
		return err_set(err, ERR_IO, "unable to set mtime of '%s' - %s",
		    path, strerror(errno));
	return 0;
}

struct paths {
	struct buf pub, old, privdir, priv;
};

static void
paths_init(struct paths *p, const char *dir)
{
	memset(p, 0, sizeof(*p));
	buf_putf(&p->pub, "%s/%s", dir, AUTHKEY_PUB_FILE);
	buf_putf(&p->old, "%s/%s", dir, AUTHKEY_OLD_FILE);
	buf_putf(&p->privdir, "%s/%s", dir, AUTHKEY_PRIV_DIR);
	buf_putf(&p->priv, "%s/%s", dir, AUTHKEY_PRIV_FILE);
}

static void
paths_clear(struct paths *p)
{
	buf_clear(&p->pub);
	buf_clear(&p->old);
	buf_clear(&p->privdir);
	buf_clear(&p->priv);
}

static int
install(const struct paths *p, EVP_PKEY *key, time_t now, struct err *err)
{
	struct buf cur = BUF_INIT, pub = BUF_INIT, priv = BUF_INIT;
	struct err ignored;
	bool have_cur;
	int rc = -1;

	if (rsakey_pub_pem(key, &pub, err) < 0 ||
	    rsakey_priv_pem(key, RSAKEY_PKCS1, &priv, err) < 0)
		goto out;
	have_cur = file_read(buf_str(&p->pub), FILE_MAX_SECRET, &cur,
	    &ignored) == 0 && cur.len > 0;
	if (have_cur && write_pub(buf_str(&p->old), &cur, now, err) < 0)
		goto out;
	if (write_pub(buf_str(&p->pub), &pub, now, err) < 0) {
		if (have_cur)
			(void)!write_pub(buf_str(&p->pub), &cur, now, &ignored);
		goto out;
	}
	if (file_mkdirs(buf_str(&p->privdir), 0700, err) < 0 ||
	    file_write_atomic(buf_str(&p->priv), priv.data, priv.len, 0600,
	    err) < 0) {
		/* nobody can sign for this public key: force regeneration */
		unlink(buf_str(&p->pub));
		unlink(buf_str(&p->priv));
		goto out;
	}
	rc = 0;
out:
	buf_clear(&cur);
	buf_clear(&pub);
	buf_clear_secret(&priv);
	return rc;
}

int
authkey_rotate(struct authkey_store *ks, time_t now, bool *rotated_r,
    struct err *err)
{
	struct paths p;
	EVP_PKEY *key = NULL;
	int rc = -1;

	if (rotated_r != NULL)
		*rotated_r = false;
	/* under the lock now: another node may have rotated meanwhile */
	authkey_store_invalidate(ks);
	if (!authkey_needs_rotation(ks, now))
		return 0;
	paths_init(&p, authkey_store_dir(ks));
	if (rsakey_generate(RSAKEY_BITS, &key, err) < 0)
		goto out;
	rc = install(&p, key, now, err);
	authkey_store_invalidate(ks);
	if (rc == 0 && rotated_r != NULL)
		*rotated_r = true;
out:
	if (rc < 0)
		err_prefix(err, "auth key rotation failed: ");
	EVP_PKEY_free(key);
	paths_clear(&p);
	return rc;
}
