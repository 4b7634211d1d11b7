/*
 * Open-addressing hash map with linear probing and tombstones.  The hash
 * mixes 8 bytes at a time; it need not resist flooding: keys come from
 * config files the admin controls, and maps are rebuilt on every load.
 */
#include "hmap.h"
#include "xalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TOMB ((const char *)&tomb_marker)
static const char tomb_marker;

unsigned
hmap_hash(const char *key, size_t len)
{
	/* 8 bytes per step with a multiply-xorshift mix (splitmix64's) */
	uint64_t h = UINT64_C(0x9e3779b97f4a7c15) ^ len, w;

	while (len >= 8) {
		memcpy(&w, key, 8);
		h = (h ^ w) * UINT64_C(0xbf58476d1ce4e5b9);
		h ^= h >> 31;
		key += 8;
		len -= 8;
	}
	w = hmap_word(key, len);
	h = (h ^ w) * UINT64_C(0x94d049bb133111eb);
	h ^= h >> 29;
	return (unsigned)(h ^ (h >> 32));
}

void
hmap_init(struct hmap *m)
{
	memset(m, 0, sizeof(*m));
}

void
hmap_init_ptr(struct hmap *m)
{
	hmap_init(m);
	m->by_ptr = true;
}

void
hmap_clear(struct hmap *m)
{
	bool by_ptr = m->by_ptr;

	free(m->slots);
	hmap_init(m);
	m->by_ptr = by_ptr;
}

void
hmap_clear_owned(struct hmap *m, void (*free_value)(void *))
{
	size_t it = 0;
	const char *k;
	void *v;

	while (hmap_next(m, &it, &k, &v)) {
		if (free_value != NULL)
			free_value(v);
		free((char *)(uintptr_t)k);
	}
	hmap_clear(m);
}

static unsigned
ptr_hash(const char *key)
{
	uint64_t h = (uint64_t)(uintptr_t)key * UINT64_C(0x9e3779b97f4a7c15);

	return (unsigned)(h >> 32);
}

static unsigned
key_hash(const struct hmap *m, const char *key, size_t len)
{
	return m->by_ptr ? ptr_hash(key) : hmap_hash(key, len);
}

/*
 * Probing, one loop per mode: the slot holding key, or NULL.  *free_r
 * (when not NULL) gets the first tombstone or empty slot on the way, where
 * an insertion of a missing key goes.
 */
static struct hmap_slot *
find_ptr(const struct hmap *m, const char *key, struct hmap_slot **free_r)
{
	size_t mask = m->cap - 1, i;
	struct hmap_slot *tomb = NULL;

	for (i = ptr_hash(key) & mask;; i = (i + 1) & mask) {
		struct hmap_slot *s = &m->slots[i];

		if (s->key == NULL) {
			if (free_r != NULL)
				*free_r = tomb != NULL ? tomb : s;
			return NULL;
		}
		if (s->key == key)
			return s;
		if (s->key == TOMB && tomb == NULL)
			tomb = s;
	}
}

static struct hmap_slot *
find_str(const struct hmap *m, const char *key, size_t len, unsigned h,
    struct hmap_slot **free_r)
{
	size_t mask = m->cap - 1, i;
	struct hmap_slot *tomb = NULL;

	for (i = h & mask;; i = (i + 1) & mask) {
		struct hmap_slot *s = &m->slots[i];

		if (s->key == NULL) {
			if (free_r != NULL)
				*free_r = tomb != NULL ? tomb : s;
			return NULL;
		}
		if (s->key == TOMB) {
			if (tomb == NULL)
				tomb = s;
		} else if (s->hash == h && s->len == len &&
		    memcmp(s->key, key, len) == 0) {
			return s;
		}
	}
}

static struct hmap_slot *
find(const struct hmap *m, const char *key, size_t len, unsigned h,
    struct hmap_slot **free_r)
{
	if (m->cap == 0) {
		if (free_r != NULL)
			*free_r = NULL;
		return NULL;
	}
	return m->by_ptr ? find_ptr(m, key, free_r) :
	    find_str(m, key, len, h, free_r);
}

void *
hmap_getn(const struct hmap *m, const char *key, size_t len)
{
	struct hmap_slot *s = find(m, key, len, key_hash(m, key, len), NULL);

	return s != NULL ? s->value : NULL;
}

void *
hmap_getn_h(const struct hmap *m, const char *key, size_t len,
    unsigned hash)
{
	struct hmap_slot *s = find(m, key, len, hash, NULL);

	return s != NULL ? s->value : NULL;
}

void *
hmap_get(const struct hmap *m, const char *key)
{
	struct hmap_slot *s;

	if (!m->by_ptr)
		return hmap_getn(m, key, strlen(key));
	s = m->cap != 0 ? find_ptr(m, key, NULL) : NULL;
	return s != NULL ? s->value : NULL;
}

static void
rehash(struct hmap *m, size_t ncap)
{
	struct hmap_slot *old = m->slots;
	size_t ocap = m->cap, i;

	m->slots = xcalloc(ncap, sizeof(*m->slots));
	m->cap = ncap;
	m->tombs = 0;
	for (i = 0; i < ocap; i++) {
		size_t j;

		if (old[i].key == NULL || old[i].key == TOMB)
			continue;
		for (j = old[i].hash & (ncap - 1); m->slots[j].key != NULL;
		     j = (j + 1) & (ncap - 1))
			;
		m->slots[j] = old[i];
	}
	free(old);
}

/* Double when live keys fill half the slots, else just drop tombstones. */
static size_t
next_cap(const struct hmap *m)
{
	if (m->cap == 0)
		return 16;
	return m->count * 2 >= m->cap ? m->cap * 2 : m->cap;
}

/* Insert or replace (key,len) whose hash is h. */
static void *
put(struct hmap *m, const char *key, size_t len, unsigned h, void *value)
{
	struct hmap_slot *free_slot, *s = find(m, key, len, h, &free_slot);
	void *prev;

	if (s != NULL) {
		prev = s->value;
		s->key = key;
		s->value = value;
		return prev;
	}
	if ((m->count + m->tombs + 1) * 4 >= m->cap * 3) {
		rehash(m, next_cap(m));
		find(m, key, len, h, &free_slot);
	}
	s = free_slot;
	if (s->key == TOMB)
		m->tombs--;
	s->key = key;
	s->value = value;
	s->hash = h;
	s->len = (unsigned)len;
	m->count++;
	return NULL;
}

void *
hmap_put(struct hmap *m, const char *key, void *value)
{
	size_t len = m->by_ptr ? 0 : strlen(key);

	return put(m, key, len, key_hash(m, key, len), value);
}

void *
hmap_putn_h(struct hmap *m, const char *key, size_t len, unsigned hash,
    void *value)
{
	return put(m, key, len, hash, value);
}

static char set_marker;

void
hmap_set_add(struct hmap *m, const char *key)
{
	hmap_put(m, key, &set_marker);
}

void
hmap_set_addn_h(struct hmap *m, const char *key, size_t len, unsigned hash)
{
	put(m, key, len, hash, &set_marker);
}

bool
hmap_has(const struct hmap *m, const char *key)
{
	return hmap_get(m, key) != NULL;
}

void *
hmap_del(struct hmap *m, const char *key)
{
	size_t len = m->by_ptr ? 0 : strlen(key);
	struct hmap_slot *s = find(m, key, len, key_hash(m, key, len), NULL);
	void *prev;

	if (s == NULL)
		return NULL;
	prev = s->value;
	s->key = TOMB;
	s->value = NULL;
	m->count--;
	m->tombs++;
	return prev;
}

bool
hmap_next(const struct hmap *m, size_t *iter, const char **key_r,
    void **value_r)
{
	while (*iter < m->cap) {
		struct hmap_slot *s = &m->slots[(*iter)++];

		if (s->key != NULL && s->key != TOMB) {
			if (key_r != NULL)
				*key_r = s->key;
			if (value_r != NULL)
				*value_r = s->value;
			return true;
		}
	}
	return false;
}

struct kv {
	const char *key;
	void *value;
};

static int
kv_cmp(const void *a, const void *b)
{
	return strcmp(((const struct kv *)a)->key, ((const struct kv *)b)->key);
}

void **
hmap_sorted_values(const struct hmap *m, size_t *count_r)
{
	struct kv *kv = xcalloc(m->count + 1, sizeof(*kv));
	void **out = xcalloc(m->count + 1, sizeof(*out));
	size_t it = 0, n = 0, i;
	const char *k;
	void *v;

	while (hmap_next(m, &it, &k, &v)) {
		kv[n].key = k;
		kv[n].value = v;
		n++;
	}
	qsort(kv, n, sizeof(*kv), kv_cmp);
	for (i = 0; i < n; i++)
		out[i] = kv[i].value;
	free(kv);
	*count_r = n;
	return out;
}
