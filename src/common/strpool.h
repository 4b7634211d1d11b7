/*
 * String interning over an arena.  A parsed config holds hundreds of
 * thousands of small strings (user ids repeated in ACL and group lines);
 * interning makes them one allocation each, lets the permission engine
 * compare subjects by pointer, and frees everything in one go.
 */
#ifndef RG_STRPOOL_H
#define RG_STRPOOL_H

#include <stddef.h>
#include <stdint.h>

/*
 * One slot of the intern table.  The first bytes of the key sit in the
 * slot itself, so a lookup of a short id (most user, group and role ids)
 * never touches the string: one cache line per probe.
 */
#define STRPOOL_INLINE 16

struct strpool_slot {
	const char *s;		/* the interned copy; NULL: empty slot */
	uint32_t hash;
	uint32_t len;
	char head[STRPOOL_INLINE];	/* first bytes of s, zero-padded */
};

struct strpool {
	struct strpool_slot *slots;
	size_t cap;		/* power of two, or 0 */
	size_t count;
	struct arena_block *blocks;
	/*
	 * The string strpool_intern returned last: interning or finding
	 * that very pointer again (a lookup, then an insertion under the
	 * same id, as the model's add functions do) skips the hashing.
	 */
	const char *last;
};

void strpool_init(struct strpool *sp);
void strpool_clear(struct strpool *sp);

/* Intern (p,len); the result lives as long as the pool. */
const char *strpool_intern(struct strpool *sp, const char *p, size_t len);
const char *strpool_add(struct strpool *sp, const char *s);
/* The interned copy of s, or NULL if s was never interned. */
const char *strpool_find(const struct strpool *sp, const char *s);
const char *strpool_findn(const struct strpool *sp, const char *p,
    size_t len);

/* A copy of (p,len) in the arena, not interned (for free text). */
const char *strpool_copy(struct strpool *sp, const char *p, size_t len);

/* Raw arena allocation (zeroed, 16-byte aligned), freed with the pool. */
void *strpool_alloc(struct strpool *sp, size_t size);

#endif
