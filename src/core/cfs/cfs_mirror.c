/*
 * The node's mirror of the shared store (see cfs.h): under
 * <config-dir>/local/mirror/
 *   r<REV>/      the files as of store revision REV, with their modes and
 *                mtimes, and .cfs/index (0600): each file's manifest
 *                revision and chunk list
 *   current      symlink to the newest r<REV>
 *   checked      the newest store revision known to change nothing since
 *   .lock        flock: one process brings the mirror up to date at once
 * A new snapshot is a new directory: unchanged files are hard links to
 * the old one's, a changed file is assembled from the chunks of its old
 * version that it kept and the new ones fetched from etcd.  Readers pin
 * one directory, so they always see one whole snapshot; a directory is
 * removed a minute after a newer one replaced it.
 */
#include "cfs_int.h"
#include "monoclock.h"
#include "cfs_manifest.h"
#include "etcd_client.h"
#include "fileio.h"
#include "xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MIRROR	      "local/mirror"
#define PIN_MAX_MS    500	/* an unlocked reader looks again after */
#define KEEP_OLD_S    60	/* a replaced snapshot stays this long */
#define LOCK_WAIT_MS  30000
#define FETCH_BATCH   64
#define INDEX_MAX     (64u << 20)

static __thread struct {
	char *config_dir;
	int64_t rev;
	long long at_ms;
} pin;

/* the revision each file was first read at since the last unpin */
struct read_at {
	char *rel;
	int64_t rev;
};
static __thread struct read_at *reads;
static __thread size_t nreads, capreads;


static void
root_path(const char *config_dir, struct buf *out)
{
	buf_reset(out);
	buf_putf(out, "%s/%s", config_dir, MIRROR);
}

static void
snap_path(const char *config_dir, int64_t rev, struct buf *out)
{
	buf_reset(out);
	buf_putf(out, "%s/%s/r%lld", config_dir, MIRROR, (long long)rev);
}

/* The revision "current" points at; 0 if none. */
static int64_t
current_rev(const char *config_dir)
{
	struct buf p = BUF_INIT;
	char target[32];
	ssize_t n;
	int64_t rev = 0;

	root_path(config_dir, &p);
	buf_puts(&p, "/current");
	n = readlink(buf_str(&p), target, sizeof(target) - 1);
	buf_clear(&p);
	if (n > 1 && target[0] == 'r') {
		target[n] = '\0';
		rev = strtoll(target + 1, NULL, 10);
	}
	return rev > 0 ? rev : 0;
}

static void
pin_to(const char *config_dir, int64_t rev)
{
	if (pin.config_dir == NULL || strcmp(pin.config_dir, config_dir) != 0) {
		free(pin.config_dir);
		pin.config_dir = xstrdup(config_dir);
	}
	pin.rev = rev;
	pin.at_ms = mono_ms();
}

static int64_t
read_rev(const char *rel)
{
	size_t i;

	for (i = 0; i < nreads; i++)
		if (strcmp(reads[i].rel, rel) == 0)
			return reads[i].rev;
	return 0;
}

static void
note_read(const char *rel, int64_t rev)
{
	if (rev == 0 || read_rev(rel) != 0)
		return;
	if (nreads == capreads)
		reads = xreallocarray(reads, capreads = capreads ?
		    capreads * 2 : 16, sizeof(*reads));
	reads[nreads].rel = xstrdup(rel);
	reads[nreads++].rev = rev;
}

void
cfs_mirror_forget_reads(void)
{
	size_t i;

	for (i = 0; i < nreads; i++)
		free(reads[i].rel);
	nreads = 0;
}

void
cfs_mirror_unpin(void)
{
	free(pin.config_dir);
	memset(&pin, 0, sizeof(pin));
	cfs_mirror_forget_reads();
}

static void
ensure_pinned(const char *config_dir)
{
	bool same = pin.config_dir != NULL &&
	    strcmp(pin.config_dir, config_dir) == 0;

	if (same && pin.rev > 0 && (cfs_held_locks() != NULL ||
	    mono_ms() - pin.at_ms < PIN_MAX_MS))
		return;
	pin_to(config_dir, current_rev(config_dir));
}

void
cfs_mirror_path(const char *config_dir, const char *rel, struct buf *out)
{
	ensure_pinned(config_dir);
	note_read(rel, pin.rev);
	buf_putf(out, "%s/%s/r%lld/%s", config_dir, MIRROR,
	    (long long)pin.rev, rel);
}

/* ------------------------------------------------------------------ */
/* the index of a snapshot */

static int
file_cmp(const void *a, const void *b)
{
	return strcmp(((const struct cfs_index_file *)a)->rel,
	    ((const struct cfs_index_file *)b)->rel);
}

static int
rel_cmp(const void *key, const void *f)
{
	return strcmp(key, ((const struct cfs_index_file *)f)->rel);
}

const struct cfs_index_file *
cfs_index_find(const struct cfs_index *ix, const char *rel)
{
	if (ix->n == 0)
		return NULL;
	return bsearch(rel, ix->files, ix->n, sizeof(*ix->files), rel_cmp);
}

void
cfs_index_clear(struct cfs_index *ix)
{
	size_t i;

	for (i = 0; i < ix->n; i++) {
		free(ix->files[i].rel);
		free(ix->files[i].chunks);
	}
	free(ix->files);
	memset(ix, 0, sizeof(*ix));
}

static int
index_load(const char *dir, struct cfs_index *ix, struct err *err)
{
	struct buf path = BUF_INIT, text = BUF_INIT;
	json_t *j = NULL, *files, *f, *ch;
	size_t i, k;
	int rc = -1;

	memset(ix, 0, sizeof(*ix));
	buf_putf(&path, "%s/.cfs/index", dir);
	if (file_read(buf_str(&path), INDEX_MAX, &text, err) < 0)
		goto out;
	j = json_loadb(buf_str(&text), text.len, 0, NULL);
	files = json_object_get(j, "files");
	if (!json_is_integer(json_object_get(j, "revision")) ||
	    !json_is_array(files)) {
		err_set(err, ERR_INVALID, "%s: not a mirror index",
		    buf_str(&path));
		goto out;
	}
	ix->revision = json_integer_value(json_object_get(j, "revision"));
	ix->files = xcalloc(json_array_size(files) + 1, sizeof(*ix->files));
	json_array_foreach(files, i, f) {
		struct cfs_index_file *e = &ix->files[ix->n];
		const char *rel = json_string_value(json_object_get(f, "rel"));

		if (rel == NULL)
			continue;
		e->rel = xstrdup(rel);
		e->mod = json_integer_value(json_object_get(f, "mod"));
		ch = json_object_get(f, "chunks");
		ix->n++;
		if (!json_is_array(ch))
			continue;
		e->chunks = xcalloc(json_array_size(ch) + 1,
		    sizeof(*e->chunks));
		for (k = 0; k < json_array_size(ch); k++) {
			json_t *c = json_array_get(ch, k);
			const char *id = json_string_value(json_array_get(c, 0));

			if (id == NULL || strlen(id) != CFS_CHUNK_ID_LEN)
				continue;
			memcpy(e->chunks[e->nchunks].id, id,
			    CFS_CHUNK_ID_LEN + 1);
			e->chunks[e->nchunks++].len = (size_t)
			    json_integer_value(json_array_get(c, 1));
		}
	}
	qsort(ix->files, ix->n, sizeof(*ix->files), file_cmp);
	rc = 0;
out:
	json_decref(j);
	buf_clear(&path);
	buf_clear(&text);
	return rc;
}

static int
index_save(const char *dir, const struct cfs_index *ix, struct err *err)
{
	json_t *j = json_object(), *files = json_array();
	struct buf path = BUF_INIT;
	char *text;
	size_t i, k;
	int rc = -1;

	for (i = 0; i < ix->n; i++) {
		const struct cfs_index_file *e = &ix->files[i];
		json_t *f = json_object();

		json_object_set_new(f, "rel", json_string(e->rel));
		json_object_set_new(f, "mod", json_integer(e->mod));
		if (e->chunks != NULL) {
			json_t *ch = json_array();

			for (k = 0; k < e->nchunks; k++)
				json_array_append_new(ch, json_pack("[sI]",
				    e->chunks[k].id,
				    (json_int_t)e->chunks[k].len));
			json_object_set_new(f, "chunks", ch);
		}
		json_array_append_new(files, f);
	}
	json_object_set_new(j, "revision", json_integer(ix->revision));
	json_object_set_new(j, "files", files);
	text = json_dumps(j, JSON_COMPACT);
	buf_putf(&path, "%s/.cfs", dir);
	if (text != NULL && file_mkdirs(buf_str(&path), 0700, err) == 0) {
		buf_puts(&path, "/index");
		rc = file_write_volatile(buf_str(&path), text, strlen(text),
		    0600, err);
	}
	free(text);
	json_decref(j);
	buf_clear(&path);
	return rc;
}

int
cfs_mirror_base(const char *config_dir, const char *rel, struct buf *dir,
    struct cfs_index *ix, struct err *err)
{
	int64_t rev;

	memset(ix, 0, sizeof(*ix));
	ensure_pinned(config_dir);
	rev = read_rev(rel);
	if (rev == 0)
		rev = pin.rev;
	if (rev == 0)
		return err_set(err, ERR_UNAVAILABLE, "store %s: this node has "
		    "no copy of the configuration yet", cfs_store_name());
	snap_path(config_dir, rev, dir);
	if (index_load(buf_str(dir), ix, err) < 0)
		return err_set(err, ERR_LOCK, "store %s: the snapshot %s was "
		    "read from is gone - nothing was written, try again",
		    cfs_store_name(), rel);
	return 0;
}

/* ------------------------------------------------------------------ */
/* building a snapshot */

struct build {
	const char *config_dir;
	struct etcd *e;
	int64_t rev;			/* of the range read */
	struct buf old_dir, new_dir;
	struct cfs_index old, fresh;
};

static int
mkparents(const char *root, const char *rel, struct err *err)
{
	const char *slash = strrchr(rel, '/');
	struct buf d = BUF_INIT;
	bool private = cfs_rel_private(rel);
	int rc;

	if (slash == NULL)
		return 0;
	buf_putf(&d, "%s/%.*s", root, (int)(slash - rel), rel);
	rc = file_mkdirs(buf_str(&d), private ? 0700 : 0750, err);
	buf_clear(&d);
	return rc;
}

static int
write_file(const char *path, const void *data, size_t len, mode_t mode,
    int64_t mtime, struct err *err)
{
	struct timespec t[2] = {{.tv_sec = mtime}, {.tv_sec = mtime}};
	const char *p = data;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd < 0)
		return err_set(err, ERR_IO, "unable to create '%s' - %s", path,
		    strerror(errno));
	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			return err_set(err, ERR_IO, "unable to write '%s' - %s",
			    path, strerror(errno));
		}
		p += w;
		len -= (size_t)w;
	}
	if (fchmod(fd, mode & 0777) < 0 || futimens(fd, t) < 0) {
		close(fd);
		return err_set(err, ERR_IO, "unable to set up '%s' - %s", path,
		    strerror(errno));
	}
	close(fd);
	return 0;
}

/* Fetch chunk id (as of b->rev if it is gone since) into out. */
static int
fetch_chunk(struct build *b, const char *id, struct buf *out,
    struct err *err)
{
	struct etcd_kvs kvs = ETCD_KVS_INIT;
	struct buf key = BUF_INIT;
	int rc;

	cfs_etcd_key("c", id, &key);
	rc = etcd_range(b->e, key.data, key.len, NULL, 0, 0, 0, false, &kvs,
	    err);
	if (rc == 0 && kvs.n == 0) {
		etcd_kvs_free(&kvs);
		rc = etcd_range(b->e, key.data, key.len, NULL, 0, b->rev, 0,
		    false, &kvs, err);
	}
	if (rc == 0 && kvs.n != 1)
		rc = err_set(err, ERR_INVALID, "store %s: chunk %s is missing",
		    cfs_store_name(), id);
	if (rc == 0)
		buf_put(out, kvs.v[0].value.data, kvs.v[0].value.len);
	etcd_kvs_free(&kvs);
	buf_clear(&key);
	return rc;
}

/* A chunk of a file's old version: where its bytes are. */
struct old_chunk {
	const char *id;
	size_t off, len;
};

static int
old_cmp(const void *a, const void *b)
{
	return strcmp(((const struct old_chunk *)a)->id,
	    ((const struct old_chunk *)b)->id);
}

static int
old_find(const void *key, const void *elem)
{
	return strcmp(key, ((const struct old_chunk *)elem)->id);
}

/* One transaction of gets for the chunks idx[0..n) of m, into got[]. */
static int
fetch_batch(struct build *b, const struct cfs_manifest *m, const size_t *idx,
    size_t n, struct buf *got, struct err *err)
{
	struct etcd_txn_result r = ETCD_TXN_RESULT_INIT;
	struct etcd_txn *t = etcd_txn_new();
	struct buf key = BUF_INIT;
	size_t k;
	int rc;

	for (k = 0; k < n; k++) {
		cfs_etcd_key("c", m->chunks[idx[k]].id, &key);
		etcd_txn_get(t, true, key.data, key.len);
	}
	rc = etcd_txn_commit(b->e, t, &r, err);
	for (k = 0; rc == 0 && k < n && k < r.ngets; k++)
		if (r.gets[k].n == 1)
			buf_put(&got[idx[k]], r.gets[k].v[0].value.data,
			    r.gets[k].v[0].value.len);
	etcd_txn_result_free(&r);
	etcd_txn_free(t);
	buf_clear(&key);
	return rc;
}

/*
 * The chunks of m that need[] marks, into got[], FETCH_BATCH at a time;
 * one a batch does not bring (removed since) is left for fetch_chunk, at
 * the build's revision.
 */
static int
prefetch(struct build *b, const struct cfs_manifest *m, const bool *need,
    struct buf *got, struct err *err)
{
	size_t idx[FETCH_BATCH], n = 0, i;
	int rc = 0;

	for (i = 0; i < m->nchunks && rc == 0; i++) {
		if (!need[i])
			continue;
		idx[n++] = i;
		if (n == FETCH_BATCH) {
			rc = fetch_batch(b, m, idx, n, got, err);
			n = 0;
		}
	}
	if (rc == 0 && n > 0)
		rc = fetch_batch(b, m, idx, n, got, err);
	return rc;
}

/* The bytes of a chunked file: kept chunks from its old version. */
static int
assemble(struct build *b, const char *rel, const struct cfs_manifest *m,
    struct buf *out, struct err *err)
{
	const struct cfs_index_file *old = cfs_index_find(&b->old, rel);
	struct buf oldbytes = BUF_INIT, path = BUF_INIT, *got;
	struct old_chunk *oc = NULL, *hit;
	size_t i, noc = 0, off = 0;
	bool *need;
	int rc;

	if (old != NULL && old->chunks != NULL) {
		buf_putf(&path, "%s/%s", buf_str(&b->old_dir), rel);
		if (file_read(buf_str(&path), CFS_FILE_MAX, &oldbytes,
		    err) == 0) {
			oc = xcalloc(old->nchunks + 1, sizeof(*oc));
			for (i = 0; i < old->nchunks &&
			    off + old->chunks[i].len <= oldbytes.len; i++) {
				oc[noc].id = old->chunks[i].id;
				oc[noc].off = off;
				oc[noc++].len = old->chunks[i].len;
				off += old->chunks[i].len;
			}
			qsort(oc, noc, sizeof(*oc), old_cmp);
		}
		err_clear(err);	/* unreadable: fetch everything */
	}
	need = xcalloc(m->nchunks + 1, sizeof(*need));
	got = xcalloc(m->nchunks + 1, sizeof(*got));
	for (i = 0; i < m->nchunks; i++)
		need[i] = noc == 0 || bsearch(m->chunks[i].id, oc, noc,
		    sizeof(*oc), old_find) == NULL;
	rc = prefetch(b, m, need, got, err);
	for (i = 0; i < m->nchunks && rc == 0; i++) {
		size_t before = out->len;

		hit = need[i] ? NULL : bsearch(m->chunks[i].id, oc, noc,
		    sizeof(*oc), old_find);
		if (hit != NULL)
			buf_put(out, oldbytes.data + hit->off, hit->len);
		else if (got[i].len > 0)
			buf_put(out, got[i].data, got[i].len);
		else
			rc = fetch_chunk(b, m->chunks[i].id, out, err);
		if (rc == 0 && out->len - before != m->chunks[i].len)
			rc = err_set(err, ERR_INVALID, "store %s: chunk %s of "
			    "%s has the wrong length", cfs_store_name(),
			    m->chunks[i].id, rel);
	}
	for (i = 0; i < m->nchunks; i++)
		buf_clear_secret(&got[i]);
	free(got);
	free(need);
	free(oc);
	buf_clear_secret(&oldbytes);
	buf_clear(&path);
	return rc;
}

static int
build_file(struct build *b, const struct etcd_kv *kv, size_t plen,
    struct err *err)
{
	const char *rel = kv->key.data + plen;
	size_t rlen = kv->key.len - plen;
	struct cfs_index_file *e = &b->fresh.files[b->fresh.n];
	const struct cfs_index_file *old;
	struct buf src = BUF_INIT, dst = BUF_INIT, bytes = BUF_INIT;
	struct cfs_manifest m;
	int rc;

	if (!cfs_rel_valid(rel, rlen))
		return 0;	/* not a name we would write: ignored */
	if (cfs_manifest_parse(kv->value.data, kv->value.len, &m, err) < 0)
		return err_prefix(err, "store %s: %.*s: ", cfs_store_name(),
		    (int)rlen, rel);
	e->rel = xstrndup(rel, rlen);
	e->mod = kv->mod_rev;
	if (!m.is_inline) {
		e->chunks = xcalloc(m.nchunks + 1, sizeof(*e->chunks));
		memcpy(e->chunks, m.chunks, m.nchunks * sizeof(*m.chunks));
		e->nchunks = m.nchunks;
	}
	b->fresh.n++;
	rc = mkparents(buf_str(&b->new_dir), e->rel, err);
	buf_putf(&dst, "%s/%s", buf_str(&b->new_dir), e->rel);
	old = cfs_index_find(&b->old, e->rel);
	if (rc == 0 && old != NULL && old->mod == e->mod) {
		buf_putf(&src, "%s/%s", buf_str(&b->old_dir), e->rel);
		if (link(buf_str(&src), buf_str(&dst)) == 0)
			goto out;
	}
	if (rc == 0 && m.is_inline)
		rc = write_file(buf_str(&dst), m.data, m.size, m.mode, m.mtime,
		    err);
	else if (rc == 0 && (rc = assemble(b, e->rel, &m, &bytes, err)) == 0)
		rc = write_file(buf_str(&dst), bytes.data, bytes.len, m.mode,
		    m.mtime, err);
out:
	cfs_manifest_clear(&m);
	buf_clear(&src);
	buf_clear(&dst);
	buf_clear_secret(&bytes);
	return rc;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)f;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

static void
rm_tree(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Remove the entries of the mirror's directory that drop() picks. */
static void
remove_entries(const char *config_dir,
    bool (*drop)(const char *path, const char *name, int64_t keep),
    int64_t keep)
{
	struct buf root = BUF_INIT, p = BUF_INIT;
	struct dirent *d;
	DIR *dir;

	root_path(config_dir, &root);
	if ((dir = opendir(buf_str(&root))) == NULL)
		goto out;
	while ((d = readdir(dir)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 ||
		    strcmp(d->d_name, "..") == 0 ||
		    strcmp(d->d_name, ".lock") == 0)
			continue;
		buf_reset(&p);
		buf_putf(&p, "%s/%s", buf_str(&root), d->d_name);
		if (drop(buf_str(&p), d->d_name, keep))
			rm_tree(buf_str(&p));
	}
	closedir(dir);
out:
	buf_clear(&root);
	buf_clear(&p);
}

/* A snapshot (or a half-built one) replaced more than KEEP_OLD_S ago. */
static bool
stale(const char *path, const char *name, int64_t keep)
{
	struct stat st;

	if (strncmp(name, ".new.", 5) != 0 && (name[0] != 'r' ||
	    strtoll(name + 1, NULL, 10) == keep))
		return false;
	return lstat(path, &st) == 0 && S_ISDIR(st.st_mode) &&
	    time(NULL) - st.st_mtime > KEEP_OLD_S;
}

static bool
everything(const char *path, const char *name, int64_t keep)
{
	(void)path, (void)name, (void)keep;
	return true;
}

/* Make r<rev> from the manifests in kvs and point "current" at it. */
static int
build(struct build *b, const struct etcd_kvs *kvs, struct err *err)
{
	struct buf root = BUF_INIT, fin = BUF_INIT, link_tmp = BUF_INIT,
	    cur = BUF_INIT;
	size_t plen = strlen(cfs_etcd_prefix()) + 2, i;	/* "<prefix>f/" */
	struct timespec now[2] = {{.tv_nsec = UTIME_NOW},
	    {.tv_nsec = UTIME_NOW}};
	char target[32];
	int rc = 0;

	root_path(b->config_dir, &root);
	buf_putf(&b->new_dir, "%s/.new.%ld", buf_str(&root), (long)getpid());
	rm_tree(buf_str(&b->new_dir));
	if (mkdir(buf_str(&b->new_dir), 0750) < 0) {
		rc = err_set(err, ERR_IO, "unable to create '%s' - %s",
		    buf_str(&b->new_dir), strerror(errno));
		goto out;
	}
	b->fresh.revision = b->rev;
	b->fresh.files = xcalloc(kvs->n + 1, sizeof(*b->fresh.files));
	for (i = 0; i < kvs->n && rc == 0; i++)
		rc = build_file(b, &kvs->v[i], plen, err);
	if (rc == 0) {
		qsort(b->fresh.files, b->fresh.n, sizeof(*b->fresh.files),
		    file_cmp);
		rc = index_save(buf_str(&b->new_dir), &b->fresh, err);
	}
	if (rc < 0) {
		rm_tree(buf_str(&b->new_dir));
		goto out;
	}
	snap_path(b->config_dir, b->rev, &fin);
	if (rename(buf_str(&b->new_dir), buf_str(&fin)) < 0)
		rm_tree(buf_str(&b->new_dir));	/* made already */
	/* the replaced snapshot's mtime: when it was replaced */
	if (b->old.revision > 0)
		utimensat(AT_FDCWD, buf_str(&b->old_dir), now, 0);
	snprintf(target, sizeof(target), "r%lld", (long long)b->rev);
	buf_putf(&link_tmp, "%s/.current.%ld", buf_str(&root), (long)getpid());
	buf_putf(&cur, "%s/current", buf_str(&root));
	unlink(buf_str(&link_tmp));
	if (symlink(target, buf_str(&link_tmp)) < 0 ||
	    rename(buf_str(&link_tmp), buf_str(&cur)) < 0)
		rc = err_set(err, ERR_IO, "unable to switch '%s' - %s",
		    buf_str(&cur), strerror(errno));
out:
	buf_clear(&root);
	buf_clear(&fin);
	buf_clear(&link_tmp);
	buf_clear(&cur);
	return rc;
}

/* Anything in the store that the old snapshot does not have as it is? */
static bool
changed(const struct cfs_index *old, const struct etcd_kvs *kvs,
    size_t plen)
{
	size_t i, seen = 0;

	if (old->revision == 0)
		return true;
	for (i = 0; i < kvs->n; i++) {
		char *rel = xstrndup(kvs->v[i].key.data + plen,
		    kvs->v[i].key.len - plen);
		const struct cfs_index_file *f = cfs_index_find(old, rel);

		free(rel);
		if (f == NULL || f->mod != kvs->v[i].mod_rev)
			return true;
		seen++;
	}
	return seen != old->n;
}

int64_t
cfs_mirror_checked(const char *config_dir)
{
	struct buf p = BUF_INIT, t = BUF_INIT;
	struct err err;
	int64_t v = 0;

	root_path(config_dir, &p);
	buf_puts(&p, "/checked");
	if (file_read(buf_str(&p), 64, &t, &err) == 0)
		v = strtoll(buf_str(&t), NULL, 10);
	buf_clear(&p);
	buf_clear(&t);
	return v;
}

static void
write_checked(const char *config_dir, int64_t rev)
{
	struct buf p = BUF_INIT;
	struct err err;
	char t[32];

	root_path(config_dir, &p);
	buf_puts(&p, "/checked");
	snprintf(t, sizeof(t), "%lld\n", (long long)rev);
	(void)!file_write_volatile(buf_str(&p), t, strlen(t), 0640, &err);
	buf_clear(&p);
}

static int
sync_locked(const char *config_dir, int64_t min_rev, struct err *err)
{
	struct etcd_kvs kvs = ETCD_KVS_INIT;
	struct buf key = BUF_INIT, end = BUF_INIT;
	struct build b;
	int64_t cur = current_rev(config_dir);
	size_t plen = strlen(cfs_etcd_prefix()) + 2;
	int rc = -1;

	memset(&b, 0, sizeof(b));
	if (min_rev > 0 && cur > 0 && cfs_mirror_checked(config_dir) >= min_rev) {
		pin_to(config_dir, cur);
		return 0;
	}
	b.config_dir = config_dir;
	if ((b.e = cfs_etcd_client(err)) == NULL)
		return -1;
	cfs_etcd_key("f", "", &key);
	etcd_prefix_end(key.data, key.len, &end);
	if (etcd_range(b.e, key.data, key.len, end.data, end.len, 0, 0, false,
	    &kvs, err) < 0)
		goto out;
	b.rev = kvs.revision;
	if (cur > 0) {
		snap_path(config_dir, cur, &b.old_dir);
		if (index_load(buf_str(&b.old_dir), &b.old, err) < 0) {
			err_clear(err);		/* rebuilt from the store */
			cfs_index_clear(&b.old);
		}
	}
	if (!changed(&b.old, &kvs, plen)) {
		write_checked(config_dir, b.rev);
		pin_to(config_dir, cur);
		rc = 0;
		goto out;
	}
	rc = build(&b, &kvs, err);
	if (rc == 0) {
		write_checked(config_dir, b.rev);
		pin_to(config_dir, b.rev);
		remove_entries(config_dir, stale, b.rev);
	}
out:
	etcd_kvs_free(&kvs);
	cfs_index_clear(&b.old);
	cfs_index_clear(&b.fresh);
	buf_clear(&b.old_dir);
	buf_clear(&b.new_dir);
	buf_clear(&key);
	buf_clear(&end);
	return rc;
}

static int
sync_under_flock(const char *config_dir, int64_t min_rev, bool rebuild,
    struct err *err)
{
	struct buf root = BUF_INIT;
	int fd = -1, rc;

	root_path(config_dir, &root);
	rc = file_mkdirs(buf_str(&root), 0750, err);
	buf_puts(&root, "/.lock");
	if (rc == 0)
		rc = file_flock(buf_str(&root), LOCK_WAIT_MS, &fd, err);
	buf_clear(&root);
	if (rc < 0)
		return -1;
	if (rebuild) {
		/* a daemon starts from a mirror it built itself */
		remove_entries(config_dir, everything, 0);
		cfs_mirror_unpin();
	}
	rc = sync_locked(config_dir, min_rev, err);
	close(fd);
	return rc;
}

int
cfs_mirror_sync(const char *config_dir, int64_t min_rev, struct err *err)
{
	return sync_under_flock(config_dir, min_rev, false, err);
}

int
cfs_mirror_ready(const char *config_dir, bool rebuild, struct err *err)
{
	return sync_under_flock(config_dir, 0, rebuild, err);
}
