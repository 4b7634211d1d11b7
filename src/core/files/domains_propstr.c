/*
 * Proxmox property strings for the realm keys tfa (pve-tfa-config) and
 * sync-defaults-options (realm-sync-options), and the legacy full/purge
 * mapping of the latter (spec 6.3).  Parsing follows
 * parse_property_string: comma-separated `key=value`, blank parts ignored,
 * unknown and duplicate keys rejected, booleans through parse_boolean.
 */
#include "domains_int.h"
#include "str.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const tfa_types[] = {"yubico", "oath", NULL};
static const char *const scopes[] = {"users", "groups", "both", NULL};

static bool
vanished_valid(const char *v)
{
	const char *p = v;

	if (strcmp(v, "none") == 0)
		return true;
	for (;;) {
		size_t n = strcspn(p, ";");

		if (!((n == 3 && strncmp(p, "acl", 3) == 0) ||
		    (n == 5 && strncmp(p, "entry", 5) == 0) ||
		    (n == 10 && strncmp(p, "properties", 10) == 0)))
			return false;
		if (p[n] == '\0')
			return true;
		p += n + 1;
	}
}

/* sorted by name, so printing in table order is print_property_string's */
static const struct ps_key tfa_keys[] = {
	{"digits", DV_INT, NULL, 6, 8, false, NULL},
	{"id", DV_STRING, NULL, 0, 0, false, NULL},
	{"key", DV_STRING, NULL, 0, 0, false, NULL},
	{"step", DV_INT, NULL, 10, 0, false, NULL},
	{"type", DV_ENUM, tfa_types, 0, 0, true, NULL},
	{"url", DV_STRING, NULL, 0, 0, false, NULL},
};

static const struct ps_key sync_keys[] = {
	{"enable-new", DV_BOOL, NULL, 0, 0, false, NULL},
	{"full", DV_BOOL, NULL, 0, 0, false, NULL},
	{"purge", DV_BOOL, NULL, 0, 0, false, NULL},
	{"remove-vanished", DV_STRING, NULL, 0, 0, false, vanished_valid},
	{"scope", DV_ENUM, scopes, 0, 0, false, NULL},
};

const struct ps_schema propstr_tfa = {tfa_keys, ARRAY_SIZE(tfa_keys)};
const struct ps_schema propstr_sync = {sync_keys, ARRAY_SIZE(sync_keys)};

void
propstr_clear(struct ps_values *vals)
{
	size_t i;

	for (i = 0; i < PS_MAX_KEYS; i++) {
		free(vals->v[i]);
		vals->v[i] = NULL;
	}
}

static const char *
parse_boolean(const char *v)
{
	static const char *const yes[] = {"1", "on", "yes", "true"};
	static const char *const no[] = {"0", "off", "no", "false"};
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return "1";
		if (strcasecmp(v, no[i]) == 0)
			return "0";
	}
	return v;
}

static int
check_value(const struct ps_key *k, const char *v, struct err *err)
{
	unsigned long long u;
	const char *const *e;

	switch (k->vtype) {
	case DV_BOOL:
		if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0)
			return err_set(err, ERR_INVALID, "invalid format - %s: "
			    "type check ('boolean') failed - got '%s'",
			    k->name, v);
		return 0;
	case DV_INT:
		if (!str_to_u64(v, strlen(v), &u) || u > (1ull << 62))
			return err_set(err, ERR_INVALID, "invalid format - %s: "
			    "type check ('integer') failed - got '%s'",
			    k->name, v);
		if ((long long)u < k->min)
			return err_set(err, ERR_INVALID, "invalid format - %s: "
			    "value must have a minimum value of %lld",
			    k->name, k->min);
		if (k->max > 0 && (long long)u > k->max)
			return err_set(err, ERR_INVALID, "invalid format - %s: "
			    "value must have a maximum value of %lld",
			    k->name, k->max);
		return 0;
	case DV_ENUM:
		for (e = k->enum_values; *e != NULL; e++)
			if (strcmp(*e, v) == 0)
				return 0;
		return err_set(err, ERR_INVALID, "invalid format - %s: value "
		    "'%s' does not have a value in the enumeration", k->name,
		    v);
	case DV_STRING:
	case DV_PROPSTR:
		break;
	}
	if (k->pattern != NULL && !k->pattern(v))
		return err_set(err, ERR_INVALID, "invalid format - %s: value "
		    "does not match the regex pattern", k->name);
	return 0;
}

static int
find_key(const struct ps_schema *schema, const char *k, size_t len)
{
	size_t i;

	for (i = 0; i < schema->count; i++)
		if (strlen(schema->keys[i].name) == len &&
		    memcmp(schema->keys[i].name, k, len) == 0)
			return (int)i;
	return -1;
}

static bool
blank(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!str_is_space(p[i]))
			return false;
	return true;
}

int
propstr_check(const struct ps_schema *schema, const char *s,
    struct ps_values *vals, struct err *err)
{
	struct ps_values local = {{NULL}};
	const char *p = s;
	size_t i;
	int ret = -1;

	rg_assert(schema->count <= PS_MAX_KEYS);
	for (;;) {
		size_t n = strcspn(p, ",");
		const char *eq = memchr(p, '=', n);
		int ki;

		if (blank(p, n))
			goto next;
		if (eq == NULL || eq == p || eq + 1 == p + n) {
			err_set(err, ERR_INVALID, "invalid format - value "
			    "without key, but schema does not define a "
			    "default key");
			goto out;
		}
		ki = find_key(schema, p, (size_t)(eq - p));
		if (ki < 0) {
			err_set(err, ERR_INVALID, "invalid format - invalid "
			    "key in comma-separated list property: %.*s",
			    (int)(eq - p), p);
			goto out;
		}
		if (local.v[ki] != NULL) {
			err_set(err, ERR_INVALID, "invalid format - duplicate "
			    "key in comma-separated list property: %s",
			    schema->keys[ki].name);
			goto out;
		}
		local.v[ki] = xstrndup(eq + 1, (size_t)(p + n - eq - 1));
		if (schema->keys[ki].vtype == DV_BOOL) {
			const char *b = parse_boolean(local.v[ki]);

			if (b != local.v[ki]) {
				free(local.v[ki]);
				local.v[ki] = xstrdup(b);
			}
		}
		if (check_value(&schema->keys[ki], local.v[ki], err) < 0)
			goto out;
next:
		if (p[n] == '\0')
			break;
		p += n + 1;
	}
	for (i = 0; i < schema->count; i++) {
		if (schema->keys[i].required && local.v[i] == NULL) {
			err_set(err, ERR_INVALID, "invalid format - %s: "
			    "property is missing and it is not optional",
			    schema->keys[i].name);
			goto out;
		}
	}
	if (vals != NULL) {
		*vals = local;
		memset(&local, 0, sizeof(local));
	}
	ret = 0;
out:
	propstr_clear(&local);
	return ret;
}

void
propstr_print(const struct ps_schema *schema, const struct ps_values *vals,
    struct buf *out)
{
	bool first = true;
	size_t i;

	for (i = 0; i < schema->count; i++) {
		if (vals->v[i] == NULL)
			continue;
		buf_putf(out, "%s%s=%s", first ? "" : ",",
		    schema->keys[i].name, vals->v[i]);
		first = false;
	}
}

enum { SK_ENABLE_NEW, SK_FULL, SK_PURGE, SK_REMOVE_VANISHED, SK_SCOPE };

int
domains_sync_opts_map(const char *in, bool delete_deprecated,
    struct buf *out, struct err *err)
{
	struct ps_values v;
	bool full, purge;

	if (propstr_check(&propstr_sync, in, &v, err) < 0)
		return -1;
	full = v.v[SK_FULL] != NULL && strcmp(v.v[SK_FULL], "1") == 0;
	purge = v.v[SK_PURGE] != NULL && strcmp(v.v[SK_PURGE], "1") == 0;
	if (v.v[SK_REMOVE_VANISHED] == NULL && (full || purge)) {
		struct buf rv = BUF_INIT;

		if (full)
			buf_puts(&rv, "entry;properties");
		if (purge)
			buf_puts(&rv, full ? ";acl" : "acl");
		v.v[SK_REMOVE_VANISHED] = buf_steal(&rv);
	}
	if (delete_deprecated) {
		free(v.v[SK_FULL]);
		free(v.v[SK_PURGE]);
		v.v[SK_FULL] = v.v[SK_PURGE] = NULL;
	}
	propstr_print(&propstr_sync, &v, out);
	propstr_clear(&v);
	return 0;
}

int
domains_sync_defaults_parse(const char *in, struct domains_sync_defaults *out,
    struct err *err)
{
	struct ps_values v;

	memset(out, 0, sizeof(*out));
	if (in == NULL || in[0] == '\0')
		return 0;
	if (propstr_check(&propstr_sync, in, &v, err) < 0)
		return -1;
	out->scope = v.v[SK_SCOPE];
	out->enable_new = v.v[SK_ENABLE_NEW];
	out->remove_vanished = v.v[SK_REMOVE_VANISHED];
	out->full = v.v[SK_FULL];
	out->purge = v.v[SK_PURGE];
	return 0;
}

void
domains_sync_defaults_clear(struct domains_sync_defaults *d)
{
	free(d->scope);
	free(d->enable_new);
	free(d->remove_vanished);
	free(d->full);
	free(d->purge);
	memset(d, 0, sizeof(*d));
}
