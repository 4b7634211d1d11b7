/*
 * The pve realm (spec 1.5, 5.3): passwords are crypt hashes in
 * priv/shadow.cfg.  Verification hands the stored hash to libxcrypt's
 * crypt_r as the setting, so every scheme Proxmox or an admin may have
 * written verifies, and compares the result in constant time.  New hashes
 * are yescrypt, the libxcrypt default (Proxmox itself writes $5$; both
 * directions stay compatible because Proxmox verifies with crypt too).
 *
 * The file is read as a secret file (owner and mode checked).  Writers are
 * called with the shadow.cfg lock held by the caller; a file with lines we
 * could not parse is never rewritten, so nothing is silently dropped.
 */
#include "realm_pve.h"
#include "buf.h"
#include "diag.h"
#include "fileio.h"
#include "secret.h"
#include "shadow_compat.h"
#include "xalloc.h"

#include <crypt.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define SALT_BYTES 16

static int
random_bytes(void *p, size_t len, struct err *err)
{
	char *c = p;

	while (len > 0) {
		ssize_t n = getrandom(c, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_set(err, ERR_INTERNAL, "getrandom: %s",
			    strerror(errno));
		c += n;
		len -= (size_t)n;
	}
	return 0;
}

/* libxcrypt signals failure with NULL or a string starting with '*'. */
static bool
crypt_failed(const char *h)
{
	return h == NULL || h[0] == '*' || h[0] == '\0';
}

int
realm_pve_hash_password(const char *password, char **hash_r,
    struct err *err)
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	unsigned char rnd[SALT_BYTES];
	struct crypt_data *cd = NULL;
	const char *h;
	int ret = -1;

	if (password == NULL || password[0] == '\0')
		return err_set(err, ERR_INVALID, "empty password refused");
	if (random_bytes(rnd, sizeof(rnd), err) < 0)
		goto out;
	if (crypt_gensalt_rn("$y$", 0, (const char *)rnd, sizeof(rnd),
	    setting, sizeof(setting)) == NULL) {
		err_set(err, ERR_INTERNAL, "crypt_gensalt: %s",
		    strerror(errno));
		goto out;
	}
	cd = xcalloc(1, sizeof(*cd));
	h = crypt_r(password, setting, cd);
	if (crypt_failed(h)) {
		err_set(err, ERR_INTERNAL, "crypt: %s", strerror(errno));
		goto out;
	}
	*hash_r = xstrdup(h);
	ret = 0;
out:
	secret_wipe(rnd, sizeof(rnd));
	if (cd != NULL)
		secret_wipe(cd, sizeof(*cd));
	free(cd);
	return ret;
}

int
realm_pve_shadow_set_password(struct shadow *s, const char *user,
    const char *password, struct err *err)
{
	char *hash = NULL;

	if (realm_pve_hash_password(password, &hash, err) < 0)
		return -1;
	shadow_set(s, user, hash);
	secret_free_str(hash);
	return 0;
}

enum realm_result
realm_pve_verify(const char *stored, const char *password, struct err *err)
{
	struct crypt_data *cd;
	enum realm_result res;
	const char *h;

	if (password == NULL || password[0] == '\0') {
		err_set(err, ERR_AUTH, "no password");
		return REALM_DENIED;
	}
	cd = xcalloc(1, sizeof(*cd));
	h = crypt_r(password, stored, cd);
	if (crypt_failed(h)) {
		/* Fail closed, but say in the log that the hash is the cause. */
		err_set(err, ERR_AUTH, "stored password hash is invalid or "
		    "uses an unsupported scheme");
		res = REALM_DENIED;
	} else if (secret_streq(h, stored)) {
		res = REALM_OK;
	} else {
		err_set(err, ERR_AUTH, "invalid credentials");
		res = REALM_DENIED;
	}
	secret_wipe(cd, sizeof(*cd));
	free(cd);
	return res;
}

enum realm_result
realm_pve_check(const struct shadow *s, const char *user,
    const char *password, struct err *err)
{
	const char *stored = s != NULL ? shadow_get(s, user) : NULL;

	if (stored == NULL) {
		err_set(err, ERR_AUTH, "no password set");
		return REALM_DENIED;
	}
	return realm_pve_verify(stored, password, err);
}

static int
shadow_path(const struct realm_ctx *realm, struct buf *path,
    struct err *err)
{
	if (realm->config_dir == NULL || realm->config_dir[0] == '\0')
		return err_set(err, ERR_INVALID, "realm '%s': no config "
		    "directory", realm->name != NULL ? realm->name : "");
	buf_putf(path, "%s/%s", realm->config_dir, REALM_PVE_SHADOW);
	return 0;
}

/*
 * Load the shadow file into *s_r (a missing file is an empty one).  With
 * for_write, a file with unparsable lines is refused.
 */
static int
shadow_load(const char *path, bool for_write, struct shadow **s_r,
    struct err *err)
{
	struct buf text = BUF_INIT;
	struct diag d;
	int ret = -1;

	diag_init(&d);
	if (file_read_secret(path, &text, err) < 0) {
		if (err->code != ERR_NOT_FOUND)
			goto out;
		err_clear(err);
	}
	*s_r = shadow_parse(buf_str(&text), text.len, path, &d);
	if (for_write && diag_dropped_count(&d) > 0) {
		shadow_free(*s_r);
		*s_r = NULL;
		err_set(err, ERR_INVALID, "%s:%u: %s - refusing to rewrite "
		    "the file", d.items[0].file, d.items[0].line,
		    d.items[0].msg);
		goto out;
	}
	ret = 0;
out:
	buf_clear_secret(&text);
	diag_clear(&d);
	return ret;
}

static int
shadow_store(const char *path, const struct shadow *s, struct err *err)
{
	const char *slash = strrchr(path, '/');
	struct buf text = BUF_INIT;
	char *dir;
	int ret;

	/* A first password in a fresh config directory creates priv/. */
	if (slash != NULL && slash != path) {
		dir = xstrndup(path, (size_t)(slash - path));
		ret = file_mkdirs(dir, 0700, err);
		free(dir);
		if (ret < 0)
			return -1;
	}
	shadow_write(s, &text);
	ret = file_write_atomic(path, buf_str(&text), text.len, 0600, err);
	buf_clear_secret(&text);
	return ret;
}

static enum realm_result
pve_authenticate(const struct realm_ctx *realm, const char *user,
    const char *password, const char *rhost, struct err *err)
{
	struct buf path = BUF_INIT;
	struct shadow *s = NULL;
	enum realm_result res = REALM_ERROR;

	(void)rhost;
	if (shadow_path(realm, &path, err) < 0 ||
	    shadow_load(buf_str(&path), false, &s, err) < 0)
		goto out;
	res = realm_pve_check(s, user, password, err);
out:
	shadow_free(s);
	buf_clear(&path);
	return res;
}

static int
pve_set_password(const struct realm_ctx *realm, const char *user,
    const char *password, struct err *err)
{
	struct buf path = BUF_INIT;
	struct shadow *s = NULL;
	int ret = -1;

	if (shadow_path(realm, &path, err) < 0 ||
	    shadow_load(buf_str(&path), true, &s, err) < 0 ||
	    realm_pve_shadow_set_password(s, user, password, err) < 0 ||
	    shadow_store(buf_str(&path), s, err) < 0)
		goto out;
	ret = 0;
out:
	shadow_free(s);
	buf_clear(&path);
	return ret;
}

static int
pve_delete_user(const struct realm_ctx *realm, const char *user,
    struct err *err)
{
	struct buf path = BUF_INIT;
	struct shadow *s = NULL;
	int ret = -1;

	if (shadow_path(realm, &path, err) < 0 ||
	    shadow_load(buf_str(&path), true, &s, err) < 0)
		goto out;
	ret = 0;
	if (shadow_get(s, user) == NULL)
		goto out;	/* nothing to remove, leave the file alone */
	shadow_del(s, user);
	ret = shadow_store(buf_str(&path), s, err);
out:
	shadow_free(s);
	buf_clear(&path);
	return ret;
}

const struct realm_ops realm_ops_pve = {
	.type = "pve",
	.caps = REALM_CAP_PASSWORD | REALM_CAP_STORE_PW,
	.authenticate = pve_authenticate,
	.set_password = pve_set_password,
	.delete_user = pve_delete_user,
};
