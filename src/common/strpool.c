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
	sp->last = NULL;
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

/*
 * size bytes from the arena at an offset aligned to align (a power of
 * two), not zeroed.  A request too big for a shared block gets a block of
 * its own, kept behind the current one.
 */
static void *
take(struct strpool *sp, size_t size, size_t align)
{
	struct arena_block *b = sp->blocks;
	size_t off;

	if (b != NULL) {
		off = (b->used + align - 1) & ~(align - 1);
		if (off <= b->size && b->size - off >= size) {
			b->used = off + size;
			return b->data + off;
		}
	}
	off = size > BLOCK_SIZE / 4 ? size : BLOCK_SIZE;
	b = xmalloc(sizeof(*b) + off);
	b->used = size;
	b->size = off;
	if (off == BLOCK_SIZE || sp->blocks == NULL) {
		b->next = sp->blocks;
		sp->blocks = b;
	} else {
		b->next = sp->blocks->next;
		sp->blocks->next = b;
	}
	return b->data;
}

void *
strpool_alloc(struct strpool *sp, size_t size)
{
	void *p;

	size = (size + 15) & ~(size_t)15;
	p = take(sp, size, 16);
	memset(p, 0, size);
	return p;
}

/* A NUL-terminated copy of (p,len): strings need no alignment. */
static char *
copy_str(struct strpool *sp, const char *p, size_t len)
{
	char *s = take(sp, len + 1, 1);

	memcpy(s, p, len);
	s[len] = '\0';
	return s;
}

/* A key being looked up: its bytes, hash and zero-padded first 16 bytes. */
struct key {
	const char *p;
	size_t len;
	uint32_t hash;
	uint64_t head[2];
};

static void
key_init(struct key *k, const char *p, size_t len)
{
	k->p = p;
	k->len = len;
	k->hash = hmap_hash(p, len);
	k->head[0] = hmap_word(p, len < 8 ? len : 8);
	k->head[1] = len <= 8 ? 0 : hmap_word(p + 8, len < 16 ? len - 8 : 8);
}

/* Word compares instead of memcmp calls: most ids fit in 24 bytes. */
static bool
slot_matches(const struct strpool_slot *sl, const struct key *k)
{
	uint64_t head[2];
	size_t rest;

	if (sl->hash != k->hash || sl->len != k->len)
		return false;
	memcpy(head, sl->head, sizeof(head));
	if (head[0] != k->head[0] || head[1] != k->head[1])
		return false;
	if (k->len <= STRPOOL_INLINE)
		return true;
	rest = k->len - STRPOOL_INLINE;
	if (rest <= 8)
		return hmap_word(sl->s + STRPOOL_INLINE, rest) ==
		    hmap_word(k->p + STRPOOL_INLINE, rest);
	return memcmp(sl->s + STRPOOL_INLINE, k->p + STRPOOL_INLINE,
	    rest) == 0;
}

/* The slot holding the key, or the empty slot where it would go. */
static struct strpool_slot *
probe(const struct strpool *sp, const struct key *k)
{
	size_t mask = sp->cap - 1, i;

	for (i = k->hash & mask;; i = (i + 1) & mask) {
		struct strpool_slot *sl = &sp->slots[i];

		if (sl->s == NULL || slot_matches(sl, k))
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
	struct strpool_slot *sl;
	struct key k;

	if ((sp->count + 1) * 4 > sp->cap * 3)
		grow(sp);
	key_init(&k, p, len);
	sl = probe(sp, &k);
	if (sl->s == NULL) {
		sl->s = copy_str(sp, p, len);
		sl->hash = k.hash;
		sl->len = (uint32_t)len;
		memcpy(sl->head, k.head, sizeof(sl->head));
		sp->count++;
	}
	sp->last = sl->s;
	return sl->s;
}

const char *
strpool_copy(struct strpool *sp, const char *p, size_t len)
{
	return copy_str(sp, p, len);
}

const char *
strpool_add(struct strpool *sp, const char *s)
{
	if (s != NULL && s == sp->last)
		return s;
	return strpool_intern(sp, s, strlen(s));
}

const char *
strpool_findn(const struct strpool *sp, const char *p, size_t len)
{
	struct key k;

	if (sp->cap == 0)
		return NULL;
	key_init(&k, p, len);
	return probe(sp, &k)->s;
}

const char *
strpool_find(const struct strpool *sp, const char *s)
{
	if (s != NULL && s == sp->last)
		return s;
	return strpool_findn(sp, s, strlen(s));
}
