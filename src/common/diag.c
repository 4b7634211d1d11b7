/*
 * struct diag: an append-only list of parse warnings.
 */
#include "diag.h"
#include "xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
diag_init(struct diag *d)
{
	memset(d, 0, sizeof(*d));
}

void
diag_clear(struct diag *d)
{
	size_t i;

	for (i = 0; i < d->count; i++) {
		free(d->items[i].file);
		free(d->items[i].msg);
	}
	free(d->items);
	diag_init(d);
}

void
diag_add(struct diag *d, const char *file, unsigned line, bool dropped,
    const char *fmt, ...)
{
	struct diag_item *it;
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (msg == NULL)
		msg = xstrdup("(out of memory formatting a warning)");
	XGROW(d->items, d->cap, d->count + 1);
	it = &d->items[d->count++];
	it->file = xstrdup(file != NULL ? file : "");
	it->line = line;
	it->dropped = dropped;
	it->msg = msg;
}

size_t
diag_dropped_count(const struct diag *d)
{
	size_t i, n = 0;

	for (i = 0; i < d->count; i++)
		n += d->items[i].dropped;
	return n;
}
