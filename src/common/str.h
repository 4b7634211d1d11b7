/*
 * Small string helpers that Proxmox's formats need everywhere: trimming,
 * the user.cfg percent escaping, the generic list splitter, and a bounded
 * copy (glibc 2.36 has no strlcpy).
 */
#ifndef RG_STR_H
#define RG_STR_H

#include "buf.h"
#include "compiler.h"

#include <stdbool.h>
#include <stddef.h>

/* Trim ASCII whitespace on both ends of (*p, *len). */
void str_trim(const char **p, size_t *len);

static inline bool
str_is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/*
 * Line iteration over (text, len): sets (*line, *n) to the next line
 * without its '\n' and advances *pos; false at the end.  A last line
 * without '\n' is still a line.
 */
bool str_next_line(const char *text, size_t len, size_t *pos,
    const char **line, size_t *n);

/* Copy src into dst[size]; returns false if it had to truncate. */
bool str_copy(char *dst, size_t size, const char *src);

bool str_has_prefix(const char *s, const char *prefix);

/* qsort comparator for an array of const char * (byte order). */
int str_cmp_ptr(const void *a, const void *b);

/*
 * user.cfg/domains.cfg comment escaping: every byte outside 0x20-0x24,
 * 0x26-0x39, 0x3B-0x7E becomes %XX (upper-case hex).
 */
void str_escape_field(struct buf *out, const char *s);

/* The value of a hex digit (either case), or -1. */
int str_hex_digit(char c);

/*
 * Percent-decode (ptr,len) into out (appending): every %XX with two hex
 * digits becomes that byte; anything else is copied as is.  The _form
 * variant also turns '+' into a space (HTML form encoding).
 */
void str_unescape(struct buf *out, const char *p, size_t len);
void str_unescape_form(struct buf *out, const char *p, size_t len,
    bool plus_space);

/*
 * Proxmox's generic list splitter: items separated by any run of ',', ';'
 * or whitespace; empty items dropped.  Calls fn for each (ptr,len).
 */
void str_split_list(const char *p, size_t len,
    void (*fn)(const char *item, size_t item_len, void *arg), void *arg);

/* A list of owned strings, e.g. the items of a `delete` parameter. */
struct str_list {
	char **v;
	size_t n;
};
/* Append the items of s (str_split_list's separators) to l. */
void str_list_split(struct str_list *l, const char *s);
void str_list_add(struct str_list *l, const char *p, size_t len);
void str_list_clear(struct str_list *l);

/* Parse an all-digit string into *v; false on empty, junk or overflow. */
bool str_to_u64(const char *p, size_t len, unsigned long long *v);

/*
 * Proxmox's boolean spellings (1/0, true/false, yes/no, on/off, any
 * case): false when s is none of them.
 */
bool str_parse_bool(const char *s, bool *v);
/* "1" or "0" for a boolean spelling, else s itself (for the checker). */
const char *str_bool01(const char *s);

/* Perl truthiness of a string field: non-empty and not "0". */
bool str_truthy(const char *p, size_t len);

#endif
