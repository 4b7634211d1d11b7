/*
 * realmgate/domains.cfg: realm settings Proxmox does not know (e.g.
 * `disable`).  They cannot go into domains.cfg, because Proxmox's parser
 * would drop them with a warning on its next write, so they live in a file
 * of the same SectionConfig syntax that only realmgate reads.  A section
 * whose realm is missing from domains.cfg is kept as an orphan and written
 * back: settings that restrict a realm must survive a save interrupted
 * between the two files (see domains_save).
 */
#include "domains_int.h"
#include "ids.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

static bool
has_rg_settings(const struct domains_realm *r)
{
	unsigned i;

	for (i = 0; i < DP_COUNT; i++)
		if (r->val[i] != NULL &&
		    domains_prop_def(i)->store == DS_REALMGATE)
			return true;
	return false;
}

static struct domains_realm *
orphan_get(struct domains_cfg *cfg, const char *id, enum realm_type t)
{
	struct domains_realm *r;
	size_t i;

	for (i = 0; i < cfg->orphan_count; i++)
		if (strcmp(cfg->orphans[i]->id, id) == 0)
			return cfg->orphans[i];
	r = xcalloc(1, sizeof(*r));
	r->id = xstrdup(id);
	r->type = t;
	XGROW(cfg->orphans, cfg->orphan_cap, cfg->orphan_count + 1);
	cfg->orphans[cfg->orphan_count++] = r;
	return r;
}

void
domains_orphan_drop(struct domains_cfg *cfg, const char *id)
{
	size_t i;

	for (i = 0; i < cfg->orphan_count; i++) {
		if (strcmp(cfg->orphans[i]->id, id) != 0)
			continue;
		domains_realm_free(cfg->orphans[i]);
		memmove(&cfg->orphans[i], &cfg->orphans[i + 1],
		    (cfg->orphan_count - i - 1) * sizeof(*cfg->orphans));
		cfg->orphan_count--;
		return;
	}
}

static void
parse_section(struct domains_cfg *cfg, const struct section *s,
    const char *file, struct diag *d)
{
	struct domains_realm *r;
	enum realm_type t;
	size_t i;

	if (!domains_section_header(s, file, d, &t))
		return;
	r = hmap_get(&cfg->index, s->id);
	if (r == NULL) {
		if (d != NULL)
			diag_add(d, file, s->line, false, "(section '%s') - "
			    "realm not in domains.cfg, settings kept unused",
			    s->id);
		r = orphan_get(cfg, s->id, t);
	} else if (r->type != t && d != NULL) {
		diag_add(d, file, s->line, false, "(section '%s') - type '%s' "
		    "differs from domains.cfg ('%s'), using '%s'", s->id,
		    s->type, realm_type_name(r->type),
		    realm_type_name(r->type));
	}
	for (i = 0; i < s->kv_count; i++)
		domains_apply_kv(r, &s->kv[i], DS_REALMGATE, file, d);
}

void
domains_parse_rg(struct domains_cfg *cfg, const char *text, size_t len,
    const char *file, struct diag *d)
{
	struct section_list sl;
	size_t i;

	section_list_init(&sl);
	section_parse(text, len, file, d, &sl);
	for (i = 0; i < sl.count; i++)
		parse_section(cfg, &sl.items[i], file, d);
	section_list_clear(&sl);
}

void
domains_write_rg(const struct domains_cfg *cfg, struct buf *out)
{
	size_t i;

	for (i = 0; i < cfg->count; i++)
		if (has_rg_settings(cfg->realms[i]))
			domains_write_realm(cfg->realms[i], DS_REALMGATE, out);
	for (i = 0; i < cfg->orphan_count; i++)
		if (has_rg_settings(cfg->orphans[i]))
			domains_write_realm(cfg->orphans[i], DS_REALMGATE, out);
}
