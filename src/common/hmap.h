/*
 * A string-keyed hash map with open addressing.  Keys are borrowed: the
 * caller keeps them alive (usually they are interned in a strpool or owned
 * by the value).  Used for the user, group, role, pool and token tables.
 */
#ifndef RG_HMAP_H
#define RG_HMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct hmap_slot {
	const char *key;
	void *value;
	unsigned hash;
	unsigned len;	/* key length (string mode) */
};

struct hmap {
	struct hmap_slot *slots;
	size_t cap;	/* power of two, or 0 */
	size_t count;
	size_t tombs;
	bool by_ptr;	/* keys compared by address (interned strings) */
};

void hmap_init(struct hmap *m);
/*
 * A map whose keys are interned strings (src/common/strpool.h): lookups
 * hash and compare the key's address, never its bytes, so every key passed
 * in must be the pool's copy.  Iteration still sees the strings.
 */
void hmap_init_ptr(struct hmap *m);
void hmap_clear(struct hmap *m);	/* frees slots, not keys/values; keeps the mode */
/*
 * For maps that own their keys (malloc'd copies): free every key, pass
 * every value to free_value (if not NULL), then hmap_clear.
 */
void hmap_clear_owned(struct hmap *m, void (*free_value)(void *));

void *hmap_get(const struct hmap *m, const char *key);
void *hmap_getn(const struct hmap *m, const char *key, size_t len);
/*
 * String-mode maps only: the same with the key's hmap_hash already known
 * (a caller that looks a key up and then inserts it hashes it once).
 */
void *hmap_getn_h(const struct hmap *m, const char *key, size_t len,
    unsigned hash);
void *hmap_putn_h(struct hmap *m, const char *key, size_t len,
    unsigned hash, void *value);
void hmap_set_addn_h(struct hmap *m, const char *key, size_t len,
    unsigned hash);
/* Insert or replace; returns the previous value or NULL. */
void *hmap_put(struct hmap *m, const char *key, void *value);
/* Use as a set: the value is a non-NULL marker. */
void hmap_set_add(struct hmap *m, const char *key);
bool hmap_has(const struct hmap *m, const char *key);

/* Remove; returns the removed value or NULL. */
void *hmap_del(struct hmap *m, const char *key);

/* Iteration: for (i = 0; hmap_next(m, &i, &k, &v);) */
bool hmap_next(const struct hmap *m, size_t *iter, const char **key_r,
    void **value_r);

/* All values, sorted by key (byte order); caller frees the array. */
void **hmap_sorted_values(const struct hmap *m, size_t *count_r);

unsigned hmap_hash(const char *key, size_t len);

/*
 * The first len (at most 8) bytes at p as one word, zero-padded: what
 * memcpy into a zeroed uint64_t gives, without a call to memcpy.  For
 * hashing and comparing short keys a word at a time.
 */
static inline uint64_t
hmap_word(const char *p, size_t len)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const unsigned char *u = (const unsigned char *)p;
	uint32_t lo, hi;

	if (len >= 4) {
		memcpy(&lo, p, 4);
		memcpy(&hi, p + len - 4, 4);
		return lo | ((uint64_t)hi >> (8 * (8 - len))) << 32;
	}
	if (len == 0)
		return 0;
	return (uint64_t)u[0] | (uint64_t)u[len / 2] << (8 * (len / 2)) |
	    (uint64_t)u[len - 1] << (8 * (len - 1));
#else
	uint64_t w = 0;

	memcpy(&w, p, len);
	return w;
#endif
}

#endif
