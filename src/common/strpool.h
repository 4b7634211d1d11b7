/*
 * String interning over an arena.  A parsed config holds hundreds of
 * thousands of small strings (user ids repeated in ACL and group lines);
 * interning makes them one allocation each, lets the permission engine
 * compare subjects by pointer, and frees everything in one go.
 */
#ifndef RG_STRPOOL_H
#define RG_STRPOOL_H

#include "hmap.h"

#include <stddef.h>

struct strpool {
	struct hmap set;	/* interned string -> itself */
	struct arena_block *blocks;
};

void strpool_init(struct strpool *sp);
void strpool_clear(struct strpool *sp);

/* Intern (p,len); the result lives as long as the pool. */
const char *strpool_intern(struct strpool *sp, const char *p, size_t len);
const char *strpool_add(struct strpool *sp, const char *s);
/* The interned copy of s, or NULL if s was never interned. */
const char *strpool_find(const struct strpool *sp, const char *s);

/* A copy of (p,len) in the arena, not interned (for free text). */
const char *strpool_copy(struct strpool *sp, const char *p, size_t len);

/* Raw arena allocation (zeroed, 16-byte aligned), freed with the pool. */
void *strpool_alloc(struct strpool *sp, size_t size);

#endif
