/*
 * jobs.cfg parser and writer (see jobs_cfg.h).  realm-sync sections are
 * read the way PVE::SectionConfig and PVE::Job::Registry read them and
 * written the way they write them.  Other sections are cut out of the raw
 * text, from their header to the line before the empty line that ends
 * them, and written back untouched: we cannot judge them, so we must not
 * rewrite them.
 */
#include "jobs_int.h"
#include "files/section.h"
#include "str.h"
#include "utf8.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

struct line {
	const char *p;
	size_t len;
};

void
jobs_sync_free(struct jobs_sync *j)
{
	size_t i;

	if (j == NULL)
		return;
	for (i = 0; i < JP_COUNT; i++)
		free(j->val[i]);
	free(j->id);
	free(j);
}

static void
section_free(struct jobs_section *s)
{
	jobs_sync_free(s->sync);
	free(s->raw);
	free(s->id);
	free(s);
}

struct jobs_cfg *
jobs_cfg_new(void)
{
	struct jobs_cfg *cfg = xcalloc(1, sizeof(*cfg));

	hmap_init(&cfg->index);
	return cfg;
}

void
jobs_cfg_free(struct jobs_cfg *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->count; i++)
		section_free(cfg->sections[i]);
	free(cfg->sections);
	hmap_clear(&cfg->index);
	free(cfg);
}

static struct jobs_section *
section_append(struct jobs_cfg *cfg, const char *id)
{
	struct jobs_section *s = xcalloc(1, sizeof(*s));

	s->id = xstrdup(id);
	XGROW(cfg->sections, cfg->cap, cfg->count + 1);
	cfg->sections[cfg->count++] = s;
	if (hmap_get(&cfg->index, s->id) == NULL)
		hmap_put(&cfg->index, s->id, s);
	return s;
}

void
jobs_section_add_sync(struct jobs_cfg *cfg, struct jobs_sync *j)
{
	section_append(cfg, j->id)->sync = j;
}

void
jobs_section_remove_sync(struct jobs_cfg *cfg, const char *id)
{
	struct jobs_section *s = hmap_get(&cfg->index, id);
	size_t i;

	if (s == NULL || s->sync == NULL)
		return;
	hmap_del(&cfg->index, id);
	for (i = 0; i < cfg->count; i++) {
		if (cfg->sections[i] == s) {
			memmove(&cfg->sections[i], &cfg->sections[i + 1],
			    (cfg->count - i - 1) * sizeof(*cfg->sections));
			cfg->count--;
			break;
		}
	}
	section_free(s);
}

/* --- parsing --- */

static void
split_lines(const char *text, size_t len, struct line **lines_r,
    size_t *count_r)
{
	struct line *lines = NULL;
	size_t count = 0, cap = 0, pos = 0;
	const char *p;
	size_t n;

	while (str_next_line(text, len, &pos, &p, &n)) {
		XGROW(lines, cap, count + 1);
		lines[count].p = p;
		lines[count].len = n;
		count++;
	}
	*lines_r = lines;
	*count_r = count;
}

/*
 * The lines of the section whose header is on line `first` (1-based):
 * up to the next false line ("" or "0"), which section.c takes as the end.
 */
static unsigned
section_last_line(const struct line *lines, size_t count, unsigned first)
{
	size_t i;

	for (i = first; i < count; i++)
		if (lines[i].len == 0 ||
		    (lines[i].len == 1 && lines[i].p[0] == '0'))
			break;
	return (unsigned)i;
}

static void
keep_foreign(struct jobs_cfg *cfg, const struct section *s,
    const struct line *lines, unsigned last)
{
	struct jobs_section *js = section_append(cfg, s->id);
	struct buf raw = BUF_INIT;
	unsigned i;

	for (i = s->line; i <= last; i++) {
		buf_put(&raw, lines[i - 1].p, lines[i - 1].len);
		buf_putc(&raw, '\n');
	}
	js->raw_len = raw.len;
	js->raw = buf_steal(&raw);
}

static void
apply_kv(struct jobs_sync *j, const struct section_kv *kv, const char *file,
    struct diag *d)
{
	struct buf norm = BUF_INIT;
	struct err err;
	const char *v = kv->value;
	int p = jobs_prop_find(kv->key);

	if (p < 0) {
		err_set(&err, ERR_INVALID, "unexpected property '%s'",
		    kv->key);
		goto bad;
	}
	if (j->val[p] != NULL) {
		err_set(&err, ERR_INVALID, "duplicate attribute");
		goto bad;
	}
	if (v == NULL && jobs_prop_is_bool(p))
		v = "1";
	if (v == NULL) {
		err_set(&err, ERR_INVALID, "got undefined value");
		goto bad;
	}
	/*
	 * The comment's length limit applies to the encoded text, as in
	 * Proxmox, which checks before PVE::Job::Registry decodes it.
	 */
	if (jobs_value_check(p, v, &norm, &err) < 0)
		goto bad;
	if (p == JP_COMMENT) {
		buf_reset(&norm);
		str_unescape(&norm, v, strlen(v));
		utf8_sanitize(&norm);
	}
	j->val[p] = buf_steal(&norm);
	return;
bad:
	buf_clear(&norm);
	if (d != NULL)
		diag_add(d, file, kv->line, true, "(section '%s') - unable to "
		    "parse value of '%s': %s", j->id, kv->key, err.msg);
}

static struct jobs_sync *
parse_sync(const struct section *s, const char *file, struct diag *d)
{
	struct jobs_sync *j;
	size_t i;

	if (!jobs_id_valid(s->id)) {
		if (d != NULL)
			diag_add(d, file, s->line, true, "(skip section '%s'): "
			    "invalid configuration ID '%s'", s->id, s->id);
		return NULL;
	}
	j = xcalloc(1, sizeof(*j));
	j->id = xstrdup(s->id);
	for (i = 0; i < s->kv_count; i++)
		apply_kv(j, &s->kv[i], file, d);
	for (i = 0; i < JP_COUNT; i++) {
		if (!jobs_prop_required(i) || j->val[i] != NULL)
			continue;
		if (d != NULL)
			diag_add(d, file, s->line, true, "(skip section '%s'): "
			    "missing value for required option '%s'", s->id,
			    jobs_prop_name(i));
		jobs_sync_free(j);
		return NULL;
	}
	if (j->val[JP_ENABLED] == NULL)
		j->val[JP_ENABLED] = xstrdup("1");
	return j;
}

static void
add_sync(struct jobs_cfg *cfg, const struct section *s,
    const struct hmap *foreign_ids, const char *file, struct diag *d)
{
	struct jobs_sync *j;

	if (hmap_has(foreign_ids, s->id)) {
		if (d != NULL)
			diag_add(d, file, s->line, true, "(skip section '%s'): "
			    "id also used by a section of another type",
			    s->id);
		return;
	}
	j = parse_sync(s, file, d);
	if (j == NULL)
		return;
	if (hmap_get(&cfg->index, j->id) != NULL) {
		/* Perl's hash assignment: the later section wins */
		if (d != NULL)
			diag_add(d, file, s->line, true, "(section '%s') - "
			    "duplicate section, earlier one dropped", s->id);
		jobs_section_remove_sync(cfg, j->id);
	}
	jobs_section_add_sync(cfg, j);
}

/*
 * A diagnostic about a line inside another tool's section is moot.  spans
 * holds (first, last) line pairs in file order: binary search.
 */
static bool
in_foreign(unsigned line, const unsigned *spans, size_t n)
{
	size_t lo = 0, hi = n / 2;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (spans[2 * mid + 1] < line)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n / 2 && spans[2 * lo] <= line;
}

struct jobs_cfg *
jobs_cfg_parse(const char *text, size_t len, const char *file,
    struct diag *d)
{
	struct jobs_cfg *cfg = jobs_cfg_new();
	struct section_list sl;
	struct hmap foreign_ids;
	struct line *lines;
	struct diag tok;
	unsigned *spans = NULL;
	size_t nlines, nspans = 0, spans_cap = 0, i;

	split_lines(text, len, &lines, &nlines);
	section_list_init(&sl);
	diag_init(&tok);
	hmap_init(&foreign_ids);
	section_parse(text, len, file, &tok, &sl);
	for (i = 0; i < sl.count; i++)
		if (strcmp(sl.items[i].type, JOBS_SYNC_TYPE) != 0)
			hmap_set_add(&foreign_ids, sl.items[i].id);
	for (i = 0; i < sl.count; i++) {
		const struct section *s = &sl.items[i];
		unsigned last;

		if (strcmp(s->type, JOBS_SYNC_TYPE) == 0) {
			add_sync(cfg, s, &foreign_ids, file, d);
			continue;
		}
		last = section_last_line(lines, nlines, s->line);
		keep_foreign(cfg, s, lines, last);
		XGROW(spans, spans_cap, nspans + 2);
		spans[nspans++] = s->line;
		spans[nspans++] = last;
	}
	for (i = 0; d != NULL && i < tok.count; i++) {
		const struct diag_item *it = &tok.items[i];

		if (!in_foreign(it->line, spans, nspans))
			diag_add(d, it->file, it->line, it->dropped, "%s",
			    it->msg);
	}
	hmap_clear(&foreign_ids);
	diag_clear(&tok);
	section_list_clear(&sl);
	free(spans);
	free(lines);
	return cfg;
}

/* --- writing --- */

static void
write_sync(const struct jobs_sync *j, struct buf *out)
{
	const char *c = j->val[JP_COMMENT];
	int pass, i;

	section_write_header(out, JOBS_SYNC_TYPE, j->id);
	if (c != NULL && str_truthy(c, strlen(c))) {
		buf_puts(out, "\tcomment ");
		str_escape_field(out, c);
		buf_putc(out, '\n');
	}
	/* the table is sorted by name: required keys, then the rest */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < JP_COUNT; i++) {
			const char *v = j->val[i];

			if (i == JP_COMMENT || v == NULL ||
			    jobs_prop_required(i) != (pass == 0))
				continue;
			if (jobs_prop_is_bool(i))
				v = str_truthy(v, strlen(v)) ? "1" : "0";
			else if (*v == '\0')
				continue;
			section_write_kv(out, jobs_prop_name(i), v);
		}
	}
	section_write_end(out);
}

void
jobs_cfg_write(const struct jobs_cfg *cfg, struct buf *out)
{
	size_t i;

	for (i = 0; i < cfg->count; i++) {
		const struct jobs_section *s = cfg->sections[i];

		if (s->sync != NULL) {
			write_sync(s->sync, out);
			continue;
		}
		buf_put(out, s->raw, s->raw_len);
		section_write_end(out);
	}
}

/* --- lookup --- */

size_t
jobs_sync_count(const struct jobs_cfg *cfg)
{
	size_t i, n = 0;

	for (i = 0; i < cfg->count; i++)
		n += cfg->sections[i]->sync != NULL;
	return n;
}

const struct jobs_sync *
jobs_sync_at(const struct jobs_cfg *cfg, size_t idx)
{
	size_t i;

	for (i = 0; i < cfg->count; i++) {
		if (cfg->sections[i]->sync == NULL)
			continue;
		if (idx-- == 0)
			return cfg->sections[i]->sync;
	}
	return NULL;
}

const struct jobs_sync *
jobs_sync_find(const struct jobs_cfg *cfg, const char *id)
{
	const struct jobs_section *s = hmap_get(&cfg->index, id);

	return s != NULL ? s->sync : NULL;
}

bool
jobs_id_used(const struct jobs_cfg *cfg, const char *id)
{
	return hmap_get(&cfg->index, id) != NULL;
}

const char *
jobs_sync_get(const struct jobs_sync *j, enum job_prop p)
{
	return j->val[p];
}

bool
jobs_sync_enabled(const struct jobs_sync *j)
{
	const char *v = j->val[JP_ENABLED];

	return v == NULL || str_truthy(v, strlen(v));
}
