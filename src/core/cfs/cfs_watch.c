/*
 * Keeping a node's mirror current (see cfs.h, cfs_watch_start): watch the
 * store's manifests from the revision the mirror matches; each batch of
 * changes brings the mirror up to date.  A broken stream (the member died,
 * lost its leader) is resumed on another member after a fresh sync, so a
 * change made while the stream was down is not missed.
 *
 * The same thread compacts etcd's history, which etcd keeps for ever by
 * default: every COMPACT_EVERY seconds the node that gets the
 * "compactor" lock removes the chunks no file uses any more (cfs_sweep.c)
 * and compacts up to the revision it saw at its previous turn, so every
 * node has had that long to read what it needed.
 */
#include "cfs_int.h"
#include "etcd_client.h"
#include "xalloc.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define COMPACT_EVERY 300	/* seconds */
#define RETRY_MS      200

struct watcher {
	char *config_dir;
	int64_t compact_at;	/* the revision seen at the previous turn */
	time_t compact_next;
	bool warned;
};

static void compact(struct watcher *w);

static int
on_events(void *arg, int64_t header_rev, const struct etcd_event *ev,
    size_t n)
{
	struct watcher *w = arg;
	struct err err;

	(void)ev;
	if (n == 0)
		return 0;	/* created, or progress */
	if (cfs_mirror_sync(w->config_dir, header_rev, &err) < 0) {
		syslog(LOG_WARNING, "store %s: %s", cfs_store_name(), err.msg);
		return 1;	/* resync from the top */
	}
	compact(w);
	return 0;
}

static void
compact(struct watcher *w)
{
	struct cfs_lock *l = NULL;
	struct etcd *e;
	struct err err;
	int64_t now_rev;

	if (time(NULL) < w->compact_next)
		return;
	w->compact_next = time(NULL) + COMPACT_EVERY;
	if ((e = cfs_etcd_client(&err)) == NULL ||
	    etcd_status(e, &now_rev, &err) < 0)
		return;
	if (w->compact_at > 0 &&
	    cfs_flock(w->config_dir, "compactor", 0, &l, &err) == 0) {
		if (cfs_sweep(NULL, &err) < 0)
			syslog(LOG_WARNING, "store %s: sweep: %s",
			    cfs_store_name(), err.msg);
		if (etcd_compact(e, w->compact_at, &err) < 0 &&
		    err.code != ERR_NOT_FOUND)
			syslog(LOG_WARNING, "store %s: compaction: %s",
			    cfs_store_name(), err.msg);
		cfs_unlock(l);
	}
	w->compact_at = now_rev;
}

static void *
watch_main(void *arg)
{
	struct watcher *w = arg;
	struct buf key = BUF_INIT, end = BUF_INIT;
	volatile bool stop = false;
	struct etcd *stream = NULL;
	struct err err;
	int64_t from;

	cfs_etcd_key("f", "", &key);
	etcd_prefix_end(key.data, key.len, &end);
	w->compact_next = time(NULL) + COMPACT_EVERY;
	for (;;) {
		if (stream == NULL && (stream = cfs_etcd_open(&err)) == NULL)
			goto retry;
		if (cfs_mirror_sync(w->config_dir, 0, &err) < 0)
			goto retry;
		cfs_refresh();
		if (w->warned)
			syslog(LOG_NOTICE, "store %s: reachable again",
			    cfs_store_name());
		w->warned = false;
		compact(w);
		from = cfs_mirror_checked(w->config_dir) + 1;
		if (etcd_watch(stream, key.data, key.len, end.data, end.len,
		    from, on_events, w, &stop, NULL, &err) == 0)
			continue;	/* a sync failed: start again */
retry:
		if (!w->warned)
			syslog(LOG_WARNING, "store %s: %s (serving the last "
			    "snapshot)", cfs_store_name(), err.msg);
		w->warned = true;
		usleep(RETRY_MS * 1000);
	}
	return NULL;
}

int
cfs_watch_start(const char *config_dir, struct err *err)
{
	struct watcher *w;
	pthread_t t;

	if (!cfs_is_etcd())
		return 0;
	w = xcalloc(1, sizeof(*w));
	w->config_dir = xstrdup(config_dir);
	if (cfs_thread_start(&t, watch_main, w) != 0) {
		free(w->config_dir);
		free(w);
		return err_set(err, ERR_INTERNAL, "cannot start the store "
		    "watcher");
	}
	pthread_detach(t);
	return 0;
}
