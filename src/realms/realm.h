/*
 * The realm driver interface (spec 5, c-style-anchors 3.3).  Each realm
 * type is one driver, a table of function pointers picked by the realm's
 * type name in one registry; callers test capability flags or NULL
 * pointers and never compare type names themselves.
 *
 * The dispatch functions here hold the rules every realm shares, above all
 * that an empty password is refused before any driver runs (spec 12.31).
 */
#ifndef RG_REALM_H
#define RG_REALM_H

#include "buf.h"
#include "compiler.h"
#include "err.h"
#include "sync/sync.h"

#include <stdbool.h>

enum realm_result {
	REALM_OK = 0,
	REALM_DENIED,		/* wrong or empty password, unknown user... */
	REALM_UNAVAILABLE,	/* server down, timeout: never "denied" */
	REALM_ERROR,		/* internal failure or unsupported realm */
};

/* Capability flags in realm_ops.caps. */
#define REALM_CAP_PASSWORD (1u << 0)	/* user + password login */
#define REALM_CAP_STORE_PW (1u << 1)	/* set_password is implemented */
#define REALM_CAP_SYNC	   (1u << 2)	/* directory sync */
#define REALM_CAP_REDIRECT (1u << 3)	/* login through a redirect (openid) */

#define REALM_PAM_SERVICE_DEFAULT "proxmox-ve-auth"
#define REALM_PAM_TIMEOUT_MS	  30000u

/*
 * What a driver knows about its realm.  The caller fills it from the realm
 * model (domains.cfg) and keeps it alive for the duration of a call; the
 * drivers only borrow the strings.
 */
struct realm_ctx {
	const char *name;	/* realm id, e.g. "pve", "corp" */
	const char *type;	/* "pam", "pve", "ldap", "ad", "openid" */
	const char *config_dir;	/* pve: <config_dir>/priv/shadow.cfg */
	const char *pam_service;	/* pam: NULL means the default */
	unsigned int timeout_ms;	/* pam: 0 means REALM_PAM_TIMEOUT_MS */
	/*
	 * Any other option of the realm's section by its domains.cfg key, or
	 * NULL when unset.  May itself be NULL (no options).  For the
	 * drivers of later issues (ldap, ad, openid).
	 */
	const char *(*opt)(const char *key, void *arg);
	void *opt_arg;
};

struct realm_ops {
	const char *type;
	unsigned int caps;
	/*
	 * Check user (without "@realm") and password (non-empty, checked by
	 * the dispatcher).  rhost is the client address or NULL.  For every
	 * result other than REALM_OK, err says why (for the log only).
	 */
	enum realm_result (*authenticate)(const struct realm_ctx *realm,
	    const char *user, const char *password, const char *rhost,
	    struct err *err);
	/* Store a new password; the caller holds the config lock. */
	int (*set_password)(const struct realm_ctx *realm, const char *user,
	    const char *password, struct err *err);
	/*
	 * Test the realm's directory: connection to each server, bind, base
	 * DN; one line per step into report.  password (may be NULL)
	 * replaces the stored bind password.  NULL: nothing to check.
	 */
	int (*check)(const struct realm_ctx *realm, const char *password,
	    struct buf *report, struct err *err);
	/*
	 * The realm's groups user is in, by the directory, added to d as
	 * groups (login-time refresh).  NULL: the realm has no groups.
	 */
	int (*user_groups)(const struct realm_ctx *realm, const char *user,
	    struct sync_data *d, struct err *err);
	/* Forget what the realm stores about user; NULL: nothing stored. */
	int (*delete_user)(const struct realm_ctx *realm, const char *user,
	    struct err *err);
	/*
	 * Refuse now what delete_user would refuse, writing nothing (the
	 * caller holds the lock from here to delete_user, and writes
	 * user.cfg in between).  NULL: delete_user never refuses.
	 */
	int (*delete_user_check)(const struct realm_ctx *realm,
	    const char *user, struct err *err);
};

/* pam: `usermod -p <hash> <user>` (realm_pam_passwd.c). */
int realm_pam_set_password(const struct realm_ctx *realm, const char *user,
    const char *password, struct err *err);

extern const struct realm_ops realm_ops_pve;
extern const struct realm_ops realm_ops_pam;
extern const struct realm_ops realm_ops_ldap;
extern const struct realm_ops realm_ops_ad;
extern const struct realm_ops realm_ops_openid;

/* ldap/ad: see realm_ops.user_groups (realm_ldap_groups.c). */
int realm_ldap_user_groups(const struct realm_ctx *realm, const char *user,
    struct sync_data *d, struct err *err);

/* ldap/ad: see realm_ops.check (realm_ldap_check.c). */
int realm_ldap_check(const struct realm_ctx *realm, const char *password,
    struct buf *report, struct err *err);

/* An option of the realm by its domains.cfg key; NULL when unset or "". */
const char *realm_opt(const struct realm_ctx *realm, const char *key);
/* A boolean option: dflt when unset, else anything but "0" is true. */
bool realm_opt_bool(const struct realm_ctx *realm, const char *key,
    bool dflt);

/* The driver registered for a type name, or NULL for an unknown type. */
const struct realm_ops *realm_driver(const char *type);

/* True if the type is known and its driver has every bit of caps. */
bool realm_has_caps(const char *type, unsigned int caps);

/*
 * Authenticate user (name without "@realm") with password.  Empty or NULL
 * passwords are REALM_DENIED before any driver runs.  The result is
 * REALM_DENIED with err->code ERR_AUTH and a reason that names the cause
 * ("empty password", "no password set", "invalid credentials", the PAM
 * message...): log it, but show the client one message for every reason.
 * REALM_ERROR carries ERR_UNSUPPORTED for a realm type whose driver is not
 * in this build, ERR_INVALID for an unknown type.
 */
enum realm_result realm_authenticate(const struct realm_ctx *realm,
    const char *user, const char *password, const char *rhost,
    struct err *err) RG_WARN_UNUSED;

/*
 * Set user's password in the realm (caller holds the lock of the file the
 * driver writes).  Empty passwords are refused with ERR_INVALID; a realm
 * that cannot store passwords gives ERR_UNSUPPORTED.
 */
int realm_set_password(const struct realm_ctx *realm, const char *user,
    const char *password, struct err *err) RG_WARN_UNUSED;

/* Remove the realm's own data about user (e.g. the shadow.cfg line). */
int realm_delete_user(const struct realm_ctx *realm, const char *user,
    struct err *err) RG_WARN_UNUSED;
/* Whether realm_delete_user would refuse; writes nothing. */
int realm_delete_user_check(const struct realm_ctx *realm, const char *user,
    struct err *err) RG_WARN_UNUSED;

/* A short name for a result, for logs: "ok", "denied", ... */
const char *realm_result_str(enum realm_result r);

#endif
