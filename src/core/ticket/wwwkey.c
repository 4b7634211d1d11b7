/*
 * pve-www.key: the raw bytes that key the CSRF secret (spec 1.11).  Read
 * through the secret-file checks; generated once if missing.  Creation
 * goes through a temporary file and link(2), so two processes racing to
 * create it agree on one file and nobody ever sees a torn one.
 */
#include "csrf.h"
#include "cfs/cfs.h"
#include "fileio.h"
#include "rsakey.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <string.h>
#include <unistd.h>

static int
sync_dir(const char *dir, struct err *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

	if (fd < 0 || fsync(fd) < 0)
		rc = err_set(err, ERR_IO, "unable to sync directory '%s' - %s",
		    dir, strerror(errno));
	if (fd >= 0)
		close(fd);
	return rc;
}

static int
wwwkey_create(const char *dir, const char *path, struct err *err)
{
	struct buf pem = BUF_INIT, tmp = BUF_INIT;
	EVP_PKEY *key = NULL;
	int rc = -1;

	if (rsakey_generate(RSAKEY_BITS, &key, err) < 0 ||
	    rsakey_priv_pem(key, RSAKEY_PKCS8, &pem, err) < 0)
		goto out;
	buf_putf(&tmp, "%s.new.%ld", path, (long)getpid());
	if (file_write_atomic(buf_str(&tmp), pem.data, pem.len, 0600,
	    err) < 0)
		goto out;
	if (link(buf_str(&tmp), path) < 0 && errno != EEXIST) {
		err_set(err, ERR_IO, "unable to create '%s' - %s", path,
		    strerror(errno));
		unlink(buf_str(&tmp));
		goto out;
	}
	unlink(buf_str(&tmp));
	rc = sync_dir(dir, err);
out:
	EVP_PKEY_free(key);
	buf_clear_secret(&pem);
	buf_clear(&tmp);
	return rc;
}

/*
 * In a shared store: created only if still absent in the snapshot it was
 * computed from (the commit compares), so nodes racing to create it agree
 * on the one that landed first.
 */
static int
wwwkey_create_shared(const char *config_dir, struct err *err)
{
	struct buf pem = BUF_INIT;
	EVP_PKEY *key = NULL;
	int rc = -1;

	if (rsakey_generate(RSAKEY_BITS, &key, err) < 0 ||
	    rsakey_priv_pem(key, RSAKEY_PKCS8, &pem, err) < 0)
		goto out;
	rc = cfs_write(config_dir, CSRF_WWWKEY_FILE, pem.data, pem.len, 0600,
	    0, err);
	if (rc < 0 && err->code == ERR_LOCK) {
		err_clear(err);	/* another node's landed first: use it */
		rc = 0;
	}
out:
	EVP_PKEY_free(key);
	buf_clear_secret(&pem);
	return rc;
}

int
csrf_secret_load(const char *config_dir, bool create,
    struct csrf_secret *out, struct err *err)
{
	struct buf path = BUF_INIT, bytes = BUF_INIT;
	int rc = -1;

	if (cfs_read(config_dir, CSRF_WWWKEY_FILE, 0, &bytes, err) < 0) {
		if (err->code != ERR_NOT_FOUND || !create)
			goto out;
		cfs_path(config_dir, CSRF_WWWKEY_FILE, &path);
		if ((cfs_is_etcd() ? wwwkey_create_shared(config_dir, err) :
		    wwwkey_create(config_dir, buf_str(&path), err)) < 0 ||
		    cfs_read(config_dir, CSRF_WWWKEY_FILE, 0, &bytes, err) < 0)
			goto out;
	}
	csrf_secret_derive(bytes.data != NULL ? bytes.data : "", bytes.len,
	    out);
	rc = 0;
out:
	buf_clear_secret(&bytes);
	buf_clear(&path);
	return rc;
}
