/*
 * Ticket key rotation (spec 1.10), in Proxmox's order: keep the current
 * public key as authkey.pub.old, install the new public key, then the new
 * private key.  A verifier in between sees the new public key before the
 * signer has the private one, which is harmless; a failure after the
 * public key was replaced removes both files so the next attempt starts
 * clean instead of signing with a key nobody can verify.  In a shared
 * store the three files change in one transaction.
 */
#include "authkey.h"
#include "cfs/cfs.h"
#include "fileio.h"
#include "rsakey.h"

#include <openssl/evp.h>

/* A public key file: mode 0644, mtime now (the key's age). */
static int
write_pub(const char *dir, const char *rel, const struct buf *pem,
    time_t now, struct err *err)
{
	return cfs_write_dated(dir, rel, pem->data, pem->len, 0644, now, err);
}

static int
install(const char *dir, EVP_PKEY *key, time_t now, struct err *err)
{
	struct buf cur = BUF_INIT, pub = BUF_INIT, priv = BUF_INIT;
	struct err ignored;
	bool have_cur;
	int rc = -1;

	if (rsakey_pub_pem(key, &pub, err) < 0 ||
	    rsakey_priv_pem(key, RSAKEY_PKCS1, &priv, err) < 0)
		return -1;
	have_cur = cfs_read(dir, AUTHKEY_PUB_FILE, FILE_MAX_SECRET, &cur,
	    &ignored) == 0 && cur.len > 0;
	/* one transaction in a shared store; in this order on disk */
	cfs_group_begin();
	if (have_cur && write_pub(dir, AUTHKEY_OLD_FILE, &cur, now, err) < 0)
		goto out;
	if (write_pub(dir, AUTHKEY_PUB_FILE, &pub, now, err) < 0) {
		if (have_cur)
			(void)!write_pub(dir, AUTHKEY_PUB_FILE, &cur, now,
			    &ignored);
		goto out;
	}
	if (cfs_write(dir, AUTHKEY_PRIV_FILE, priv.data, priv.len, 0600, 0,
	    err) < 0 || cfs_group_commit(dir, err) < 0) {
		/* nobody can sign for this public key: force regeneration */
		(void)!cfs_remove(dir, AUTHKEY_PUB_FILE, &ignored);
		(void)!cfs_remove(dir, AUTHKEY_PRIV_FILE, &ignored);
		goto out;
	}
	rc = 0;
out:
	cfs_group_end(dir);
	buf_clear(&cur);
	buf_clear(&pub);
	buf_clear_secret(&priv);
	return rc;
}

int
authkey_rotate(struct authkey_store *ks, time_t now, bool *rotated_r,
    struct err *err)
{
	EVP_PKEY *key = NULL;
	int rc = -1;

	if (rotated_r != NULL)
		*rotated_r = false;
	/* under the lock now: another node may have rotated meanwhile */
	authkey_store_invalidate(ks);
	if (!authkey_needs_rotation(ks, now))
		return 0;
	if (rsakey_generate(RSAKEY_BITS, &key, err) < 0)
		goto out;
	rc = install(authkey_store_dir(ks), key, now, err);
	authkey_store_invalidate(ks);
	if (rc == 0 && rotated_r != NULL)
		*rotated_r = true;
out:
	if (rc < 0)
		err_prefix(err, "auth key rotation failed: ");
	EVP_PKEY_free(key);
	return rc;
}
