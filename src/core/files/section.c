/*
 * SectionConfig tokenizer and writer (see section.h).  It follows the Perl
 * reader line by line: split on '\n' (a CR stays in the line and counts as
 * whitespace), skip comment lines before anything else, treat a false line
 * ("" or "0") as the end of a section, and match the header greedily, so
 * "a:b:c" is type "a:b" and id "c".
 */
#include "section.h"
#include "str.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

#define MSG_LINE_MAX 200

void
section_list_init(struct section_list *l)
{
	memset(l, 0, sizeof(*l));
}

void
section_list_clear(struct section_list *l)
{
	size_t i, j;

	for (i = 0; i < l->count; i++) {
		struct section *s = &l->items[i];

		for (j = 0; j < s->kv_count; j++) {
			free(s->kv[j].key);
			free(s->kv[j].value);
		}
		free(s->kv);
		free(s->type);
		free(s->id);
	}
	free(l->items);
	memset(l, 0, sizeof(*l));
}

static bool
is_comment(const char *p, size_t len)
{
	size_t i = 0;

	while (i < len && str_is_space(p[i]))
		i++;
	return i < len && p[i] == '#';
}

static bool
is_false_line(const char *p, size_t len)
{
	return len == 0 || (len == 1 && p[0] == '0');
}

static bool
no_space(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (str_is_space(p[i]))
			return false;
	return len > 0;
}

/*
 * Match `^(\S+):\s*(\S+)\s*$` the way Perl's greedy engine does: try the
 * rightmost ':' first.
 */
static bool
match_header(const char *p, size_t len, struct section *s)
{
	size_t end = len, c, i;

	while (end > 0 && str_is_space(p[end - 1]))
		end--;
	for (c = end; c-- > 1;) {
		if (p[c] != ':')
			continue;
		if (!no_space(p, c))
			continue;
		i = c + 1;
		while (i < end && str_is_space(p[i]))
			i++;
		if (!no_space(p + i, end - i))
			continue;
		s->type = xstrndup(p, c);
		for (char *t = s->type; *t != '\0'; t++)
			if (*t >= 'A' && *t <= 'Z')
				*t = (char)(*t - 'A' + 'a');
		s->id = xstrndup(p + i, end - i);
		return true;
	}
	return false;
}

/* `^\s+(\S+)(\s+(.*\S))?\s*$` */
static bool
match_property(const char *p, size_t len, struct section_kv *kv)
{
	size_t i = 0, k;

	while (i < len && str_is_space(p[i]))
		i++;
	if (i == 0 || i == len)
		return false;
	k = i;
	while (i < len && !str_is_space(p[i]))
		i++;
	kv->key = xstrndup(p + k, i - k);
	p += i;
	len -= i;
	str_trim(&p, &len);
	kv->value = len > 0 ? xstrndup(p, len) : NULL;
	return true;
}

static void
warn_line(struct diag *d, const char *file, unsigned line,
    const struct section *s, const char *p, size_t len)
{
	int n = len > MSG_LINE_MAX ? MSG_LINE_MAX : (int)len;
	const char *more = len > MSG_LINE_MAX ? "..." : "";

	if (d == NULL)
		return;
	if (s != NULL)
		diag_add(d, file, line, true,
		    "(section '%s') - ignore config line: %.*s%s", s->id, n,
		    p, more);
	else
		diag_add(d, file, line, true, "ignore config line: %.*s%s",
		    n, p, more);
}

void
section_parse(const char *text, size_t len, const char *file,
    struct diag *d, struct section_list *out)
{
	struct section *cur = NULL;
	const char *p;
	size_t pos = 0, n;
	unsigned line = 0;

	while (str_next_line(text, len, &pos, &p, &n)) {
		line++;

		if (is_comment(p, n))
			continue;
		if (is_false_line(p, n)) {
			cur = NULL;
			continue;
		}
		if (memchr(p, '\0', n) != NULL) {
			warn_line(d, file, line, cur, "<line with NUL byte>",
			    20);
			continue;
		}
		if (cur != NULL) {
			struct section_kv kv;

			if (!match_property(p, n, &kv)) {
				warn_line(d, file, line, cur, p, n);
				continue;
			}
			kv.line = line;
			XGROW(cur->kv, cur->kv_cap, cur->kv_count + 1);
			cur->kv[cur->kv_count++] = kv;
			continue;
		}
		XGROW(out->items, out->cap, out->count + 1);
		cur = &out->items[out->count];
		memset(cur, 0, sizeof(*cur));
		if (!match_header(p, n, cur)) {
			cur = NULL;
			warn_line(d, file, line, NULL, p, n);
			continue;
		}
		cur->line = line;
		out->count++;
	}
}

void
section_write_header(struct buf *out, const char *type, const char *id)
{
	buf_putf(out, "%s: %s\n", type, id);
}

void
section_write_kv(struct buf *out, const char *key, const char *value)
{
	if (value != NULL)
		buf_putf(out, "\t%s %s\n", key, value);
	else
		buf_putf(out, "\t%s\n", key);
}

void
section_write_end(struct buf *out)
{
	buf_putc(out, '\n');
}
