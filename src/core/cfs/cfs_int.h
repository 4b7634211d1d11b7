/*
 * What the pieces of the config file store share (see cfs.h): the
 * staged writes of a thread, its held locks, and the etcd backend's
 * entry points that cfs.c dispatches to.
 */
#ifndef RG_CFS_INT_H
#define RG_CFS_INT_H

#include "cfs.h"

#include <pthread.h>
#include <stdint.h>

struct cfg_lock;

/* A write waiting in a group. */
struct cfs_staged {
	struct cfs_staged *next;
	char *rel;
	struct buf data;	/* wiped when freed: may be a secret */
	mode_t mode;
	time_t mtime;		/* 0: the commit's time */
	bool remove;
};

struct cfs_lock {
	struct cfs_lock *next_held;	/* this thread's etcd locks */
	struct cfg_lock *dir;		/* directory mode: cfs_lock */
	int fd;				/* directory mode: cfs_flock, or -1 */
	char *key;			/* etcd mode: the lock's key */
	int64_t create_rev;		/* etcd mode: its creation revision */
};

/* pthread_create with every signal blocked in the new thread */
int cfs_thread_start(pthread_t *t, void *(*fn)(void *), void *arg);

/* The locks the calling thread holds in etcd mode (fencing). */
struct cfs_lock *cfs_held_locks(void);

/* etcd backend (cfs_etcd.c) */
struct etcd;
/* Wipe the credentials; every later connection is refused. */
void cfs_etcd_forget(void);
/* A new client of the caller's (the watch stream keeps its own) */
struct etcd *cfs_etcd_open(struct err *err);
/* This thread's client (opened on first use; forgotten in a forked child) */
struct etcd *cfs_etcd_client(struct err *err);
/* "/realmgate/" */
const char *cfs_etcd_prefix(void);
/* "<prefix><kind>/<name>" */
void cfs_etcd_key(const char *kind, const char *name, struct buf *out);
int cfs_etcd_setup(const char *url, struct err *err);
const char *cfs_etcd_name(void);
int cfs_etcd_lock(const char *config_dir, const char *name, int timeout_ms,
    struct cfs_lock *l, struct err *err);
void cfs_etcd_unlock(struct cfs_lock *l);
/* Send the staged writes as one transaction; on success the thread's
 * mirror pin includes them. */
int cfs_etcd_commit(const char *config_dir, const struct cfs_staged *list,
    struct err *err);

/* Delete the chunks no manifest names (cfs_sweep.c); how many. */
int cfs_sweep(size_t *removed_r, struct err *err);

/* the node mirror (cfs_mirror.c): what each file of a snapshot is */
struct cfs_chunkref;
struct cfs_index_file {
	char *rel;
	int64_t mod;			/* its manifest's mod revision */
	struct cfs_chunkref *chunks;	/* NULL: inline */
	size_t nchunks;
};
struct cfs_index {
	int64_t revision;
	struct cfs_index_file *files;	/* sorted by rel */
	size_t n;
};
const struct cfs_index_file *cfs_index_find(const struct cfs_index *ix,
    const char *rel);
void cfs_index_clear(struct cfs_index *ix);
/*
 * The snapshot this thread read rel from since its last cfs_refresh (else
 * its pinned one): its directory and index - what a commit replaces.
 */
int cfs_mirror_base(const char *config_dir, const char *rel, struct buf *dir,
    struct cfs_index *ix, struct err *err);

int cfs_mirror_ready(const char *config_dir, bool rebuild, struct err *err);
void cfs_mirror_path(const char *config_dir, const char *rel, struct buf *out);
void cfs_mirror_unpin(void);
/*
 * Forget which snapshot each file was read from: after a lock (what
 * counts is read under it) and after a commit (the thread's next write
 * replaces what it wrote).
 */
void cfs_mirror_forget_reads(void);
/* Bring the mirror to at least revision min_rev (0: the latest) and pin
 * the thread to it. */
int cfs_mirror_sync(const char *config_dir, int64_t min_rev,
    struct err *err);
/* The newest store revision the mirror is known to match. */
int64_t cfs_mirror_checked(const char *config_dir);
extern bool cfs_watched;

#endif
