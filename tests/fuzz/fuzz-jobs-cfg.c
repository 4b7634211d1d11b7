/*
 * Fuzz target: jobs.cfg parser, writer and realm-sync changes.  Parsing
 * must not crash, and rewriting must settle: from the second rewrite on
 * the bytes do not change.  (Not from the first: like Proxmox, we encode
 * a comment on write, which can push it past the 512-character limit the
 * reader applies, so the next read drops it.)  Other tools' sections are
 * copied, so they must come out as they went in.
 */
#include "jobs/jobs_cfg.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct jobs_cfg *
reparse(const struct buf *in, struct buf *out)
{
	struct jobs_cfg *cfg = jobs_cfg_parse(buf_str(in), in->len, "again",
	    NULL);

	jobs_cfg_write(cfg, out);
	return cfg;
}

/* Changes through the API never break the fixed point either. */
static void
change(struct jobs_cfg *cfg)
{
	static const struct jobs_param create[] = {
		{"realm", "corp"}, {"schedule", "mon..fri 02:30"},
		{"scope", "both"}, {"comment", "fuzz: %\xff"},
	};
	static const struct jobs_param upd[] = {{"enabled", "off"}};
	static const char *const del[] = {"remove-vanished"};
	const struct jobs_sync *j;
	struct err err;

	if (jobs_sync_count(cfg) > 0) {
		j = jobs_sync_at(cfg, 0);
		if (jobs_sync_update(cfg, j->id, upd, 1, del, 1, &err) < 0)
			abort();
		j = jobs_sync_at(cfg, jobs_sync_count(cfg) - 1);
		if (jobs_sync_delete(cfg, j->id, &err) < 0)
			abort();
	}
	if (jobs_sync_create(cfg, "fuzz-job", create, 4, &err) < 0 &&
	    !jobs_id_used(cfg, "fuzz-job"))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf once = BUF_INIT, twice = BUF_INIT, thrice = BUF_INIT;
	struct jobs_cfg *cfg, *cfg2, *cfg3;
	struct diag d;

	diag_init(&d);
	cfg = jobs_cfg_parse((const char *)data, size, "jobs.cfg", &d);
	change(cfg);
	jobs_cfg_write(cfg, &once);
	cfg2 = reparse(&once, &twice);
	cfg3 = reparse(&twice, &thrice);
	if (twice.len != thrice.len ||
	    memcmp(buf_str(&twice), buf_str(&thrice), twice.len) != 0)
		abort();
	jobs_cfg_free(cfg);
	jobs_cfg_free(cfg2);
	jobs_cfg_free(cfg3);
	buf_clear(&once);
	buf_clear(&twice);
	buf_clear(&thrice);
	diag_clear(&d);
	return 0;
}
