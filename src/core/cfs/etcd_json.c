/*
 * Request bodies for etcd's JSON gateway, written straight into a buffer:
 * keys and values are base64 and every other member is a number or one of
 * etcd's enum words, so nothing needs escaping, and a value is copied once
 * (into a buffer that wipes what it held) instead of into a jansson tree.
 */
#include "etcd_int.h"
#include "ticket/b64.h"

#include <inttypes.h>

void
etcd_body_init(struct buf *b)
{
	buf_init_secret(b, 0);
}

static void
member(struct buf *b, const char *name)
{
	char last = b->len > 0 ? b->data[b->len - 1] : '{';

	if (last != '{' && last != '[')
		buf_putc(b, ',');
	if (name != NULL)
		buf_putf(b, "\"%s\":", name);
}

void
etcd_json_b64(struct buf *b, const char *name, const void *p, size_t len)
{
	member(b, name);
	buf_putc(b, '"');
	b64_encode_buf(b, p, len, true);
	buf_putc(b, '"');
}

void
etcd_json_i64(struct buf *b, const char *name, int64_t v)
{
	member(b, name);
	/* a string, as etcd writes them: exact whatever parses it */
	buf_putf(b, "\"%" PRId64 "\"", v);
}

void
etcd_json_true(struct buf *b, const char *name)
{
	member(b, name);
	buf_puts(b, "true");
}

void
etcd_json_word(struct buf *b, const char *name, const char *word)
{
	member(b, name);
	buf_putf(b, "\"%s\"", word);
}

void
etcd_json_open(struct buf *b, const char *name, char bracket)
{
	member(b, name);
	buf_putc(b, bracket);
}

void
etcd_json_close(struct buf *b, char bracket)
{
	buf_putc(b, bracket == '{' ? '}' : ']');
}

void
etcd_range_body(struct buf *b, const void *key, size_t klen, const void *end,
    size_t elen, int64_t revision, int64_t limit, bool keys_only)
{
	etcd_json_b64(b, "key", key, klen);
	if (end != NULL)
		etcd_json_b64(b, "range_end", end, elen);
	if (revision != 0)
		etcd_json_i64(b, "revision", revision);
	if (limit != 0)
		etcd_json_i64(b, "limit", limit);
	if (keys_only)
		etcd_json_true(b, "keys_only");
}
