/*
 * RFC 4515 value escaping and the few filter shapes realm login and sync
 * need.  Escaping is byte-wise: UTF-8 passes through, only the five bytes
 * the filter grammar reserves are written as \XX.
 */
#include "ldapc_filter.h"

#include <string.h>

void
ldapc_filter_escape(struct buf *out, const char *value, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)value[i];

		if (c == '*' || c == '(' || c == ')' || c == '\\' || c == 0) {
			buf_putc(out, '\\');
			buf_putc(out, hex[c >> 4]);
			buf_putc(out, hex[c & 15]);
		} else {
			buf_putc(out, (char)c);
		}
	}
}

void
ldapc_filter_eq(struct buf *out, const char *attr, const char *value)
{
	buf_puts(out, attr);
	buf_putc(out, '=');
	ldapc_filter_escape(out, value, strlen(value));
}

void
ldapc_filter_wrap(struct buf *out, const char *filter)
{
	if (filter == NULL || filter[0] == '\0')
		return;
	if (filter[0] == '(') {
		buf_puts(out, filter);
		return;
	}
	buf_putc(out, '(');
	buf_puts(out, filter);
	buf_putc(out, ')');
}

static int
is_sep(char c)
{
	return c == ',' || c == ' ' || c == '\t' || c == ';';
}

void
ldapc_filter_any(struct buf *out, const char *attr, const char *list,
    const char *value)
{
	const char *p = list;

	buf_puts(out, "(|");
	while (*p != '\0') {
		size_t n;

		while (is_sep(*p))
			p++;
		for (n = 0; p[n] != '\0' && !is_sep(p[n]); n++)
			;
		if (n == 0)
			break;
		buf_putc(out, '(');
		if (attr != NULL) {
			/* attr fixed, list holds the values */
			buf_puts(out, attr);
			buf_putc(out, '=');
			ldapc_filter_escape(out, p, n);
		} else {
			/* list holds attribute names, value fixed */
			buf_put(out, p, n);
			buf_putc(out, '=');
			if (strcmp(value, "*") == 0)
				buf_putc(out, '*');
			else
				ldapc_filter_escape(out, value,
				    strlen(value));
		}
		buf_putc(out, ')');
		p += n;
	}
	buf_putc(out, ')');
}
