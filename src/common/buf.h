/*
 * A growable byte buffer that is always NUL-terminated.  A buffer may carry
 * a size cap (curl's dynbuf idea): appends past the cap fail, so data from
 * a hostile peer cannot make us allocate without bound.
 */
#ifndef RG_BUF_H
#define RG_BUF_H

#include "compiler.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *data;	/* NUL-terminated; NULL until the first append */
	size_t len;
	size_t cap;
	size_t max;	/* 0: unlimited */
	bool secret;	/* growing wipes the old memory (buf_init_secret) */
};

#define BUF_INIT {NULL, 0, 0, 0, false}

void buf_init(struct buf *b, size_t max);
/*
 * A buffer for secrets: whenever it grows, the old memory is wiped before
 * it is freed, so no copy is left behind in the heap (realloc would).
 * Still clear it with buf_clear_secret.
 */
void buf_init_secret(struct buf *b, size_t max);
void buf_clear(struct buf *b);	/* frees the memory */
void buf_reset(struct buf *b);	/* len = 0, keeps the memory */
/* Wipe the contents with explicit_bzero, then free. */
void buf_clear_secret(struct buf *b);

/* Appends return -1 (and leave b unchanged) when the cap would be passed. */
int buf_add(struct buf *b, const void *data, size_t len) RG_WARN_UNUSED;
int buf_addc(struct buf *b, char c) RG_WARN_UNUSED;
int buf_adds(struct buf *b, const char *s) RG_WARN_UNUSED;
int buf_printf(struct buf *b, const char *fmt, ...) RG_PRINTF(2, 3)
    RG_WARN_UNUSED;
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) RG_PRINTF(2, 0)
    RG_WARN_UNUSED;

/* Uncapped variants for buffers created with max 0: cannot fail. */
void buf_put(struct buf *b, const void *data, size_t len);
void buf_putc(struct buf *b, char c);
void buf_puts(struct buf *b, const char *s);
void buf_putf(struct buf *b, const char *fmt, ...) RG_PRINTF(2, 3);

/* Always a valid string, "" for an empty buffer. */
const char *buf_str(const struct buf *b);

/* Hand over the allocation to the caller (never NULL); b becomes empty. */
char *buf_steal(struct buf *b);

#endif
