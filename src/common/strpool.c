/*
 * Arena-backed string interning (see strpool.h): an open-addressing table
 * with linear probing whose slots carry the key's length, hash and first
 * bytes, over an arena that holds the strings.
 */
#include "strpool.h"
#include "hmap.h"
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
	sp->slots = NULL;
	sp->cap = sp->count = 0;
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
	free(sp->slots);
	strpool_init(sp);
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

static bool
slot_matches(const struct strpool_slot *sl, uint32_t h, const char *p,
    size_t len)
{
	size_t inl = len < STRPOOL_INLINE ? len : STRPOOL_INLINE;

	return sl->hash == h && sl->len == len &&
	    memcmp(sl->head, p, inl) == 0 &&
	    (len <= STRPOOL_INLINE || memcmp(sl->s + STRPOOL_INLINE,
	    p + STRPOOL_INLINE, len - STRPOOL_INLINE) == 0);
}

/* The slot holding (p,len), or the empty slot where it would go. */
static struct strpool_slot *
probe(const struct strpool *sp, uint32_t h, const char *p, size_t len)
{
	size_t mask = sp->cap - 1, i;

	for (i = h & mask;; i = (i + 1) & mask) {
		struct strpool_slot *sl = &sp->slots[i];

		if (sl->s == NULL || slot_matches(sl, h, p, len))
			return sl;
	}
}

static void
grow(struct strpool *sp)
{
	struct strpool_slot *old = sp->slots;
	size_t ocap = sp->cap, i;

	sp->cap = ocap ? ocap * 2 : 64;
	sp->slots = xcalloc(sp->cap, sizeof(*sp->slots));
	for (i = 0; i < ocap; i++) {
		size_t j;

		if (old[i].s == NULL)
			continue;
		for (j = old[i].hash & (sp->cap - 1); sp->slots[j].s != NULL;
		     j = (j + 1) & (sp->cap - 1))
			;
		sp->slots[j] = old[i];
	}
	free(old);
}

const char *
strpool_intern(struct strpool *sp, const char *p, size_t len)
{
	uint32_t h = hmap_hash(p, len);
	struct strpool_slot *sl;
	char *s;

	if ((sp->count + 1) * 4 > sp->cap * 3)
		grow(sp);
	sl = probe(sp, h, p, len);
	if (sl->s != NULL)
		return sl->s;
	s = strpool_alloc(sp, len + 1);
	memcpy(s, p, len);
	s[len] = '\0';
	sl->s = s;
	sl->hash = h;
	sl->len = (uint32_t)len;
	memcpy(sl->head, p, len < STRPOOL_INLINE ? len : STRPOOL_INLINE);
	sp->count++;
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
	size_t len = strlen(s);

	if (sp->cap == 0)
		return NULL;
	return probe(sp, hmap_hash(s, len), s, len)->s;
}
