/*
 * The realm model of domains.cfg (spec 1.4, 5.1, 5.2, 8.4).  One table
 * declares every realm property: its value type, constraints, which realm
 * types accept or require it, and whether it lives in Proxmox's domains.cfg
 * or in realmgate's own realmgate/domains.cfg (settings Proxmox does not
 * know, such as `disable`, which Proxmox's parser would reject).  Callers
 * see one realm object holding both.
 */
#ifndef RG_DOMAINS_H
#define RG_DOMAINS_H

#include "buf.h"
#include "compiler.h"
#include "diag.h"
#include "err.h"
#include "hmap.h"

#include <stdbool.h>
#include <stddef.h>

enum realm_type {
	REALM_PAM,
	REALM_PVE,
	REALM_LDAP,
	REALM_AD,
	REALM_OPENID,
	REALM_TYPE_COUNT
};

enum dom_prop {
	DP_COMMENT,
	DP_DEFAULT,
	DP_TFA,
	DP_SERVER1,
	DP_SERVER2,
	DP_PORT,
	DP_MODE,
	DP_SECURE,
	DP_SSLVERSION,
	DP_VERIFY,
	DP_CAPATH,
	DP_CERT,
	DP_CERTKEY,
	DP_BASE_DN,
	DP_BIND_DN,
	DP_PASSWORD,
	DP_USER_ATTR,
	DP_FILTER,
	DP_SYNC_ATTRIBUTES,
	DP_USER_CLASSES,
	DP_GROUP_DN,
	DP_GROUP_NAME_ATTR,
	DP_GROUP_FILTER,
	DP_GROUP_CLASSES,
	DP_SYNC_DEFAULTS,
	DP_CASE_SENSITIVE,
	DP_DOMAIN,
	DP_ISSUER_URL,
	DP_CLIENT_ID,
	DP_CLIENT_KEY,
	DP_AUTOCREATE,
	DP_USERNAME_CLAIM,
	DP_GROUPS_CLAIM,
	DP_GROUPS_AUTOCREATE,
	DP_GROUPS_OVERWRITE,
	DP_PROMPT,
	DP_SCOPES,
	DP_ACR_VALUES,
	DP_AUDIENCES,
	DP_QUERY_USERINFO,
	/* realmgate-only settings (realmgate/domains.cfg) */
	DP_DISABLE,
	DP_SERVERS,
	DP_CONNECT_TIMEOUT,
	DP_NESTED_GROUPS,
	DP_SYNC_MAX_REMOVE,
	DP_GROUP_NAME_MAP,
	DP_LOGIN_GROUPS,
	DP_TIMEOUT,
	DP_COUNT
};

enum dom_vtype { DV_BOOL, DV_INT, DV_STRING, DV_ENUM, DV_PROPSTR };

enum dom_fmt {
	DF_NONE,
	DF_ADDRESS,		/* IPv4, IPv6 or DNS name */
	DF_SIMPLE_ATTR,		/* [A-Za-z0-9]+ */
	DF_SIMPLE_ATTR_LIST,	/* list of the above */
	DF_SYNC_ATTRS,		/* \w+=[^,]+(,\s*\w+=[^,]+)* */
	DF_USER_ATTR,		/* \S{2,} */
	DF_NOSPACE,		/* \S+ */
	DF_GROUPS_CLAIM,	/* [A-Za-z0-9._-]+ */
	DF_OIDC_LIST,		/* list without control chars, <>#" */
	DF_TFA,			/* property string pve-tfa-config */
	DF_SYNC_OPTS,		/* property string realm-sync-options */
	DF_ADDRESS_LIST,	/* list of DF_ADDRESS */
	DF_NAME_MAP,		/* from=to(;from=to)*, to a group name */
};

enum dom_store { DS_PVE, DS_REALMGATE };

#define RT_BIT(t) (1u << (t))
#define RT_ALL	  ((1u << REALM_TYPE_COUNT) - 1)

struct dom_prop_def {
	const char *name;
	enum dom_vtype vtype;
	enum dom_fmt fmt;
	const char *const *enum_values;	/* NULL-terminated, for DV_ENUM */
	size_t max_len;			/* 0: unlimited */
	long long min, max;		/* DV_INT */
	unsigned types;			/* RT_BIT() of types accepting it */
	unsigned required;		/* RT_BIT() of types requiring it */
	bool fixed;			/* cannot change after create */
	enum dom_store store;
};

struct domains_realm {
	char *id;
	enum realm_type type;
	/*
	 * Values by property, NULL when unset.  Booleans are "0"/"1",
	 * integers are normalised decimal, the comment is decoded.
	 */
	char *val[DP_COUNT];
};

struct domains_cfg {
	struct domains_realm **realms;	/* file order, new ones appended */
	size_t count, cap;
	struct hmap index;		/* id -> realm */
	/* realmgate/domains.cfg sections of realms absent from domains.cfg */
	struct domains_realm **orphans;
	size_t orphan_count, orphan_cap;
	char digest[41];		/* SHA-1 hex of the raw domains.cfg */
	bool deleted;			/* a realm was deleted since load */
};

/* --- schema (domains_schema.c) --- */

const char *realm_type_name(enum realm_type t);
bool realm_type_parse(const char *s, enum realm_type *t_r);
const struct dom_prop_def *domains_prop_def(enum dom_prop p);
/* Index of a property by name, or -1. */
int domains_prop_find(const char *name);

/*
 * Validate value for property p and append its stored form to norm
 * (booleans 0/1, integers normalised).  Booleans accept 0/1 only.
 * Messages follow Proxmox's schema checker ("value may only be 256
 * characters long", "type check ('integer') failed - got 'x'", ...).
 */
int domains_value_check(enum dom_prop p, const char *value, struct buf *norm,
    struct err *err) RG_WARN_UNUSED;

/*
 * Map the legacy full/purge keys of a sync-defaults-options string to
 * remove-vanished (full -> entry;properties, purge -> acl) when
 * remove-vanished is absent, dropping full/purge if delete_deprecated, and
 * print the result with sorted keys.  Used by create/update (delete) and
 * the realm GET (keep).
 */
int domains_sync_opts_map(const char *in, bool delete_deprecated,
    struct buf *out, struct err *err) RG_WARN_UNUSED;

/* The values of a sync-defaults-options string, each NULL when absent. */
struct domains_sync_defaults {
	char *scope, *enable_new, *remove_vanished, *full, *purge;
};
int domains_sync_defaults_parse(const char *in,
    struct domains_sync_defaults *out, struct err *err) RG_WARN_UNUSED;
void domains_sync_defaults_clear(struct domains_sync_defaults *d);

/* --- model, parse, write (domains.c, domains_rg.c) --- */

struct domains_cfg *domains_new(void);	/* only pam and pve */
void domains_free(struct domains_cfg *cfg);

/*
 * Parse domains.cfg leniently (spec 1.4): every skipped section, dropped
 * value and forced fix-up goes to d (may be NULL) with file:line.  pam and
 * pve are always present.  Never fails; returns a new object.
 */
struct domains_cfg *domains_parse(const char *text, size_t len,
    const char *file, struct diag *d);

/* Write domains.cfg byte-exact to Proxmox's writer (appends to out). */
void domains_write(const struct domains_cfg *cfg, struct buf *out);

/*
 * Merge realmgate/domains.cfg into cfg: same SectionConfig syntax, only
 * realmgate-only keys.  Sections of unknown realms are kept as orphans
 * (written back, not applied) so a half-finished save fails closed.
 */
void domains_parse_rg(struct domains_cfg *cfg, const char *text, size_t len,
    const char *file, struct diag *d);
/* Write realmgate/domains.cfg (sections only for realms with settings). */
void domains_write_rg(const struct domains_cfg *cfg, struct buf *out);

/* --- lookup --- */

/* Borrowed, valid until the next change to cfg; NULL if absent. */
const struct domains_realm *domains_realm_find(const struct domains_cfg *cfg,
    const char *realm);
size_t domains_realm_count(const struct domains_cfg *cfg);
const struct domains_realm *domains_realm_at(const struct domains_cfg *cfg,
    size_t i);
/* The realm, or NULL with ERR_NOT_FOUND "domain '<realm>' does not exist". */
struct domains_realm *domains_realm_require(struct domains_cfg *cfg,
    const char *realm, struct err *err);
/* NULL if unset */
const char *domains_realm_get(const struct domains_realm *r, enum dom_prop p);
bool domains_realm_bool(const struct domains_realm *r, enum dom_prop p,
    bool dflt);
long long domains_realm_int(const struct domains_realm *r, enum dom_prop p,
    long long dflt);
/* The realm marked default, or NULL. */
const struct domains_realm *domains_default(const struct domains_cfg *cfg);

/* --- changes (domains_api.c), strict like Proxmox's API --- */

struct domains_param {
	const char *key;
	const char *value;
};

/*
 * POST /access/domains.  type and realm are separate; params are the
 * other properties (realmgate-only keys included).  `password` is not a
 * config value: the caller handles the .pw file and must not pass it.
 * Errors: "domain '<r>' already exists", "unable to use reserved name",
 * "unable to create builtin type", "unexpected property '<k>'", "missing
 * value for required option '<k>'", value errors "<k>: <msg>".
 */
int domains_realm_create(struct domains_cfg *cfg, const char *realm,
    const char *type, const struct domains_param *params, size_t n,
    struct err *err) RG_WARN_UNUSED;

/*
 * PUT /access/domains/{realm}: digest (may be NULL) is checked first, then
 * keys in del are removed without validation, then params are validated
 * and set.  Errors: "domain '<r>' does not exist", "detected modified
 * configuration - file changed by other user? Try again.", "no options
 * specified", "can't change value of fixed parameter '<k>'".
 */
int domains_realm_update(struct domains_cfg *cfg, const char *realm,
    const struct domains_param *params, size_t n, const char *const *del,
    size_t del_count, const char *digest, struct err *err) RG_WARN_UNUSED;

/* Remove the realm (and its realmgate-only settings). */
int domains_realm_delete(struct domains_cfg *cfg, const char *realm,
    struct err *err) RG_WARN_UNUSED;

/* Mark realm default and clear the flag on every other realm. */
int domains_set_default(struct domains_cfg *cfg, const char *realm,
    struct err *err) RG_WARN_UNUSED;

/* --- files (domains_io.c) --- */

#define DOMAINS_FILE	"domains.cfg"
#define DOMAINS_RG_FILE "realmgate/domains.cfg"

/*
 * Read <config_dir>/domains.cfg and realmgate/domains.cfg (both may be
 * missing).  *cfg_r is the caller's (domains_free).
 */
int domains_load(const char *config_dir, struct diag *d,
    struct domains_cfg **cfg_r, struct err *err) RG_WARN_UNUSED;

/*
 * Write both files atomically (domains.cfg 0640).  The caller holds the
 * file-domains_cfg lock.  Order: realmgate file first, so a crash never
 * leaves a realm without its `disable`; after a deletion domains.cfg first.
 */
int domains_save(const char *config_dir, const struct domains_cfg *cfg,
    struct err *err) RG_WARN_UNUSED;

#endif
