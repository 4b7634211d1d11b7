/*
 * domains.cfg parser and writer (spec 1.4).  The parser follows Proxmox's
 * SectionConfig and Auth::Plugin readers: a bad realm id or unknown type
 * skips the section, a bad or duplicate value is dropped, a section missing
 * a required option is dropped, one realm keeps `default`, and pam and pve
 * always exist with their forced types.  Every such decision is reported
 * with file:line.  The writer is byte-exact to Proxmox's.
 */
#include "domains_int.h"
#include "ids.h"
#include "str.h"
#include "utf8.h"
#include "xalloc.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#define PAM_COMMENT "Linux PAM standard authentication"
#define PVE_COMMENT "Proxmox VE authentication server"

void
domains_realm_free(struct domains_realm *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < DP_COUNT; i++)
		free(r->val[i]);
	free(r->id);
	free(r);
}

void
domains_free(struct domains_cfg *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->count; i++)
		domains_realm_free(cfg->realms[i]);
	for (i = 0; i < cfg->orphan_count; i++)
		domains_realm_free(cfg->orphans[i]);
	free(cfg->realms);
	free(cfg->orphans);
	hmap_clear(&cfg->index);
	free(cfg);
}

static struct domains_cfg *
cfg_alloc(void)
{
	struct domains_cfg *cfg = xcalloc(1, sizeof(*cfg));

	hmap_init(&cfg->index);
	return cfg;
}

struct domains_realm *
domains_realm_append(struct domains_cfg *cfg, const char *id,
    enum realm_type type)
{
	struct domains_realm *r = xcalloc(1, sizeof(*r));

	r->id = xstrdup(id);
	r->type = type;
	XGROW(cfg->realms, cfg->cap, cfg->count + 1);
	cfg->realms[cfg->count++] = r;
	hmap_put(&cfg->index, r->id, r);
	return r;
}

void
domains_realm_remove(struct domains_cfg *cfg, const char *id)
{
	struct domains_realm *r = hmap_del(&cfg->index, id);
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < cfg->count; i++) {
		if (cfg->realms[i] == r) {
			memmove(&cfg->realms[i], &cfg->realms[i + 1],
			    (cfg->count - i - 1) * sizeof(*cfg->realms));
			cfg->count--;
			break;
		}
	}
	domains_realm_free(r);
}

void
domains_val_set(struct domains_realm *r, enum dom_prop p, const char *v)
{
	free(r->val[p]);
	r->val[p] = v != NULL ? xstrdup(v) : NULL;
}

bool
domains_accepts(enum realm_type t, enum dom_prop p, enum dom_store store)
{
	const struct dom_prop_def *def = domains_prop_def(p);

	return (def->types & RT_BIT(t)) != 0 && def->store == store;
}

/* Drop what the forced type does not accept, add the default comment. */
static void
ensure_builtin(struct domains_cfg *cfg, const char *id, enum realm_type t,
    const char *comment, struct diag *d, const char *file)
{
	struct domains_realm *r = hmap_get(&cfg->index, id);
	unsigned i;

	if (r == NULL)
		r = domains_realm_append(cfg, id, t);
	if (r->type != t) {
		if (d != NULL)
			diag_add(d, file, 0, true, "realm '%s' - type forced "
			    "from '%s' to '%s'", id, realm_type_name(r->type),
			    realm_type_name(t));
		r->type = t;
		for (i = 0; i < DP_COUNT; i++) {
			if (r->val[i] == NULL ||
			    domains_accepts(t, i, domains_prop_def(i)->store))
				continue;
			if (d != NULL)
				diag_add(d, file, 0, true, "realm '%s' - drop "
				    "option '%s' not valid for type '%s'", id,
				    domains_prop_def(i)->name,
				    realm_type_name(t));
			domains_val_set(r, i, NULL);
		}
	}
	if (!str_truthy(r->val[DP_COMMENT] ? r->val[DP_COMMENT] : "",
	    r->val[DP_COMMENT] ? strlen(r->val[DP_COMMENT]) : 0))
		domains_val_set(r, DP_COMMENT, comment);
}

struct domains_cfg *
domains_new(void)
{
	struct domains_cfg *cfg = cfg_alloc();

	ensure_builtin(cfg, "pam", REALM_PAM, PAM_COMMENT, NULL, NULL);
	ensure_builtin(cfg, "pve", REALM_PVE, PVE_COMMENT, NULL, NULL);
	return cfg;
}

static void
digest_hex(const char *text, size_t len, char out[41])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0, i;

	if (EVP_Digest(text, len, md, &mdlen, EVP_sha1(), NULL) != 1 ||
	    mdlen != 20)
		rg_assert(!"SHA-1 failed");
	for (i = 0; i < 20; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[40] = '\0';
}

void
domains_apply_kv(struct domains_realm *r, const struct section_kv *kv,
    enum dom_store store, const char *file, struct diag *d)
{
	struct buf norm = BUF_INIT;
	struct err err;
	const char *v = kv->value;
	int p = domains_prop_find(kv->key);

	/* a key the type lacks can never be a duplicate: check it first */
	if (p < 0 || !domains_accepts(r->type, p, store)) {
		err_set(&err, ERR_INVALID, "unexpected property '%s'",
		    kv->key);
		goto bad;
	}
	if (r->val[p] != NULL) {
		err_set(&err, ERR_INVALID, "duplicate attribute");
		goto bad;
	}
	if (v == NULL && domains_prop_def(p)->vtype == DV_BOOL)
		v = "1";
	if (v == NULL) {
		err_set(&err, ERR_INVALID, "got undefined value");
		goto bad;
	}
	if (p == DP_COMMENT) {
		/* the limit applies to the decoded text, in characters */
		struct buf dec = BUF_INIT;

		str_unescape(&dec, v, strlen(v));
		utf8_sanitize(&dec);
		if (strpbrk(buf_str(&dec), "\r\n") != NULL) {
			err_set(&err, ERR_INVALID,
			    "property contains a line feed");
			buf_clear(&dec);
			goto bad;
		}
		if (utf8_count(dec.data, dec.len) >
		    domains_prop_def(p)->max_len) {
			err_set(&err, ERR_INVALID, "value may only be %zu "
			    "characters long", domains_prop_def(p)->max_len);
			buf_clear(&dec);
			goto bad;
		}
		r->val[p] = buf_steal(&dec);
		return;
	}
	if (domains_value_check(p, v, &norm, &err) < 0)
		goto bad;
	r->val[p] = buf_steal(&norm);
	return;
bad:
	buf_clear(&norm);
	if (d != NULL)
		diag_add(d, file, kv->line, true, "(section '%s') - unable to "
		    "parse value of '%s': %s", r->id, kv->key, err.msg);
}

bool
domains_section_header(const struct section *s, const char *file,
    struct diag *d, enum realm_type *type_r)
{
	if (!id_realm_valid(s->id, strlen(s->id))) {
		if (d != NULL)
			diag_add(d, file, s->line, true, "(skip section '%s'): "
			    "value '%s' does not look like a valid realm",
			    s->id, s->id);
		return false;
	}
	if (!realm_type_parse(s->type, type_r)) {
		if (d != NULL)
			diag_add(d, file, s->line, true, "(skip section '%s'): "
			    "unsupported type '%s'", s->id, s->type);
		return false;
	}
	return true;
}

static void
parse_section(struct domains_cfg *cfg, const struct section *s,
    const char *file, struct diag *d)
{
	struct domains_realm *r, *old;
	enum realm_type t;
	size_t i;

	if (!domains_section_header(s, file, d, &t))
		return;
	r = xcalloc(1, sizeof(*r));
	r->id = xstrdup(s->id);
	r->type = t;
	for (i = 0; i < s->kv_count; i++)
		domains_apply_kv(r, &s->kv[i], DS_PVE, file, d);
	for (i = 0; i < DP_COUNT; i++) {
		if ((domains_prop_def(i)->required & RT_BIT(t)) == 0 ||
		    r->val[i] != NULL)
			continue;
		if (d != NULL)
			diag_add(d, file, s->line, true, "(skip section '%s'): "
			    "missing value for required option '%s'", s->id,
			    domains_prop_def(i)->name);
		domains_realm_free(r);
		return;
	}
	old = hmap_get(&cfg->index, r->id);
	if (old != NULL) {
		/* Perl's hash assignment: the later section wins */
		if (d != NULL)
			diag_add(d, file, s->line, true, "(section '%s') - "
			    "duplicate section, earlier one dropped", s->id);
		domains_realm_remove(cfg, r->id);
	}
	XGROW(cfg->realms, cfg->cap, cfg->count + 1);
	cfg->realms[cfg->count++] = r;
	hmap_put(&cfg->index, r->id, r);
}

struct domains_cfg *
domains_parse(const char *text, size_t len, const char *file,
    struct diag *d)
{
	struct domains_cfg *cfg = cfg_alloc();
	struct section_list sl;
	const char *def = NULL;
	size_t i;

	section_list_init(&sl);
	section_parse(text, len, file, d, &sl);
	for (i = 0; i < sl.count; i++)
		parse_section(cfg, &sl.items[i], file, d);
	section_list_clear(&sl);

	for (i = 0; i < cfg->count; i++) {
		struct domains_realm *r = cfg->realms[i];

		if (!domains_realm_bool(r, DP_DEFAULT, false))
			continue;
		if (def == NULL) {
			def = r->id;
			continue;
		}
		if (d != NULL)
			diag_add(d, file, 0, true, "realm '%s' - drop "
			    "'default' (already set on realm '%s')", r->id,
			    def);
		domains_val_set(r, DP_DEFAULT, NULL);
	}
	ensure_builtin(cfg, "pam", REALM_PAM, PAM_COMMENT, d, file);
	ensure_builtin(cfg, "pve", REALM_PVE, PVE_COMMENT, d, file);
	digest_hex(text, len, cfg->digest);
	return cfg;
}

static int
prop_name_cmp(const void *a, const void *b)
{
	return strcmp(domains_prop_def(*(const int *)a)->name,
	    domains_prop_def(*(const int *)b)->name);
}

void
domains_write_realm(const struct domains_realm *r, enum dom_store store,
    struct buf *out)
{
	int order[DP_COUNT], n = 0, pass, i;
	const char *c = r->val[DP_COMMENT];

	section_write_header(out, realm_type_name(r->type), r->id);
	if (store == DS_PVE && c != NULL && str_truthy(c, strlen(c))) {
		buf_puts(out, "\tcomment ");
		str_escape_field(out, c);
		buf_putc(out, '\n');
	}
	for (i = 0; i < DP_COUNT; i++)
		if (i != DP_COMMENT && domains_accepts(r->type, i, store))
			order[n++] = i;
	qsort(order, (size_t)n, sizeof(*order), prop_name_cmp);
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < n; i++) {
			const struct dom_prop_def *def =
			    domains_prop_def(order[i]);
			bool req = (def->required & RT_BIT(r->type)) != 0;
			const char *v = r->val[order[i]];

			if (req != (pass == 0) || v == NULL)
				continue;
			if (def->vtype == DV_BOOL)
				v = str_truthy(v, strlen(v)) ? "1" : "0";
			else if (*v == '\0')
				continue;
			section_write_kv(out, def->name, v);
		}
	}
	section_write_end(out);
}

void
domains_write(const struct domains_cfg *cfg, struct buf *out)
{
	size_t i;

	for (i = 0; i < cfg->count; i++)
		domains_write_realm(cfg->realms[i], DS_PVE, out);
}

const struct domains_realm *
domains_realm_find(const struct domains_cfg *cfg, const char *realm)
{
	return hmap_get(&cfg->index, realm);
}

size_t
domains_realm_count(const struct domains_cfg *cfg)
{
	return cfg->count;
}

const struct domains_realm *
domains_realm_at(const struct domains_cfg *cfg, size_t i)
{
	return i < cfg->count ? cfg->realms[i] : NULL;
}

const char *
domains_realm_get(const struct domains_realm *r, enum dom_prop p)
{
	return r->val[p];
}

bool
domains_realm_bool(const struct domains_realm *r, enum dom_prop p, bool dflt)
{
	const char *v = r->val[p];

	return v == NULL ? dflt : str_truthy(v, strlen(v));
}

long long
domains_realm_int(const struct domains_realm *r, enum dom_prop p,
    long long dflt)
{
	unsigned long long u;
	const char *v = r->val[p];

	if (v == NULL || !str_to_u64(v, strlen(v), &u) || u > (1ull << 62))
		return dflt;
	return (long long)u;
}

const struct domains_realm *
domains_default(const struct domains_cfg *cfg)
{
	size_t i;

	for (i = 0; i < cfg->count; i++)
		if (domains_realm_bool(cfg->realms[i], DP_DEFAULT, false))
			return cfg->realms[i];
	return NULL;
}
