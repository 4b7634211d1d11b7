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
	w = 0;
	memcpy(&w, key, len);
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

static bool
key_eq(const struct hmap *m, const struct hmap_slot *s, unsigned h,
    const char *key, size_t len)
{
	if (m->by_ptr)
		return s->key == key;
	return s->hash == h && s->len == len && s->key != TOMB &&
	    memcmp(s->key, key, len) == 0;
}

static struct hmap_slot *
find(const struct hmap *m, const char *key, size_t len, unsigned h)
{
	size_t mask, i;

	if (m->cap == 0)
		return NULL;
	mask = m->cap - 1;
	for (i = h & mask;; i = (i + 1) & mask) {
		struct hmap_slot *s = &m->slots[i];

		if (s->key == NULL)
			return NULL;
		if (key_eq(m, s, h, key, len))
			return s;
	}
}

void *
hmap_getn(const struct hmap *m, const char *key, size_t len)
{
	struct hmap_slot *s = find(m, key, len, key_hash(m, key, len));

	return s != NULL ? s->value : NULL;
}

void *
hmap_get(const struct hmap *m, const char *key)
{
	return hmap_getn(m, key, m->by_ptr ? 0 : strlen(key));
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

void *
hmap_put(struct hmap *m, const char *key, void *value)
{
	size_t len = m->by_ptr ? 0 : strlen(key), mask, i;
	unsigned h = key_hash(m, key, len);
	struct hmap_slot *s = find(m, key, len, h), *tomb = NULL;
	void *prev;

	if (s != NULL) {
		prev = s->value;
		s->key = key;
		s->value = value;
		return prev;
	}
	if ((m->count + m->tombs + 1) * 4 >= m->cap * 3)
		rehash(m, m->cap ? (m->count * 2 >= m->cap ? m->cap * 2 : m->cap)
				 : 16);
	mask = m->cap - 1;
	for (i = h & mask; m->slots[i].key != NULL; i = (i + 1) & mask)
		if (m->slots[i].key == TOMB && tomb == NULL)
			tomb = &m->slots[i];
	if (tomb != NULL) {
		s = tomb;
		m->tombs--;
	} else {
		s = &m->slots[i];
	}
	s->key = key;
	s->value = value;
	s->hash = h;
	s->len = (unsigned)len;
	m->count++;
	return NULL;
}

static char set_marker;

void
hmap_set_add(struct hmap *m, const char *key)
{
	hmap_put(m, key, &set_marker);
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
	struct hmap_slot *s = find(m, key, len, key_hash(m, key, len));
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
