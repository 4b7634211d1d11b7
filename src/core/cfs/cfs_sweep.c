/*
 * Removing chunks no manifest refers to.  A commit deletes the chunks it
 * stops using and a failed one those it uploaded, but a writer killed
 * between its upload and its commit leaves its chunks behind.  The sweep
 * (run by the node that holds the "compactor" lock, cfs_watch.c) first
 * bumps the key "<prefix>sweep/epoch", then lists manifests and chunks as
 * of that revision and deletes the chunks no manifest names.
 *
 * Why this cannot delete a chunk that is about to be used: every commit
 * compares the epoch it read before uploading (cfs_etcd.c).  A writer that
 * uploaded before the bump fails its commit and uploads again; one that
 * committed before the bump has its chunks named by a manifest at the
 * bump; one that uploads after it has chunks the listing does not hold.
 */
#include "cfs_int.h"
#include "cfs_manifest.h"
#include "etcd_client.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#define LIST_PAGE 1000
#define DELETE_BATCH 100

static int
id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, CFS_CHUNK_ID_LEN);
}

/* Every key of a prefix as of rev (values unless keys_only), paged. */
static int
list_all(struct etcd *e, const char *kind, int64_t rev, bool keys_only,
    struct etcd_kvs *out, struct err *err)
{
	struct buf key = BUF_INIT, end = BUF_INIT;
	int rc = 0;

	cfs_etcd_key(kind, "", &key);
	etcd_prefix_end(key.data, key.len, &end);
	for (;;) {
		size_t before = out->n;

		rc = etcd_range(e, key.data, key.len, end.data, end.len, rev,
		    LIST_PAGE, keys_only, out, err);
		if (rc < 0 || !out->more || out->n == before)
			break;
		/* the next page starts after the last key */
		buf_reset(&key);
		buf_put(&key, out->v[out->n - 1].key.data,
		    out->v[out->n - 1].key.len);
		buf_putc(&key, '\0');
	}
	buf_clear(&key);
	buf_clear(&end);
	return rc;
}

/* The ids of every chunk the manifests name, sorted. */
static char *
referenced(const struct etcd_kvs *man, size_t *n_r)
{
	char *ids = NULL;
	size_t n = 0, cap = 0, i, k;
	struct err err;

	for (i = 0; i < man->n; i++) {
		struct cfs_manifest m;

		if (cfs_manifest_parse(man->v[i].value.data,
		    man->v[i].value.len, &m, &err) < 0)
			continue;
		for (k = 0; k < m.nchunks; k++) {
			if (n == cap)
				ids = xreallocarray(ids, cap = cap ? cap * 2 :
				    1024, CFS_CHUNK_ID_LEN);
			memcpy(ids + n++ * CFS_CHUNK_ID_LEN, m.chunks[k].id,
			    CFS_CHUNK_ID_LEN);
		}
		cfs_manifest_clear(&m);
	}
	if (n > 0)
		qsort(ids, n, CFS_CHUNK_ID_LEN, id_cmp);
	*n_r = n;
	return ids;
}

static void
delete_batch(struct etcd *e, struct etcd_txn **t, size_t *count)
{
	struct etcd_txn_result r = ETCD_TXN_RESULT_INIT;
	struct err err;

	if (*t == NULL)
		return;
	if (etcd_txn_commit(e, *t, &r, &err) == 0)
		etcd_txn_result_free(&r);
	etcd_txn_free(*t);
	*t = NULL;
	*count = 0;
}

int
cfs_sweep(size_t *removed_r, struct err *err)
{
	struct etcd_txn_result r = ETCD_TXN_RESULT_INIT;
	struct etcd_kvs man = ETCD_KVS_INIT, chunks = ETCD_KVS_INIT;
	struct etcd_txn *t = etcd_txn_new();
	struct buf key = BUF_INIT;
	size_t plen, nref = 0, i, batch = 0, removed = 0;
	char *ref = NULL;
	struct etcd *e;
	int rc = -1;

	if ((e = cfs_etcd_client(err)) == NULL)
		goto out;
	cfs_etcd_key("sweep", "epoch", &key);
	etcd_txn_put(t, true, key.data, key.len, "", 0, 0);
	if (etcd_txn_commit(e, t, &r, err) < 0)
		goto out;
	etcd_txn_free(t);
	t = NULL;
	if (list_all(e, "f", r.revision, false, &man, err) < 0 ||
	    list_all(e, "c", r.revision, true, &chunks, err) < 0)
		goto out;
	ref = referenced(&man, &nref);
	cfs_etcd_key("c", "", &key);
	plen = key.len;
	for (i = 0; i < chunks.n; i++) {
		const struct etcd_kv *kv = &chunks.v[i];

		if (kv->key.len != plen + CFS_CHUNK_ID_LEN || (nref > 0 &&
		    bsearch(kv->key.data + plen, ref, nref, CFS_CHUNK_ID_LEN,
		    id_cmp) != NULL))
			continue;
		if (t == NULL)
			t = etcd_txn_new();
		etcd_txn_del(t, true, kv->key.data, kv->key.len, NULL, 0);
		removed++;
		if (++batch == DELETE_BATCH)
			delete_batch(e, &t, &batch);
	}
	delete_batch(e, &t, &batch);
	if (removed > 0)
		syslog(LOG_INFO, "store %s: removed %zu unused chunk(s)",
		    cfs_store_name(), removed);
	if (removed_r != NULL)
		*removed_r = removed;
	rc = 0;
out:
	etcd_txn_result_free(&r);
	etcd_txn_free(t);
	etcd_kvs_free(&man);
	etcd_kvs_free(&chunks);
	free(ref);
	buf_clear(&key);
	return rc;
}
