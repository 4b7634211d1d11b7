/*
 * The realm registry and the dispatch every login goes through.  The
 * checks that no realm may skip live here, not in the drivers: an empty
 * password is refused for every realm type (spec 12.31; Proxmox only does
 * it for pam and pve, and an LDAP simple bind with an empty password is an
 * "unauthenticated bind" that many servers accept), and a user name that
 * could not be a Proxmox user name never reaches a driver.
 *
 * A type whose driver is not in a build keeps a slot with only .type, so
 * a realm of that type fails with a clear message instead of "unknown".
 */
#include "realm.h"

#include <stddef.h>
#include <string.h>

static const struct realm_ops *const realm_drivers[] = {
	&realm_ops_pam,
	&realm_ops_pve,
	&realm_ops_ldap,
	&realm_ops_ad,
	&realm_ops_openid,
	NULL,
};

/* Longest user id is 64 bytes (spec 1.2), so the name part is shorter. */
#define REALM_USER_MAX 64

const char *
realm_opt(const struct realm_ctx *realm, const char *key)
{
	const char *v;

	if (realm->opt == NULL)
		return NULL;
	v = realm->opt(key, realm->opt_arg);
	return v != NULL && v[0] != '\0' ? v : NULL;
}

bool
realm_opt_bool(const struct realm_ctx *realm, const char *key, bool dflt)
{
	const char *v = realm_opt(realm, key);

	return v == NULL ? dflt : strcmp(v, "0") != 0;
}

const struct realm_ops *
realm_driver(const char *type)
{
	size_t i;

	if (type == NULL)
		return NULL;
	for (i = 0; realm_drivers[i] != NULL; i++)
		if (strcmp(realm_drivers[i]->type, type) == 0)
			return realm_drivers[i];
	return NULL;
}

bool
realm_has_caps(const char *type, unsigned int caps)
{
	const struct realm_ops *ops = realm_driver(type);

	return ops != NULL && (ops->caps & caps) == caps;
}

const char *
realm_result_str(enum realm_result r)
{
	switch (r) {
	case REALM_OK:
		return "ok";
	case REALM_DENIED:
		return "denied";
	case REALM_UNAVAILABLE:
		return "unavailable";
	case REALM_ERROR:
		return "error";
	}
	return "?";
}

/* The name part of a user id: no whitespace, ':', '/' or control bytes. */
static bool
user_name_ok(const char *user)
{
	const unsigned char *p;
	size_t len;

	if (user == NULL)
		return false;
	len = strlen(user);
	if (len == 0 || len > REALM_USER_MAX)
		return false;
	for (p = (const unsigned char *)user; *p != '\0'; p++)
		if (*p <= 0x20 || *p == 0x7f || *p == ':' || *p == '/')
			return false;
	return true;
}

/* Resolve the driver or explain why there is none. */
static const struct realm_ops *
lookup(const struct realm_ctx *realm, struct err *err)
{
	const struct realm_ops *ops = realm_driver(realm->type);

	if (ops == NULL)
		err_set(err, ERR_INVALID, "unknown realm type '%s'",
		    realm->type != NULL ? realm->type : "");
	return ops;
}

enum realm_result
realm_authenticate(const struct realm_ctx *realm, const char *user,
    const char *password, const char *rhost, struct err *err)
{
	const struct realm_ops *ops;

	err_clear(err);
	if ((ops = lookup(realm, err)) == NULL)
		return REALM_ERROR;
	if (ops->caps == 0) {
		err_set(err, ERR_UNSUPPORTED, "authentication for realm type "
		    "'%s' is not available in this build yet", ops->type);
		return REALM_ERROR;
	}
	if ((ops->caps & REALM_CAP_REDIRECT) != 0 &&
	    (ops->caps & REALM_CAP_PASSWORD) == 0) {
		err_set(err, ERR_UNSUPPORTED, "OpenID realm does not allow "
		    "password verification.");
		return REALM_ERROR;
	}
	if (ops->authenticate == NULL ||
	    (ops->caps & REALM_CAP_PASSWORD) == 0) {
		err_set(err, ERR_UNSUPPORTED, "realm type '%s' does not allow "
		    "password verification", ops->type);
		return REALM_ERROR;
	}
	/* Both checks come before the driver, so no driver can forget. */
	if (password == NULL || password[0] == '\0') {
		err_set(err, ERR_AUTH, "empty password refused");
		return REALM_DENIED;
	}
	if (!user_name_ok(user)) {
		err_set(err, ERR_AUTH, "invalid user name");
		return REALM_DENIED;
	}
	return ops->authenticate(realm, user, password, rhost, err);
}

int
realm_set_password(const struct realm_ctx *realm, const char *user,
    const char *password, struct err *err)
{
	const struct realm_ops *ops;

	if ((ops = lookup(realm, err)) == NULL)
		return -1;
	if (ops->set_password == NULL ||
	    (ops->caps & REALM_CAP_STORE_PW) == 0)
		return err_set(err, ERR_UNSUPPORTED,
		    "can't set password on auth type '%s'", ops->type);
	if (password == NULL || password[0] == '\0')
		return err_set(err, ERR_INVALID, "empty password refused");
	if (!user_name_ok(user))
		return err_set(err, ERR_INVALID, "invalid user name");
	return ops->set_password(realm, user, password, err);
}

/* The driver's delete_user or delete_user_check (check), if it has one. */
static int
delete_user(const struct realm_ctx *realm, const char *user, bool check,
    struct err *err)
{
	const struct realm_ops *ops;
	int (*fn)(const struct realm_ctx *, const char *, struct err *);

	if ((ops = lookup(realm, err)) == NULL)
		return -1;
	if (!user_name_ok(user))
		return err_set(err, ERR_INVALID, "invalid user name");
	fn = check ? ops->delete_user_check : ops->delete_user;
	return fn != NULL ? fn(realm, user, err) : 0;
}

int
realm_delete_user(const struct realm_ctx *realm, const char *user,
    struct err *err)
{
	return delete_user(realm, user, false, err);
}

int
realm_delete_user_check(const struct realm_ctx *realm, const char *user,
    struct err *err)
{
	return delete_user(realm, user, true, err);
}
