/*
 * UTF-8 validation and repair (see utf8.h).  Shortest form only, no
 * surrogates, nothing above U+10FFFF.
 */
#include "utf8.h"

#include <string.h>

size_t
utf8_seq_len(const unsigned char *p, size_t avail)
{
	unsigned char c = p[0];
	size_t n, i;
	unsigned long cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (avail < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

bool
utf8_valid(const char *p, size_t len)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t i = 0;

	while (i < len) {
		size_t n = utf8_seq_len(u + i, len - i);

		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

size_t
utf8_count(const char *p, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		if (((unsigned char)p[i] & 0xc0) != 0x80)
			n++;
	return n;
}

void
utf8_sanitize(struct buf *b)
{
	struct buf out = BUF_INIT;
	const unsigned char *u = (const unsigned char *)b->data;
	size_t i = 0;

	if (b->len == 0 || utf8_valid(b->data, b->len))
		return;
	while (i < b->len) {
		size_t n = utf8_seq_len(u + i, b->len - i);

		if (n == 0) {
			buf_put(&out, "\xef\xbf\xbd", 3);
			i++;
		} else {
			buf_put(&out, u + i, n);
			i += n;
		}
	}
	buf_reset(b);
	buf_put(b, out.data, out.len);
	buf_clear(&out);
}
