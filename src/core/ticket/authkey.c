/*
 * The ticket key store (see authkey.h): a per-file cache keyed by the
 * file's identity and mtime, and the rotation rules.  One stat per file
 * and call keeps the cache honest when another process rotates the keys.
 */
#include "authkey.h"
#include "cfs/cfs.h"
#include "fileio.h"
#include "rsakey.h"
#include "xalloc.h"

#include <errno.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct keyslot {
	const char *name;	/* relative to the config dir */
	bool priv;
	bool cached;		/* the fields below describe the file */
	int state;		/* 0 present, else the err code of the load */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtim;
	EVP_PKEY *key;		/* NULL unless state == 0 */
	struct err err;		/* why the load failed */
};

struct authkey_store {
	pthread_mutex_t lock;
	char *dir;
	struct keyslot pub, old, priv;
	unsigned long pub_gen;	/* bumped when pub or old changes */
};

struct authkey_store *
authkey_store_new(const char *config_dir)
{
	struct authkey_store *ks = xcalloc(1, sizeof(*ks));

	if (pthread_mutex_init(&ks->lock, NULL) != 0)
		abort();
	ks->dir = xstrdup(config_dir);
	ks->pub.name = AUTHKEY_PUB_FILE;
	ks->old.name = AUTHKEY_OLD_FILE;
	ks->priv.name = AUTHKEY_PRIV_FILE;
	ks->priv.priv = true;
	ks->pub_gen = 1;
	return ks;
}

static void
slot_drop(struct keyslot *s)
{
	EVP_PKEY_free(s->key);
	s->key = NULL;
	s->cached = false;
}

void
authkey_store_free(struct authkey_store *ks)
{
	if (ks == NULL)
		return;
	slot_drop(&ks->pub);
	slot_drop(&ks->old);
	slot_drop(&ks->priv);
	pthread_mutex_destroy(&ks->lock);
	free(ks->dir);
	free(ks);
}

const char *
authkey_store_dir(const struct authkey_store *ks)
{
	return ks->dir;
}

void
authkey_store_invalidate(struct authkey_store *ks)
{
	pthread_mutex_lock(&ks->lock);
	slot_drop(&ks->pub);
	slot_drop(&ks->old);
	slot_drop(&ks->priv);
	ks->pub_gen++;
	pthread_mutex_unlock(&ks->lock);
}

static bool
same_file(const struct keyslot *s, const struct stat *st)
{
	return s->cached && s->dev == st->st_dev && s->ino == st->st_ino &&
	    s->size == st->st_size && s->mtim.tv_sec == st->st_mtim.tv_sec &&
	    s->mtim.tv_nsec == st->st_mtim.tv_nsec;
}

static void
slot_load(struct authkey_store *ks, struct keyslot *s, const char *path)
{
	struct buf bytes = BUF_INIT;
	int rc;

	rc = cfs_read(ks->dir, s->name, s->priv ? 0 : FILE_MAX_SECRET, &bytes,
	    &s->err);
	if (rc == 0 && s->priv)
		rc = rsakey_parse_priv(bytes.data, bytes.len, path, &s->key,
		    &s->err);
	else if (rc == 0)
		rc = rsakey_parse_pub(bytes.data, bytes.len, path, &s->key,
		    &s->err);
	s->state = rc == 0 ? 0 : (int)s->err.code;
	buf_clear_secret(&bytes);
	(void)ks;
}

/*
 * Bring one slot up to date with the file; caller holds ks->lock.  True
 * when the slot changed (its key, or the file's absence, is new).
 */
static bool
slot_refresh(struct authkey_store *ks, struct keyslot *s)
{
	bool changed = false;
	struct buf path = BUF_INIT;
	struct stat st;

	cfs_path(ks->dir, s->name, &path);
	if (stat(buf_str(&path), &st) < 0) {
		int e = errno;

		changed = !s->cached || s->state == 0 || s->ino != 0;
		slot_drop(s);
		s->cached = true;
		s->dev = 0;
		s->ino = 0;
		s->state = e == ENOENT ? ERR_NOT_FOUND : ERR_IO;
		err_set(&s->err, (enum err_code)s->state,
		    "unable to stat '%s' - %s", buf_str(&path), strerror(e));
		goto out;
	}
	if (same_file(s, &st))
		goto out;
	changed = true;
	slot_drop(s);
	slot_load(ks, s, buf_str(&path));
	s->cached = true;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->size = st.st_size;
	s->mtim = st.st_mtim;
out:
	buf_clear(&path);
	return changed;
}

/* Both public slots up to date; caller holds ks->lock. */
static void
refresh_pub(struct authkey_store *ks)
{
	bool changed = slot_refresh(ks, &ks->pub);

	if (slot_refresh(ks, &ks->old) || changed)
		ks->pub_gen++;
}

/* A new reference to the slot's key, or -1 with the slot's error. */
static int
slot_get(struct keyslot *s, EVP_PKEY **key_r, time_t *mtime_r,
    struct err *err)
{
	if (s->state != 0 || s->key == NULL) {
		*err = s->err;
		return -1;
	}
	EVP_PKEY_up_ref(s->key);
	*key_r = s->key;
	if (mtime_r != NULL)
		*mtime_r = s->mtim.tv_sec;
	return 0;
}

int
authkey_get_pubkeys(struct authkey_store *ks, struct pve_pubkeys *keys_r,
    struct err *err)
{
	struct pve_pubkeys keys;
	struct err ignored;
	int rc;

	memset(&keys, 0, sizeof(keys));
	pthread_mutex_lock(&ks->lock);
	refresh_pub(ks);
	keys.gen = ks->pub_gen;
	rc = slot_get(&ks->pub, &keys.cur, &keys.cur_mtime, err);
	if (rc == 0 &&
	    slot_get(&ks->old, &keys.old, &keys.old_mtime, &ignored) < 0)
		keys.old = NULL;
	pthread_mutex_unlock(&ks->lock);
	if (rc == 0)
		*keys_r = keys;
	return rc;
}

int
authkey_get_privkey(struct authkey_store *ks, EVP_PKEY **key_r,
    struct err *err)
{
	int rc;

	pthread_mutex_lock(&ks->lock);
	(void)slot_refresh(ks, &ks->priv);
	rc = slot_get(&ks->priv, key_r, NULL, err);
	pthread_mutex_unlock(&ks->lock);
	return rc;
}

enum authkey_state
authkey_check(struct authkey_store *ks, time_t now)
{
	bool have_pub, have_old;
	time_t mtime, old_mtime;

	pthread_mutex_lock(&ks->lock);
	refresh_pub(ks);
	have_pub = ks->pub.state == 0;
	have_old = ks->old.state == 0;
	mtime = ks->pub.mtim.tv_sec;
	old_mtime = ks->old.mtim.tv_sec;
	pthread_mutex_unlock(&ks->lock);

	if (!have_pub)
		return AUTHKEY_MISSING;
	if ((int64_t)now - (int64_t)mtime > PVE_AUTHKEY_LIFETIME)
		return AUTHKEY_TOO_OLD;
	if ((int64_t)mtime - (int64_t)now > PVE_TICKET_SKEW) {
		if (have_old && old_mtime <= mtime &&
		    (int64_t)mtime - (int64_t)old_mtime < PVE_TICKET_LIFETIME)
			return AUTHKEY_FUTURE_TOLERATED;
		return AUTHKEY_FUTURE;
	}
	return AUTHKEY_OK;
}

bool
authkey_needs_rotation(struct authkey_store *ks, time_t now)
{
	enum authkey_state st = authkey_check(ks, now);

	return st == AUTHKEY_MISSING || st == AUTHKEY_TOO_OLD ||
	    st == AUTHKEY_FUTURE;
}

const char *
authkey_state_str(enum authkey_state state)
{
	switch (state) {
	case AUTHKEY_OK:
		return "auth key new enough, skipping rotation";
	case AUTHKEY_MISSING:
		return "auth key pair missing, generating new one..";
	case AUTHKEY_TOO_OLD:
		return "auth key pair too old, rotating..";
	case AUTHKEY_FUTURE:
		return "auth key mtime is in the future, rotating..";
	case AUTHKEY_FUTURE_TOLERATED:
		return "auth key mtime is in the future, but old key is "
		       "fine - not rotating";
	}
	return "unknown auth key state";
}
