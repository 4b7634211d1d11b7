/*
 * Arena-backed string interning (see strpool.h).
 */
#include "strpool.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

#define BLOCK_SIZE (64 * 1024)

struct arena_block {
	struct arena_block *next;
	size_t used, size;
	unsigned char data[];
};

void
strpool_init(struct strpool *sp)
{
	hmap_init(&sp->set);
	sp->blocks = NULL;
}

void
strpool_clear(struct strpool *sp)
{
	struct arena_block *b, *next;

	for (b = sp->blocks; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	hmap_clear(&sp->set);
	sp->blocks = NULL;
}

void *
strpool_alloc(struct strpool *sp, size_t size)
{
	struct arena_block *b = sp->blocks;
	void *p;

	size = (size + 15) & ~(size_t)15;
	if (b == NULL || b->size - b->used < size) {
		size_t bsize = size > BLOCK_SIZE / 4 ? size : BLOCK_SIZE;

		b = xmalloc(sizeof(*b) + bsize);
		b->used = 0;
		b->size = bsize;
		if (bsize == BLOCK_SIZE || sp->blocks == NULL) {
			b->next = sp->blocks;
			sp->blocks = b;
		} else {
			/* big one-off: keep the current block for small ones */
			b->next = sp->blocks->next;
			sp->blocks->next = b;
		}
	}
	p = b->data + b->used;
	b->used += size;
	memset(p, 0, size);
	return p;
}

const char *
strpool_intern(struct strpool *sp, const char *p, size_t len)
{
	char *s = hmap_getn(&sp->set, p, len);

	if (s != NULL)
		return s;
	s = strpool_alloc(sp, len + 1);
	memcpy(s, p, len);
	s[len] = '\0';
	hmap_put(&sp->set, s, s);
	return s;
}

const char *
strpool_copy(struct strpool *sp, const char *p, size_t len)
{
	char *s = strpool_alloc(sp, len + 1);

	memcpy(s, p, len);
	s[len] = '\0';
	return s;
}

const char *
strpool_add(struct strpool *sp, const char *s)
{
	return strpool_intern(sp, s, strlen(s));
}

const char *
strpool_find(const struct strpool *sp, const char *s)
{
	return hmap_get(&sp->set, s);
}
