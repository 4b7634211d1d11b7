/*
 * Snapshot-keyed result caches (see snapcache.h).
 */
#include "snapcache.h"
#include "store.h"
#include "xalloc.h"

static void
clear_locked(struct snapcache *c)
{
	hmap_clear_owned(&c->map, c->unref);
	c->bytes = 0;
}

void
snapcache_clear(struct snapcache *c)
{
	pthread_mutex_lock(&c->mu);
	clear_locked(c);
	pthread_mutex_unlock(&c->mu);
}

void *
snapcache_get(struct snapcache *c, const struct ucfg *cfg, const char *key)
{
	unsigned long gen = store_user_generation(cfg);
	void *v = NULL;

	if (gen == 0)
		return NULL;
	pthread_mutex_lock(&c->mu);
	if (gen == c->generation) {
		v = hmap_get(&c->map, key);
		if (v != NULL)
			c->ref(v);
	}
	pthread_mutex_unlock(&c->mu);
	return v;
}

void
snapcache_put(struct snapcache *c, const struct ucfg *cfg, const char *key,
    void *value, size_t size)
{
	unsigned long gen = store_user_generation(cfg);

	if (gen == 0)
		return;
	pthread_mutex_lock(&c->mu);
	if (gen > c->generation) {
		clear_locked(c);
		c->generation = gen;
	}
	/* an older snapshot than the entries': keep nothing */
	if (gen == c->generation && hmap_get(&c->map, key) == NULL) {
		if (c->map.count >= c->max_entries ||
		    c->bytes + size > c->max_bytes)
			clear_locked(c);
		c->ref(value);
		hmap_put(&c->map, xstrdup(key), value);
		c->bytes += size;
	}
	pthread_mutex_unlock(&c->mu);
}
