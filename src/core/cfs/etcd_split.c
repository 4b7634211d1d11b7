/*
 * The watch stream arrives as JSON objects one after the other (newline
 * separated on etcd 3.4, but nothing promises it), cut into pieces at any
 * byte by HTTP chunking.  This finds where each top-level object ends by
 * tracking only strings (with their escapes) and the nesting of braces and
 * brackets (a bracket closing the wrong kind is an error), so each whole
 * object can go to json_loadb; the parse checks the rest.  Bytes are
 * scanned once, however they are cut.
 */
#include "etcd_int.h"
#include "secret.h"

#include <string.h>

/* deeper than any answer of etcd's; one bit per level in s->arrays */
#define SPLIT_DEPTH_MAX 64

void
etcd_split_init(struct etcd_split *s, size_t max)
{
	memset(s, 0, sizeof(*s));
	buf_init_secret(&s->buf, 0);
	s->max = max;
}

void
etcd_split_clear(struct etcd_split *s)
{
	buf_clear_secret(&s->buf);
}

static bool
space(char c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* Drop the first n bytes of the buffer (objects handed out, spaces). */
static void
consume(struct etcd_split *s, size_t n)
{
	if (n == 0)
		return;
	memmove(s->buf.data, s->buf.data + n, s->buf.len - n);
	secret_wipe(s->buf.data + s->buf.len - n, n);
	s->buf.len -= n;
	s->buf.data[s->buf.len] = '\0';
	s->scan -= n;
	s->start -= n < s->start ? n : s->start;
}

/*
 * Scan what is buffered, fn for each whole object, then drop what was
 * handed out in one move (a move per object would be quadratic).
 */
static int
scan(struct etcd_split *s, etcd_split_fn fn, void *arg, struct err *err)
{
	int rc = 0;

	while (s->scan < s->buf.len) {
		char c = s->buf.data[s->scan++];

		if (s->depth == 0) {
			/* between objects: spaces, then an object */
			if (space(c))
				continue;
			if (c != '{') {
				rc = err_set(err, ERR_INVALID, "watch stream: "
				    "0x%02x between objects", (unsigned char)c);
				break;
			}
			s->start = s->scan - 1;
		}
		if (s->in_str) {
			if (s->esc)
				s->esc = false;
			else if (c == '\\')
				s->esc = true;
			else if (c == '"')
				s->in_str = false;
		} else if (c == '"') {
			s->in_str = true;
		} else if (c == '{' || c == '[') {
			if (s->depth == SPLIT_DEPTH_MAX) {
				rc = err_set(err, ERR_INVALID, "watch stream: "
				    "nested deeper than %d", SPLIT_DEPTH_MAX);
				break;
			}
			if (c == '[')
				s->arrays |= (uint64_t)1 << s->depth;
			else
				s->arrays &= ~((uint64_t)1 << s->depth);
			s->depth++;
		} else if (c == '}' || c == ']') {
			s->depth--;
			if ((c == ']') != ((s->arrays >> s->depth) & 1)) {
				rc = err_set(err, ERR_INVALID, "watch stream: "
				    "'%c' closes the wrong bracket", c);
				break;
			}
			if (s->depth == 0) {
				rc = fn(arg, s->buf.data + s->start,
				    s->scan - s->start);
				if (rc != 0)
					break;
			}
		}
	}
	consume(s, s->depth == 0 ? s->scan : s->start);
	return rc;
}

int
etcd_split_feed(struct etcd_split *s, const char *p, size_t n,
    etcd_split_fn fn, void *arg, struct err *err)
{
	size_t room, take;
	int rc;

	/* in steps, so that an object is handed out (and dropped) before
	   the next bytes would push the buffer past max */
	while (n > 0) {
		room = s->max > s->buf.len ? s->max - s->buf.len : 0;
		if (room == 0)
			return err_set(err, ERR_INVALID, "watch stream: a "
			    "message larger than %zu bytes", s->max);
		take = n < room ? n : room;
		buf_put(&s->buf, p, take);
		p += take;
		n -= take;
		rc = scan(s, fn, arg, err);
		if (rc != 0)
			return rc;
	}
	return 0;
}
