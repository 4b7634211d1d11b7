/*
 * String helpers (see str.h).
 */
#include "str.h"
#include "xalloc.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void
str_trim(const char **p, size_t *len)
{
	while (*len > 0 && str_is_space((*p)[0])) {
		(*p)++;
		(*len)--;
	}
	while (*len > 0 && str_is_space((*p)[*len - 1]))
		(*len)--;
}

bool
str_copy(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (size == 0)
		return false;
	if (n >= size) {
		memcpy(dst, src, size - 1);
		dst[size - 1] = '\0';
		return false;
	}
	memcpy(dst, src, n + 1);
	return true;
}

bool
str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

int
str_cmp_ptr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool
field_char_ok(unsigned char c)
{
	return (c >= 0x20 && c <= 0x24) || (c >= 0x26 && c <= 0x39) ||
	    (c >= 0x3b && c <= 0x7e);
}

void
str_escape_field(struct buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (field_char_ok(c)) {
			buf_putc(out, (char)c);
		} else {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};

			buf_put(out, e, 3);
		}
	}
}

int
str_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void
put_run(struct buf *out, const char *p, size_t len)
{
	if (len > 0)
		buf_put(out, p, len);
}

void
str_unescape_form(struct buf *out, const char *p, size_t len, bool plus_space)
{
	size_t i, start = 0;

	/* runs of plain bytes go in one piece */
	for (i = 0; i < len; i++) {
		if (p[i] == '%' && i + 2 < len && str_hex_digit(p[i + 1]) >= 0 &&
		    str_hex_digit(p[i + 2]) >= 0) {
			put_run(out, p + start, i - start);
			buf_putc(out,
			    (char)(str_hex_digit(p[i + 1]) * 16 + str_hex_digit(p[i + 2])));
			i += 2;
			start = i + 1;
		} else if (plus_space && p[i] == '+') {
			put_run(out, p + start, i - start);
			buf_putc(out, ' ');
			start = i + 1;
		}
	}
	put_run(out, p + start, len - start);
}

void
str_unescape(struct buf *out, const char *p, size_t len)
{
	str_unescape_form(out, p, len, false);
}

/* str_split_list's separators: ',', ';' and whitespace (str_is_space). */
static const bool list_sep[256] = {
	[','] = true, [';'] = true, [' '] = true, ['\t'] = true,
	['\n'] = true, ['\v'] = true, ['\f'] = true, ['\r'] = true,
};

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define LITTLE_ENDIAN_WORDS 1	/* the first byte is the lowest */
#else
#define LITTLE_ENDIAN_WORDS 0
#endif
#define ONES  UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/*
 * Bytes of w that may be separators, 8 at a time: a high bit set in the
 * result for each byte below 0x21 (whitespace, among other controls), ','
 * or ';'.  The lowest flagged byte is always a true hit of one of these
 * tests (the borrow trick only errs above a true hit), so all bytes below
 * it are plain item bytes.
 */
static uint64_t
maybe_sep(uint64_t w)
{
	uint64_t comma = w ^ (ONES * ','), semi = w ^ (ONES * ';');

	return ((w - ONES * 0x21) & ~w & HIGHS) |
	    ((comma - ONES) & ~comma & HIGHS) | ((semi - ONES) & ~semi & HIGHS);
}

/* Length of the item at the start of (u,len): up to the first separator. */
static size_t
item_len(const unsigned char *u, size_t len)
{
	size_t i = 0;

	for (;;) {
		uint64_t w, m;

		if (len - i < 8 || !LITTLE_ENDIAN_WORDS) {
			while (i < len && !list_sep[u[i]])
				i++;
			return i;
		}
		memcpy(&w, u + i, 8);
		m = maybe_sep(w);
		if (m == 0) {
			i += 8;
			continue;
		}
		i += (size_t)__builtin_ctzll(m) / 8;
		if (list_sep[u[i]])
			return i;
		i++;	/* a control byte that separates nothing */
	}
}

void
str_split_list(const char *p, size_t len,
    void (*fn)(const char *item, size_t item_len, void *arg), void *arg)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t i = 0;

	while (i < len) {
		size_t n;

		while (i < len && list_sep[u[i]])
			i++;
		n = item_len(u + i, len - i);
		if (n > 0)
			fn(p + i, n, arg);
		i += n;
	}
}

bool
str_to_u64(const char *p, size_t len, unsigned long long *v)
{
	unsigned long long n = 0;
	size_t i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++) {
		unsigned d;

		if (p[i] < '0' || p[i] > '9')
			return false;
		d = (unsigned)(p[i] - '0');
		if (n > (ULLONG_MAX - d) / 10)
			return false;
		n = n * 10 + d;
	}
	*v = n;
	return true;
}

bool
str_truthy(const char *p, size_t len)
{
	return len > 0 && !(len == 1 && p[0] == '0');
}

bool
str_next_line(const char *text, size_t len, size_t *pos, const char **line,
    size_t *n)
{
	const char *p, *nl;

	if (*pos >= len)
		return false;
	p = text + *pos;
	nl = memchr(p, '\n', len - *pos);
	*n = nl != NULL ? (size_t)(nl - p) : len - *pos;
	*line = p;
	*pos += *n + (nl != NULL);
	return true;
}

bool
str_parse_bool(const char *s, bool *v)
{
	static const char *const yes[] = {"1", "true", "yes", "on"};
	static const char *const no[] = {"0", "false", "no", "off"};
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*v = true;
			return true;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*v = false;
			return true;
		}
	}
	return false;
}

const char *
str_bool01(const char *s)
{
	bool b;

	return str_parse_bool(s, &b) ? (b ? "1" : "0") : s;
}

void
str_list_add(struct str_list *l, const char *p, size_t len)
{
	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = xstrndup(p, len);
}

static void
list_item(const char *p, size_t len, void *arg)
{
	str_list_add(arg, p, len);
}

void
str_list_split(struct str_list *l, const char *s)
{
	if (s != NULL)
		str_split_list(s, strlen(s), list_item, l);
}

void
str_list_clear(struct str_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
