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
#include "diag.h"
#include "secret.h"
#include "files/shadow.h"
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
realm_pve_shadow_set_password(struct shadow_cfg *s, const char *user,
    const char *password, struct err *err)
{
	char *hash = NULL;
	int ret;

	if (realm_pve_hash_password(password, &hash, err) < 0)
		return -1;
	ret = shadow_set(s, user, hash, err);
	secret_free_str(hash);
	return ret;
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
		/* Fail closed, but let the log name the hash as the cause. */
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

void
realm_pve_equal_work(const char *password)
{
	/* any bytes do: the result is thrown away */
	static const char salt[SALT_BYTES] = "realmgate-equal";
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd;

	if (crypt_gensalt_rn("$y$", 0, salt, sizeof(salt), setting,
	    sizeof(setting)) == NULL)
		return;
	cd = xcalloc(1, sizeof(*cd));
	(void)crypt_r(password != NULL && password[0] != '\0' ? password :
	    "-", setting, cd);
	secret_wipe(cd, sizeof(*cd));
	free(cd);
}

enum realm_result
realm_pve_check(const struct shadow_cfg *s, const char *user,
    const char *password, struct err *err)
{
	const char *stored = s != NULL ? shadow_get(s, user) : NULL;

	if (stored == NULL) {
		realm_pve_equal_work(password);
		err_set(err, ERR_AUTH, "no password set");
		return REALM_DENIED;
	}
	return realm_pve_verify(stored, password, err);
}

static int
config_dir(const struct realm_ctx *realm, struct err *err)
{
	if (realm->config_dir == NULL || realm->config_dir[0] == '\0')
		return err_set(err, ERR_INVALID, "realm '%s': no config "
		    "directory", realm->name != NULL ? realm->name : "");
	return 0;
}

/*
 * Load shadow.cfg (a missing file is an empty one).  With for_write, a
 * file with lines that would be dropped on rewrite is refused.
 */
static int
load(const struct realm_ctx *realm, bool for_write, struct shadow_cfg **s_r,
    struct err *err)
{
	struct shadow_cfg *s = NULL;
	struct diag d;
	int ret = -1;

	diag_init(&d);
	if (config_dir(realm, err) < 0 ||
	    shadow_load(realm->config_dir, &d, &s, err) < 0)
		goto out;
	if (for_write && diag_dropped_count(&d) > 0) {
		err_set(err, ERR_INVALID, "%s:%u: %s - refusing to rewrite "
		    "the file", d.items[0].file, d.items[0].line,
		    d.items[0].msg);
		goto out;
	}
	*s_r = s;
	s = NULL;
	ret = 0;
out:
	shadow_free(s);
	diag_clear(&d);
	return ret;
}

static enum realm_result
pve_authenticate(const struct realm_ctx *realm, const char *user,
    const char *password, const char *rhost, struct err *err)
{
	struct shadow_cfg *s = NULL;
	enum realm_result res;

	(void)rhost;
	if (load(realm, false, &s, err) < 0)
		return REALM_ERROR;
	res = realm_pve_check(s, user, password, err);
	shadow_free(s);
	return res;
}

static int
pve_set_password(const struct realm_ctx *realm, const char *user,
    const char *password, struct err *err)
{
	struct shadow_cfg *s = NULL;
	int ret = -1;

	if (load(realm, true, &s, err) == 0 &&
	    realm_pve_shadow_set_password(s, user, password, err) == 0)
		ret = shadow_save(realm->config_dir, s, err);
	shadow_free(s);
	return ret;
}

/*
 * Whether user has an entry, and if so whether shadow.cfg can be
 * rewritten without it (no line that would be dropped); with write,
 * rewrite it so.
 */
static int
delete_entry(const struct realm_ctx *realm, const char *user, bool write,
    struct err *err)
{
	struct shadow_cfg *s = NULL;
	bool present;
	int ret = 0;

	/* nothing to remove: leave the file alone, whatever else it holds */
	if (load(realm, false, &s, err) < 0)
		return -1;
	present = shadow_delete(s, user);
	shadow_free(s);
	s = NULL;
	if (!present)
		return 0;
	/* strict: the file must be rewritable without dropping a line */
	if (load(realm, true, &s, err) < 0)
		return -1;
	if (write && shadow_delete(s, user))
		ret = shadow_save(realm->config_dir, s, err);
	shadow_free(s);
	return ret;
}

static int
pve_delete_user_check(const struct realm_ctx *realm, const char *user,
    struct err *err)
{
	return delete_entry(realm, user, false, err);
}

static int
pve_delete_user(const struct realm_ctx *realm, const char *user,
    struct err *err)
{
	return delete_entry(realm, user, true, err);
}

const struct realm_ops realm_ops_pve = {
	.type = "pve",
	.caps = REALM_CAP_PASSWORD | REALM_CAP_STORE_PW,
	.authenticate = pve_authenticate,
	.set_password = pve_set_password,
	.delete_user = pve_delete_user,
	.delete_user_check = pve_delete_user_check,
};
