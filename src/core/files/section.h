/*
 * Proxmox's SectionConfig text format (spec 1.4), shared by domains.cfg,
 * realmgate/domains.cfg and later jobs.cfg.  This layer only tokenizes and
 * writes: it knows headers, property lines, comments and section ends, not
 * what a type or key means.  Schema checks belong to the caller.
 */
#ifndef RG_SECTION_H
#define RG_SECTION_H

#include "buf.h"
#include "diag.h"

#include <stdbool.h>
#include <stddef.h>

struct section_kv {
	char *key;
	char *value;		/* NULL when the line had no value */
	unsigned line;
};

struct section {
	char *type;		/* lower-cased, as Proxmox does */
	char *id;
	unsigned line;		/* line of the header */
	struct section_kv *kv;	/* in file order, duplicates kept */
	size_t kv_count, kv_cap;
};

struct section_list {
	struct section *items;
	size_t count, cap;
};

void section_list_init(struct section_list *l);
void section_list_clear(struct section_list *l);

/*
 * Tokenize (text, len).  Header `^(\S+):\s*(\S+)\s*$`; property lines start
 * with whitespace (`key [value]`, value trimmed); lines whose first
 * non-blank byte is '#' are skipped anywhere; an empty line (or "0", a
 * false value in Perl) ends a section.  Lines that fit nowhere, and lines
 * containing a NUL byte, are reported to d (may be NULL) with dropped set,
 * tagged with file:line.  Never fails.
 */
void section_parse(const char *text, size_t len, const char *file,
    struct diag *d, struct section_list *out);

/* "<type>: <id>\n" */
void section_write_header(struct buf *out, const char *type, const char *id);
/* "\t<key> <value>\n", or "\t<key>\n" when value is NULL */
void section_write_kv(struct buf *out, const char *key, const char *value);
/* the empty line that closes a section */
void section_write_end(struct buf *out);

#endif
