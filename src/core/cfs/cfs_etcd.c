/*
 * The etcd backend of the config file store: the connection of each
 * thread, the process's lease and the locks held on it, and the commit.
 *
 * Locks are keys "<prefix>lock/<name>" created only if absent and bound
 * to the process's lease, which a thread keeps alive.  A process that
 * stops (killed, paused, cut off) loses its lease after lease-ttl seconds
 * and with it its locks; another node may then take them.  Every commit
 * compares the creation revision of each lock its thread holds, so a
 * writer whose lock was lost - and taken by another - cannot write: that
 * is the fencing check.  It also compares each written file's manifest
 * with the revision it was read at, so nothing is written over a change
 * the writer did not see.
 */
#include "cfs_int.h"
#include "monoclock.h"
#include "cfs_manifest.h"
#include "cfs_url.h"
#include "etcd_client.h"
#include "fileio.h"
#include "secret.h"
#include "testpoint.h"
#include "xalloc.h"

#include <errno.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TXN_OPS_MAX   100		/* of etcd's default 128 */
#define TXN_BYTES_MAX (1024u * 1024)	/* of etcd's default 1.5 MiB */

static struct cfs_url url;
static pthread_key_t client_key;
static __thread struct etcd *client;

static struct {
	pthread_mutex_t mu;
	int64_t id;		/* 0: none yet, or lost */
	bool keeper;		/* the keepalive thread runs */
} lease = {PTHREAD_MUTEX_INITIALIZER, 0, false};

static void
client_gone(void *c)
{
	etcd_close(c);
}

/* After fork: the parent's connections and lease are not ours. */
static void
forked_child(void)
{
	client = NULL;	/* shares the parent's socket: leave it alone */
	pthread_setspecific(client_key, NULL);
	pthread_mutex_init(&lease.mu, NULL);
	lease.id = 0;
	lease.keeper = false;
}

int
cfs_etcd_setup(const char *u, struct err *err)
{
	if (cfs_url_parse(u, &url, err) < 0)
		return -1;
	if (pthread_key_create(&client_key, client_gone) != 0 ||
	    pthread_atfork(NULL, NULL, forked_child) != 0)
		return err_set(err, ERR_INTERNAL, "cannot set up threads");
	return 0;
}

const char *
cfs_etcd_name(void)
{
	return url.name;
}

const char *
cfs_etcd_prefix(void)
{
	return url.prefix;
}

void
cfs_etcd_key(const char *kind, const char *name, struct buf *out)
{
	buf_reset(out);
	buf_putf(out, "%s%s/%s", url.prefix, kind, name);
}

static bool forgotten;

void
cfs_etcd_forget(void)
{
	if (url.password != NULL)
		secret_free_str(url.password);
	url.password = NULL;
	forgotten = true;
}

struct etcd *
cfs_etcd_open(struct err *err)
{
	struct etcd_opts o;
	struct etcd *e;

	if (forgotten) {
		err_set(err, ERR_DENIED, "store %s: not from this process",
		    url.name);
		return NULL;
	}
	memset(&o, 0, sizeof(o));
	o.endpoints = url.endpoints;
	o.tls = url.tls;
	o.cacert = url.cacert;
	o.cert = url.cert;
	o.key = url.key;
	o.user = url.user;
	o.password = url.password;
	o.timeout_ms = url.timeout_ms;
	return etcd_open(&o, &e, err) < 0 ? NULL : e;
}

struct etcd *
cfs_etcd_client(struct err *err)
{
	if (client != NULL)
		return client;
	if ((client = cfs_etcd_open(err)) == NULL)
		return NULL;
	pthread_setspecific(client_key, client);
	return client;
}

/* ------------------------------------------------------------------ */
/* the lease */

/* The lease id is gone: the next lock asks for a new one. */
static void
lease_lost(int64_t id)
{
	pthread_mutex_lock(&lease.mu);
	if (lease.id == id)
		lease.id = 0;
	pthread_mutex_unlock(&lease.mu);
}

static void *
keeper_main(void *arg)
{
	int64_t id, left;
	struct err err;
	struct etcd *e;

	(void)arg;
	for (;;) {
		usleep((useconds_t)url.lease_ttl * 1000000 / 3);
		pthread_mutex_lock(&lease.mu);
		id = lease.id;
		pthread_mutex_unlock(&lease.mu);
		if (id == 0)
			continue;
		e = cfs_etcd_client(&err);
		if (e == NULL || etcd_lease_keepalive(e, id, &left, &err) < 0)
			continue;	/* unreachable: try again; it may expire */
		if (left == 0)	/* expired (paused, cut off): locks gone */
			lease_lost(id);
	}
	return NULL;
}

static int
lease_get(struct etcd *e, int64_t *id_r, struct err *err)
{
	pthread_t t;
	int rc = 0;

	pthread_mutex_lock(&lease.mu);
	if (lease.id == 0)
		rc = etcd_lease_grant(e, url.lease_ttl, &lease.id, err);
	if (rc == 0 && !lease.keeper) {
		if (cfs_thread_start(&t, keeper_main, NULL) == 0) {
			pthread_detach(t);
			lease.keeper = true;
		}
	}
	*id_r = lease.id;
	pthread_mutex_unlock(&lease.mu);
	return rc;
}

/*
 * A lock that could not be released (or whose taking failed with an
 * unknown outcome) may stay in the store bound to our lease, which the
 * keeper renews for as long as the process lives: stop renewing it, so
 * that it expires and every lock on it goes (the commits of a thread
 * still holding one then fail, as after a pause); the next lock takes a
 * new lease.
 */
static void
lease_abandon(void)
{
	pthread_mutex_lock(&lease.mu);
	lease.id = 0;
	pthread_mutex_unlock(&lease.mu);
}

/* ------------------------------------------------------------------ */
/* locks */


static bool
lock_name_valid(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 200)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

/*
 * The lock exists with our value and lease: an attempt of ours that
 * seemed to fail (its answer was lost, it was sent again) took it.
 */
static bool
lock_is_ours(const struct etcd_txn_result *r, const struct buf *val,
    int64_t id, int64_t *create_rev_r)
{
	const struct etcd_kv *kv;

	if (r->ngets != 1 || r->gets[0].n != 1)
		return false;
	kv = &r->gets[0].v[0];
	if (kv->lease != id || kv->value.len != val->len ||
	    memcmp(kv->value.data, val->data, val->len) != 0)
		return false;
	*create_rev_r = kv->create_rev;
	return true;
}

int
cfs_etcd_lock(const char *config_dir, const char *name, int timeout_ms,
    struct cfs_lock *l, struct err *err)
{
	static unsigned long attempts;
	struct buf key = BUF_INIT, val = BUF_INIT;
	struct etcd_txn_result r = ETCD_TXN_RESULT_INIT;
	long long deadline = mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	unsigned nap_ms = 5;
	char host[64] = "?";
	bool regranted = false;
	struct etcd *e;
	int64_t id, create_rev;
	int rc = -1;

	if (!lock_name_valid(name))
		return err_set(err, ERR_INVALID, "invalid lock name");
	if ((e = cfs_etcd_client(err)) == NULL)
		return -1;
	cfs_etcd_key("lock", name, &key);
	gethostname(host, sizeof(host) - 1);
	/* a value no other taking of a lock has: lock_is_ours */
	buf_putf(&val, "%s %ld %lu", host, (long)getpid(),
	    __atomic_add_fetch(&attempts, 1, __ATOMIC_RELAXED));
	for (;;) {
		struct etcd_txn *t = etcd_txn_new();

		if (lease_get(e, &id, err) < 0) {
			etcd_txn_free(t);
			goto out;
		}
		etcd_txn_cmp(t, key.data, key.len, ETCD_CREATE, ETCD_EQUAL, 0);
		etcd_txn_put(t, true, key.data, key.len, val.data, val.len, id);
		etcd_txn_get(t, false, key.data, key.len);
		rc = etcd_txn_commit(e, t, &r, err);
		etcd_txn_free(t);
		if (rc < 0 && err->code == ERR_NOT_FOUND && !regranted) {
			/* the lease expired (etcd was away longer than it) */
			lease_lost(id);
			regranted = true;
			continue;
		}
		if (rc < 0) {
			/* it may still be applied, bound to our lease */
			lease_abandon();
			goto out;
		}
		create_rev = r.revision;
		if (r.succeeded || lock_is_ours(&r, &val, id, &create_rev))
			break;
		etcd_txn_result_free(&r);
		if (mono_ms() >= deadline) {
			rc = err_set(err, ERR_LOCK, "cfs-lock '%s' error: got "
			    "lock request timeout", name);
			goto out;
		}
		usleep(nap_ms * 1000);
		nap_ms = nap_ms * 2 > 100 ? 100 : nap_ms * 2;
	}
	l->key = buf_steal(&key);
	l->create_rev = create_rev;
	/* read what the lock protects as of the lock, or later */
	rc = cfs_mirror_sync(config_dir, r.revision, err);
	cfs_mirror_forget_reads();
	if (rc < 0) {
		cfs_etcd_unlock(l);
		free(l->key);
		l->key = NULL;
	}
out:
	etcd_txn_result_free(&r);
	buf_clear(&key);
	buf_clear(&val);
	return rc;
}

void
cfs_etcd_unlock(struct cfs_lock *l)
{
	struct etcd_txn_result r = ETCD_TXN_RESULT_INIT;
	struct etcd_txn *t;
	struct err err;
	struct etcd *e = cfs_etcd_client(&err);
	size_t n;

	if (l->key == NULL)
		return;
	if (e == NULL) {
		lease_abandon();	/* then it expires */
		return;
	}
	n = strlen(l->key);
	t = etcd_txn_new();
	/* only our own: after a lost lease the key may be another's */
	etcd_txn_cmp(t, l->key, n, ETCD_CREATE, ETCD_EQUAL, l->create_rev);
	etcd_txn_del(t, true, l->key, n, NULL, 0);
	if (etcd_txn_commit(e, t, &r, &err) == 0)
		etcd_txn_result_free(&r);
	else
		lease_abandon();
	etcd_txn_free(t);
}

/* ------------------------------------------------------------------ */
/* commit */

/* the chunks of the base version of a file, by content */
struct base_chunk {
	unsigned char sha[SHA256_DIGEST_LENGTH];
	const struct cfs_chunkref *ref;
	bool reused;
};

struct commit {
	struct etcd *e;
	struct etcd_txn *main;		/* compares and manifests */
	struct etcd_txn *up;		/* the current upload batch */
	struct buf uploaded;		/* keys of chunks uploaded (for undo) */
	size_t nuploaded;
	struct buf dropped;		/* keys of chunks no longer used */
};

static int
upload_flush(struct commit *c, struct err *err)
{
	struct etcd_txn_result r = ETCD_TXN_RESULT_INIT;
	int rc;

	if (c->up == NULL)
		return 0;
	rc = etcd_txn_commit(c->e, c->up, &r, err);
	etcd_txn_result_free(&r);
	etcd_txn_free(c->up);
	c->up = NULL;
	return rc;
}

/* Put one new chunk, sending a batch when it is full. */
static int
upload(struct commit *c, const char *id, const void *p, size_t len,
    struct err *err)
{
	struct buf key = BUF_INIT;

	if (c->up != NULL && (etcd_txn_ops(c->up) >= TXN_OPS_MAX ||
	    etcd_txn_bytes(c->up) + len + 128 > TXN_BYTES_MAX) &&
	    upload_flush(c, err) < 0)
		return -1;
	if (c->up == NULL)
		c->up = etcd_txn_new();
	cfs_etcd_key("c", id, &key);
	etcd_txn_put(c->up, true, key.data, key.len, p, len, 0);
	buf_put(&c->uploaded, key.data, key.len + 1);	/* NUL-separated */
	c->nuploaded++;
	buf_clear(&key);
	return 0;
}

static int
sha_cmp(const void *a, const void *b)
{
	return memcmp(((const struct base_chunk *)a)->sha,
	    ((const struct base_chunk *)b)->sha, SHA256_DIGEST_LENGTH);
}

/*
 * The base version's chunks with the hash of their bytes, sorted; bytes
 * read from the snapshot (NULL if the file is not there as the index
 * says: then nothing is reused).
 */
static struct base_chunk *
base_chunks(const char *dir, const struct cfs_index_file *f,
    struct buf *bytes)
{
	struct buf path = BUF_INIT;
	struct base_chunk *b;
	struct err err;
	size_t i, off = 0;

	buf_putf(&path, "%s/%s", dir, f->rel);
	if (file_read(buf_str(&path), CFS_FILE_MAX, bytes, &err) < 0) {
		buf_clear(&path);
		return NULL;
	}
	buf_clear(&path);
	b = xcalloc(f->nchunks + 1, sizeof(*b));
	for (i = 0; i < f->nchunks; i++) {
		if (off + f->chunks[i].len > bytes->len) {
			free(b);
			return NULL;
		}
		SHA256((const unsigned char *)bytes->data + off,
		    f->chunks[i].len, b[i].sha);
		b[i].ref = &f->chunks[i];
		off += f->chunks[i].len;
	}
	qsort(b, f->nchunks, sizeof(*b), sha_cmp);
	return b;
}

static void
drop_chunks(struct commit *c, const struct cfs_index_file *f,
    const struct base_chunk *b)
{
	struct buf key = BUF_INIT;
	size_t i;

	for (i = 0; f != NULL && i < f->nchunks; i++) {
		if (b != NULL && b[i].reused)
			continue;
		cfs_etcd_key("c", b != NULL ? b[i].ref->id : f->chunks[i].id,
		    &key);
		buf_put(&c->dropped, key.data, key.len + 1);
	}
	buf_clear(&key);
}

/* The manifest of a new version of a file, its new chunks uploaded. */
static int
manifest_for(struct commit *c, const struct cfs_staged *s, const char *dir,
    const struct cfs_index_file *base, struct buf *out, struct err *err)
{
	const unsigned char *p = (const unsigned char *)s->data.data;
	struct cfs_manifest m;
	struct base_chunk *b = NULL, key, *hit;
	struct buf old = BUF_INIT;
	size_t off = 0, cap = 0;
	int rc = 0;

	memset(&m, 0, sizeof(m));
	m.size = s->data.len;
	m.mode = s->mode;
	m.mtime = s->mtime != 0 ? (int64_t)s->mtime : (int64_t)time(NULL);
	if (m.size <= CFS_INLINE_MAX) {
		m.is_inline = true;
		m.data = p;
		cfs_manifest_format(&m, out);
		drop_chunks(c, base, NULL);
		return 0;
	}
	if (base != NULL && base->chunks != NULL)
		b = base_chunks(dir, base, &old);
	while (off < m.size && rc == 0) {
		size_t n = cfs_chunk_len(p + off, m.size - off);

		if (m.nchunks == cap) {
			cap = cap ? cap * 2 : 64;
			m.chunks = xreallocarray(m.chunks, cap,
			    sizeof(*m.chunks));
		}
		m.chunks[m.nchunks].len = n;
		SHA256(p + off, n, key.sha);
		hit = b == NULL ? NULL : bsearch(&key, b, base->nchunks,
		    sizeof(*b), sha_cmp);
		if (hit != NULL && hit->ref->len == n) {
			memcpy(m.chunks[m.nchunks].id, hit->ref->id,
			    sizeof(hit->ref->id));
			hit->reused = true;
		} else {
			cfs_chunk_id_new(m.chunks[m.nchunks].id);
			rc = upload(c, m.chunks[m.nchunks].id, p + off, n, err);
		}
		m.nchunks++;
		off += n;
	}
	if (rc == 0) {
		cfs_manifest_format(&m, out);
		drop_chunks(c, base, b);
	}
	free(b);
	free(m.chunks);
	buf_clear_secret(&old);
	return rc;
}

/* Each held lock is still ours (the fencing check). */
static void
add_lock_compares(struct commit *c)
{
	const struct cfs_lock *l;

	for (l = cfs_held_locks(); l != NULL; l = l->next_held)
		etcd_txn_cmp(c->main, l->key, strlen(l->key), ETCD_CREATE,
		    ETCD_EQUAL, l->create_rev);
}

/* Delete the keys of a NUL-separated list, in batches; best effort. */
static void
delete_keys(struct etcd *e, const struct buf *keys)
{
	struct etcd_txn_result r = ETCD_TXN_RESULT_INIT;
	struct etcd_txn *t = NULL;
	const char *p = keys->data, *end = p + keys->len;
	struct err err;

	while (p != NULL && p < end) {
		size_t n = strlen(p);

		if (t == NULL)
			t = etcd_txn_new();
		etcd_txn_del(t, true, p, n, NULL, 0);
		p += n + 1;
		if (etcd_txn_ops(t) >= TXN_OPS_MAX || p >= end) {
			if (etcd_txn_commit(e, t, &r, &err) == 0)
				etcd_txn_result_free(&r);
			etcd_txn_free(t);
			t = NULL;
		}
	}
}

/*
 * Did our commit land after all?  An attempt whose answer was lost may
 * have been applied, and its resend (by the client to another member,
 * or by curl itself on a reused connection, which nobody is told of)
 * then finds the files changed - by us.
 */
static bool
landed(struct commit *c, const struct cfs_staged *list,
    const struct buf *manifests)
{
	const struct cfs_staged *s;
	const char *m = manifests->data;
	struct buf key = BUF_INIT;
	struct etcd_kvs kvs = ETCD_KVS_INIT;
	struct err err;
	bool ok = true;

	for (s = list; s != NULL && ok; s = s->next) {
		size_t mlen = strlen(m);

		cfs_etcd_key("f", s->rel, &key);
		ok = etcd_range(c->e, key.data, key.len, NULL, 0, 0, 0, false,
		    &kvs, &err) == 0 && (s->remove ? kvs.n == 0 : kvs.n == 1 &&
		    kvs.v[0].value.len == mlen &&
		    memcmp(kvs.v[0].value.data, m, mlen) == 0);
		etcd_kvs_free(&kvs);
		m += mlen + 1;
	}
	buf_clear(&key);
	return ok;
}

/* The sweep epoch: the mod revision of "<prefix>sweep" (cfs_sweep.c). */
static int
sweep_epoch(struct etcd *e, int64_t *mod_r, struct err *err)
{
	struct etcd_kvs kvs = ETCD_KVS_INIT;
	struct buf key = BUF_INIT;
	int rc;

	cfs_etcd_key("sweep", "epoch", &key);
	rc = etcd_range(e, key.data, key.len, NULL, 0, 0, 0, true, &kvs, err);
	*mod_r = rc == 0 && kvs.n == 1 ? kvs.v[0].mod_rev : 0;
	etcd_kvs_free(&kvs);
	buf_clear(&key);
	return rc;
}

/*
 * One attempt.  *swept: it failed only because a sweep of unused chunks
 * ran meanwhile (it may have taken ours): worth another attempt.
 */
static int
commit_once(const char *config_dir, const struct cfs_staged *list,
    bool *swept, struct err *err)
{
	struct etcd_txn_result r = ETCD_TXN_RESULT_INIT;
	struct buf key = BUF_INIT, manifest = BUF_INIT, all = BUF_INIT;
	const struct cfs_staged *s;
	struct commit c;
	int64_t epoch, now;
	int rc = -1;

	memset(&c, 0, sizeof(c));
	*swept = false;
	if ((c.e = cfs_etcd_client(err)) == NULL ||
	    sweep_epoch(c.e, &epoch, err) < 0)
		goto out;
	c.main = etcd_txn_new();
	add_lock_compares(&c);
	/* chunks uploaded before a sweep may be gone: no commit then */
	cfs_etcd_key("sweep", "epoch", &key);
	etcd_txn_cmp(c.main, key.data, key.len, ETCD_MOD, ETCD_EQUAL, epoch);
	for (s = list; s != NULL; s = s->next) {
		const struct cfs_index_file *f;
		struct cfs_index ix;
		struct buf dir = BUF_INIT;

		/* the version this thread read is the one it replaces */
		if (cfs_mirror_base(config_dir, s->rel, &dir, &ix, err) < 0) {
			buf_clear(&dir);
			goto undo;
		}
		f = cfs_index_find(&ix, s->rel);
		cfs_etcd_key("f", s->rel, &key);
		etcd_txn_cmp(c.main, key.data, key.len, ETCD_MOD, ETCD_EQUAL,
		    f != NULL ? f->mod : 0);
		buf_reset(&manifest);
		if (s->remove) {
			if (f != NULL)
				etcd_txn_del(c.main, true, key.data, key.len,
				    NULL, 0);
			drop_chunks(&c, f, NULL);
			rc = 0;
		} else {
			rc = manifest_for(&c, s, buf_str(&dir), f, &manifest,
			    err);
			if (rc == 0)
				etcd_txn_put(c.main, true, key.data, key.len,
				    manifest.data, manifest.len, 0);
		}
		cfs_index_clear(&ix);
		buf_clear(&dir);
		if (rc < 0)
			goto undo;
		buf_put(&all, manifest.data, manifest.len);
		buf_putc(&all, '\0');
	}
	rc = -1;
	if (etcd_txn_bytes(c.main) > TXN_BYTES_MAX) {
		err_set(err, ERR_INVALID, "store %s: the change is too large "
		    "for one transaction", url.name);
		goto undo;
	}
	if (upload_flush(&c, err) < 0 ||
	    etcd_txn_commit(c.e, c.main, &r, err) < 0)
		goto undo;
	if (!r.succeeded && !landed(&c, list, &all)) {
		*swept = sweep_epoch(c.e, &now, &(struct err){0}) == 0 &&
		    now != epoch;
		err_set(err, ERR_LOCK, "store %s: the configuration changed "
		    "since it was read (a lock was lost or not held) - "
		    "nothing was written, try again", url.name);
		/* let the next read see what is there now */
		(void)!cfs_mirror_sync(config_dir, 0, &(struct err){0});
		goto undo;
	}
	delete_keys(c.e, &c.dropped);
	rc = cfs_mirror_sync(config_dir, r.revision, err);
	cfs_mirror_forget_reads();
	if (rc < 0)
		err_prefix(err, "written, but not yet visible here: ");
	goto out;
undo:
	/* nothing refers to the chunks this commit uploaded */
	delete_keys(c.e, &c.uploaded);
out:
	etcd_txn_result_free(&r);
	etcd_txn_free(c.main);
	etcd_txn_free(c.up);
	buf_clear(&c.uploaded);
	buf_clear(&c.dropped);
	buf_clear(&key);
	buf_clear_secret(&manifest);
	buf_clear_secret(&all);
	return rc;
}

int
cfs_etcd_commit(const char *config_dir, const struct cfs_staged *list,
    struct err *err)
{
	const struct cfs_staged *s;
	bool swept = true;
	int tries, rc = -1;

	for (s = list; s != NULL; s = s->next)
		if (!cfs_rel_valid(s->rel, strlen(s->rel)))
			return err_set(err, ERR_INVALID, "invalid file name "
			    "for the store");
	/* the fault tests pause a writer here: what it read is read, the
	   locks it holds are held */
	testpoint("cfs-commit", list != NULL ? list->rel : NULL);
	for (tries = 0; tries < 3 && swept; tries++)
		rc = commit_once(config_dir, list, &swept, err);
	return rc;
}
