/*
 * Minimal priv/shadow.cfg reader/writer used only until
 * src/core/files/shadow.h lands (see shadow_compat.h).  Lines are
 * "<name>:<hash>:"; anything not matching ^\S+:\S+:$ is skipped (spec 1.5).
 */
#include "shadow_compat.h"

#ifdef RG_SHADOW_COMPAT
#include "secret.h"
#include "xalloc.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct shadow_entry {
	char *name;
	char *hash;
};

struct shadow {
	struct shadow_entry *e;
	size_t count, cap;
};

static bool
no_space(const char *p, size_t len)
{
	size_t i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++)
		if (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' ||
		    p[i] == '\f' || p[i] == '\v' || p[i] == '\0')
			return false;
	return true;
}

static void
parse_line(struct shadow *s, const char *p, size_t len, const char *file,
    unsigned line, struct diag *d)
{
	const char *colon = memchr(p, ':', len);
	size_t nlen, hlen;
	char *name, *hash;

	if (len == 0)
		return;
	if (colon == NULL || p[len - 1] != ':')
		goto bad;
	nlen = (size_t)(colon - p);
	hlen = len - nlen - 2;
	if (nlen + 1 >= len || !no_space(p, nlen) ||
	    !no_space(colon + 1, hlen))
		goto bad;
	name = xstrndup(p, nlen);
	hash = xstrndup(colon + 1, hlen);
	shadow_set(s, name, hash);
	free(name);
	secret_free_str(hash);
	return;
bad:
	diag_add(d, file, line, true, "shadow config - ignore invalid line");
}

struct shadow *
shadow_parse(const char *text, size_t len, const char *file, struct diag *d)
{
	struct shadow *s = xcalloc(1, sizeof(*s));
	unsigned line = 0;

	while (len > 0) {
		const char *nl = memchr(text, '\n', len);
		size_t l = nl != NULL ? (size_t)(nl - text) : len;

		parse_line(s, text, l, file, ++line, d);
		if (nl == NULL)
			break;
		text += l + 1;
		len -= l + 1;
	}
	return s;
}

void
shadow_write(const struct shadow *s, struct buf *out)
{
	size_t i;

	for (i = 0; i < s->count; i++)
		buf_putf(out, "%s:%s:\n", s->e[i].name, s->e[i].hash);
}

static struct shadow_entry *
find(const struct shadow *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->count; i++)
		if (strcmp(s->e[i].name, name) == 0)
			return &s->e[i];
	return NULL;
}

const char *
shadow_get(const struct shadow *s, const char *name)
{
	const struct shadow_entry *e = find(s, name);

	return e != NULL ? e->hash : NULL;
}

void
shadow_set(struct shadow *s, const char *name, const char *hash)
{
	struct shadow_entry *e = find(s, name);

	if (e == NULL) {
		XGROW(s->e, s->cap, s->count + 1);
		e = &s->e[s->count++];
		e->name = xstrdup(name);
	} else {
		secret_free_str(e->hash);
	}
	e->hash = xstrdup(hash);
}

void
shadow_del(struct shadow *s, const char *name)
{
	struct shadow_entry *e = find(s, name);
	size_t i;

	if (e == NULL)
		return;
	i = (size_t)(e - s->e);
	free(e->name);
	secret_free_str(e->hash);
	memmove(e, e + 1, (s->count - i - 1) * sizeof(*e));
	s->count--;
}

void
shadow_free(struct shadow *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->count; i++) {
		free(s->e[i].name);
		secret_free_str(s->e[i].hash);
	}
	free(s->e);
	free(s);
}
#else
/* ISO C forbids an empty translation unit. */
typedef int rg_shadow_compat_unused;
#endif
