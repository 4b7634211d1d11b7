/*
 * priv/token.cfg (spec 1.6): API token secrets, one line
 * `<userid>!<tokenname> <secret>` per token, sorted by token id.
 */
#ifndef RG_TOKENCFG_H
#define RG_TOKENCFG_H

#include "buf.h"
#include "compiler.h"
#include "diag.h"
#include "err.h"
#include "secmap.h"

#include <stdbool.h>
#include <stddef.h>

#define TOKENCFG_FILE	 "priv/token.cfg"
#define TOKENCFG_TIMEOUT 10	/* seconds, for file-priv_token_cfg */

struct tokencfg {
	struct secmap tokens;	/* full token id -> secret */
};

struct tokencfg *tokencfg_new(void);
/* Wipes the secrets. */
void tokencfg_free(struct tokencfg *cfg);

/*
 * Parse leniently: lines not matching ^(\S+) (\S+)$ with a valid token id
 * are skipped with a warning in d (may be NULL; never shows a secret).  A
 * later line for the same id wins.  Never fails.
 */
struct tokencfg *tokencfg_parse(const char *text, size_t len,
    const char *file, struct diag *d);
/* Sorted by token id (appends to out; wipe it with buf_clear_secret). */
void tokencfg_write(const struct tokencfg *cfg, struct buf *out);

/* Borrowed secret, valid until the entry changes; NULL if none. */
const char *tokencfg_get(const struct tokencfg *cfg, const char *tokenid);
/* Constant-time comparison of the stored secret with secret. */
bool tokencfg_verify(const struct tokencfg *cfg, const char *tokenid,
    const char *secret);
/* tokenid must be a valid full token id, secret non-empty, no whitespace. */
/*
 * Store a new secret hashed (beyond Proxmox): "$rgt1$<salt>$<sha256>" in
 * hex, so a leaked token.cfg does not hand out working tokens.  A Proxmox
 * node sharing the file cannot check such tokens; their plain ones keep
 * working here.  Secrets are random UUIDs, so one salted SHA-256 is enough
 * (no password-grade stretching needed).
 */
int tokencfg_set_hashed(struct tokencfg *cfg, const char *tokenid,
    const char *secret, struct err *err) RG_WARN_UNUSED;
int tokencfg_set(struct tokencfg *cfg, const char *tokenid,
    const char *secret, struct err *err) RG_WARN_UNUSED;
bool tokencfg_delete(struct tokencfg *cfg, const char *tokenid);
/* Delete every token of userid (user@realm); returns how many. */
size_t tokencfg_delete_user(struct tokencfg *cfg, const char *userid);
size_t tokencfg_count(const struct tokencfg *cfg);

/* <config_dir>/priv/token.cfg; a missing file is an empty config. */
int tokencfg_load(const char *config_dir, struct diag *d,
    struct tokencfg **cfg_r, struct err *err) RG_WARN_UNUSED;
/* Atomic write, 0600, priv/ created 0700.  Hold file-priv_token_cfg. */
int tokencfg_save(const char *config_dir, const struct tokencfg *cfg,
    struct err *err) RG_WARN_UNUSED;

#endif
