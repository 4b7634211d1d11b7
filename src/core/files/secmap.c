/*
 * The name -> secret map shared by shadow.cfg and token.cfg.  Entries own
 * copies of key and value; the hmap borrows the key from its entry.
 * Values are secrets (or password hashes, kept just as carefully), so
 * every path that drops one goes through secret_free_str.
 */
#include "secmap.h"
#include "cfs/cfs.h"
#include "fileio.h"
#include "secret.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

static void
entry_free(struct secmap_entry *e)
{
	if (e == NULL)
		return;
	free(e->key);
	secret_free_str(e->value);
	free(e);
}

void
secmap_init(struct secmap *m)
{
	hmap_init(&m->map);
}

void
secmap_clear(struct secmap *m)
{
	size_t it = 0;
	void *v;

	while (hmap_next(&m->map, &it, NULL, &v))
		entry_free(v);
	hmap_clear(&m->map);
}

void
secmap_put(struct secmap *m, const char *key, size_t klen,
    const char *value, size_t vlen)
{
	struct secmap_entry *e = xcalloc(1, sizeof(*e));

	e->key = xstrndup(key, klen);
	e->value = xstrndup(value, vlen);
	entry_free(hmap_del(&m->map, e->key));
	hmap_put(&m->map, e->key, e);
}

const char *
secmap_get(const struct secmap *m, const char *key)
{
	const struct secmap_entry *e = hmap_get(&m->map, key);

	return e != NULL ? e->value : NULL;
}

bool
secmap_del(struct secmap *m, const char *key)
{
	struct secmap_entry *e = hmap_del(&m->map, key);

	entry_free(e);
	return e != NULL;
}

size_t
secmap_del_prefix(struct secmap *m, const char *prefix)
{
	size_t n, i, count = 0, plen = strlen(prefix);
	/* a snapshot, so deleting does not disturb the walk */
	const struct secmap_entry **v = secmap_sorted(m, &n);

	for (i = 0; i < n; i++) {
		if (strncmp(v[i]->key, prefix, plen) != 0)
			continue;
		secmap_del(m, v[i]->key);
		count++;
	}
	free(v);
	return count;
}

size_t
secmap_count(const struct secmap *m)
{
	return m->map.count;
}

const struct secmap_entry **
secmap_sorted(const struct secmap *m, size_t *count_r)
{
	void *v = hmap_sorted_values(&m->map, count_r);

	return v;
}

int
secmap_file_read(const char *config_dir, const char *file, struct buf *text,
    struct err *err)
{
	if (cfs_read(config_dir, file, 0, text, err) < 0) {
		if (err->code != ERR_NOT_FOUND) {
			buf_clear_secret(text);
			return -1;
		}
		err_clear(err);
	}
	return 0;
}

int
secmap_file_write(const char *config_dir, const char *file,
    const struct buf *text, struct err *err)
{
	return cfs_write(config_dir, file, buf_str(text), text->len, 0600, 0,
	    err);
}
