/*
 * Internals shared by the domains*.c files: Proxmox property strings
 * (`k=v,k=v`) as used by the realm keys tfa and sync-defaults-options.
 */
#ifndef RG_DOMAINS_INT_H
#define RG_DOMAINS_INT_H

#include "domains.h"
#include "section.h"

struct ps_key {
	const char *name;
	enum dom_vtype vtype;		/* not DV_PROPSTR */
	const char *const *enum_values;
	long long min, max;		/* max 0: none */
	bool required;
	bool (*pattern)(const char *v);	/* NULL: any string */
};

struct ps_schema {
	const struct ps_key *keys;
	size_t count;
};

#define PS_MAX_KEYS 8

/* Parsed values by key index, NULL when absent; free with propstr_clear. */
struct ps_values {
	char *v[PS_MAX_KEYS];
};

extern const struct ps_schema propstr_tfa;
extern const struct ps_schema propstr_sync;

/*
 * Parse and validate s against schema like parse_property_string plus
 * check_object: booleans accept Perl's yes/no/on/off/true/false and are
 * normalised to 0/1.  vals may be NULL.  Errors "invalid format - ...".
 */
int propstr_check(const struct ps_schema *schema, const char *s,
    struct ps_values *vals, struct err *err) RG_WARN_UNUSED;
void propstr_clear(struct ps_values *vals);
/* Print with keys in sorted order (print_property_string). */
void propstr_print(const struct ps_schema *schema,
    const struct ps_values *vals, struct buf *out);

/* model helpers (domains.c) */
void domains_realm_free(struct domains_realm *r);
struct domains_realm *domains_realm_append(struct domains_cfg *cfg,
    const char *id, enum realm_type type);
/* Remove and free realm id from the list and the index, if present. */
void domains_realm_remove(struct domains_cfg *cfg, const char *id);
void domains_val_set(struct domains_realm *r, enum dom_prop p,
    const char *v);
/* Does type t accept p in the given file? */
bool domains_accepts(enum realm_type t, enum dom_prop p,
    enum dom_store store);
/*
 * Check a section header (realm id and type); a bad one is reported to d
 * and the whole section is skipped (returns false).
 */
bool domains_section_header(const struct section *s, const char *file,
    struct diag *d, enum realm_type *type_r);
/*
 * Check and store one property line (duplicates, type, value); problems
 * are reported to d with the section's id and dropped.
 */
void domains_apply_kv(struct domains_realm *r, const struct section_kv *kv,
    enum dom_store store, const char *file, struct diag *d);
/* One section: header, comment (pve store only), required, then rest. */
void domains_write_realm(const struct domains_realm *r, enum dom_store store,
    struct buf *out);
/* Forget the orphan realmgate section of id, if any (domains_rg.c). */
void domains_orphan_drop(struct domains_cfg *cfg, const char *id);

#endif
