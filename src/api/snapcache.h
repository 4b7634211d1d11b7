/*
 * Results computed from one user.cfg snapshot and shared by the requests
 * that read the same snapshot: the permission dumps of GET
 * /access/permissions and the caps of a login answer.  An entry is filed
 * under the generation of the snapshot it was computed from, taken from
 * that snapshot (store_user_generation), and served only to requests
 * holding that same snapshot; an answer computed from a snapshot that was
 * replaced meanwhile is not kept at all.
 */
#ifndef RG_SNAPCACHE_H
#define RG_SNAPCACHE_H

#include "hmap.h"
#include "ucfg.h"

#include <pthread.h>
#include <stddef.h>

struct snapcache {
	pthread_mutex_t mu;
	unsigned long generation;
	struct hmap map;		/* key -> value */
	size_t bytes;
	size_t max_entries, max_bytes;	/* past either: start afresh */
	void (*ref)(void *);		/* take a reference to a value */
	void (*unref)(void *);		/* drop one */
};

#define SNAPCACHE_INIT(max_entries, max_bytes, ref, unref)               \
	{PTHREAD_MUTEX_INITIALIZER, 0, {NULL, 0, 0, 0, false}, 0,        \
	    (max_entries), (max_bytes), (ref), (unref)}

/*
 * The value filed for key and computed from cfg's snapshot (a new
 * reference), or NULL.  cfg comes from store_read_user.
 */
void *snapcache_get(struct snapcache *c, const struct ucfg *cfg,
    const char *key);

/*
 * File value (size bytes; the cache takes its own reference) as computed
 * from cfg.  Nothing is kept when cfg is not the current snapshot any more
 * or the cache is off.
 */
void snapcache_put(struct snapcache *c, const struct ucfg *cfg,
    const char *key, void *value, size_t size);

/* Drop every entry. */
void snapcache_clear(struct snapcache *c);

#endif
