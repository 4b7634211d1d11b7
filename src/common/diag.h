/*
 * Diagnostics collected while parsing lenient formats.  Proxmox's parsers
 * warn and skip bad lines; we do the same but keep the warnings (with
 * file:line) so that commands can print them, and refuse to rewrite a file
 * whose lines they could not parse.
 */
#ifndef RG_DIAG_H
#define RG_DIAG_H

#include "compiler.h"

#include <stdbool.h>
#include <stddef.h>

struct diag_item {
	char *file;
	unsigned line;		/* 0: not tied to a line */
	bool dropped;		/* a line or part of it will not be written back */
	char *msg;		/* Proxmox's wording, e.g. "user config - ..." */
};

struct diag {
	struct diag_item *items;
	size_t count, cap;
};

void diag_init(struct diag *d);
void diag_clear(struct diag *d);
void diag_add(struct diag *d, const char *file, unsigned line, bool dropped,
    const char *fmt, ...) RG_PRINTF(5, 6);
size_t diag_dropped_count(const struct diag *d);

#endif
