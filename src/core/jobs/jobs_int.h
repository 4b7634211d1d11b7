/*
 * Internals shared by jobs_cfg.c and jobs_api.c: the section list that
 * keeps realm-sync jobs and other tools' sections in file order.
 */
#ifndef RG_JOBS_INT_H
#define RG_JOBS_INT_H

#include "hmap.h"
#include "jobs_cfg.h"

/* One section of the file. */
struct jobs_section {
	char *id;
	struct jobs_sync *sync;	/* NULL: another tool's section */
	char *raw;		/* that section's lines, each ending in '\n' */
	size_t raw_len;
};

struct jobs_cfg {
	struct jobs_section **sections;	/* file order, new ones appended */
	size_t count, cap;
	struct hmap index;	/* id -> first section with that id */
};

void jobs_sync_free(struct jobs_sync *j);
/* Append a realm-sync section owning j. */
void jobs_section_add_sync(struct jobs_cfg *cfg, struct jobs_sync *j);
/* Remove and free the realm-sync job id, if there is one. */
void jobs_section_remove_sync(struct jobs_cfg *cfg, const char *id);

#endif
