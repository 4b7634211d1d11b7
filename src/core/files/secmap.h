/*
 * A map from a name to a secret string: the storage behind priv/shadow.cfg
 * (user name -> password hash) and priv/token.cfg (token id -> secret),
 * plus the read and write of such a priv/ file.  Each file keeps its own
 * line grammar and warnings; only the storage and the file handling are
 * shared.
 */
#ifndef RG_SECMAP_H
#define RG_SECMAP_H

#include "buf.h"
#include "compiler.h"
#include "err.h"
#include "hmap.h"

#include <stdbool.h>
#include <stddef.h>

struct secmap_entry {
	char *key;
	char *value;	/* wiped when replaced, deleted or cleared */
};

struct secmap {
	struct hmap map;	/* key -> struct secmap_entry */
};

void secmap_init(struct secmap *m);
/* Frees every entry, wiping the values; m is empty and reusable after. */
void secmap_clear(struct secmap *m);

/* Copies key and value; a previous value for key is wiped and replaced. */
void secmap_put(struct secmap *m, const char *key, size_t klen,
    const char *value, size_t vlen);
/* Borrowed value, valid until the entry changes; NULL if none. */
const char *secmap_get(const struct secmap *m, const char *key);
/* true if there was an entry */
bool secmap_del(struct secmap *m, const char *key);
/* Delete every key starting with prefix; returns how many. */
size_t secmap_del_prefix(struct secmap *m, const char *prefix);
size_t secmap_count(const struct secmap *m);
/*
 * All entries sorted by key (byte order).  The caller frees the array
 * (not the entries); it is valid until m changes.
 */
const struct secmap_entry **secmap_sorted(const struct secmap *m,
    size_t *count_r);

/*
 * Read <config_dir>/<file> through file_read_secret into text (appends);
 * a missing file leaves text empty.  On failure text is wiped.
 */
int secmap_file_read(const char *config_dir, const char *file,
    struct buf *text, struct err *err) RG_WARN_UNUSED;
/*
 * Write text atomically to <config_dir>/<file> with mode 0600, creating
 * <config_dir>/priv with mode 0700 first.  text is left for the caller to
 * wipe.
 */
int secmap_file_write(const char *config_dir, const char *file,
    const struct buf *text, struct err *err) RG_WARN_UNUSED;

#endif
