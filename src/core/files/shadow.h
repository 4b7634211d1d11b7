/*
 * priv/shadow.cfg (spec 1.5): password hashes of the pve realm, one line
 * `<name>:<crypt hash>:` per user, name without "@pve".
 */
#ifndef RG_SHADOW_H
#define RG_SHADOW_H

#include "buf.h"
#include "compiler.h"
#include "diag.h"
#include "err.h"
#include "secmap.h"

#include <stdbool.h>
#include <stddef.h>

#define SHADOW_FILE "priv/shadow.cfg"

struct shadow_cfg {
	struct secmap users;	/* name -> crypt hash */
};

struct shadow_cfg *shadow_new(void);
void shadow_free(struct shadow_cfg *cfg);

/*
 * Parse leniently: lines not matching ^\S+:\S+:$ (after trimming) are
 * ignored with a warning in d (may be NULL; the warning never shows the
 * hash).  A later line for the same name wins.  Never fails.
 */
struct shadow_cfg *shadow_parse(const char *text, size_t len,
    const char *file, struct diag *d);
/* One line per user, sorted by name (appends to out). */
void shadow_write(const struct shadow_cfg *cfg, struct buf *out);

/* Borrowed hash, valid until the entry changes; NULL if none. */
const char *shadow_get(const struct shadow_cfg *cfg, const char *name);
/* name and hash: non-empty, no whitespace or ':'. */
int shadow_set(struct shadow_cfg *cfg, const char *name, const char *hash,
    struct err *err) RG_WARN_UNUSED;
/* true if there was an entry */
bool shadow_delete(struct shadow_cfg *cfg, const char *name);
size_t shadow_count(const struct shadow_cfg *cfg);

/* <config_dir>/priv/shadow.cfg; a missing file is an empty config. */
int shadow_load(const char *config_dir, struct diag *d,
    struct shadow_cfg **cfg_r, struct err *err) RG_WARN_UNUSED;
/* Atomic write, mode 0600, priv/ created 0700.  Hold file-priv_shadow_cfg. */
int shadow_save(const char *config_dir, const struct shadow_cfg *cfg,
    struct err *err) RG_WARN_UNUSED;

#endif
