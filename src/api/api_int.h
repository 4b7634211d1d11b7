/*
 * Internal helpers shared by the API handlers: JSON building, realm glue
 * (which realm type a user belongs to, storing passwords through the realm
 * driver), and the method tables of each handler file.
 */
#ifndef RG_API_INT_H
#define RG_API_INT_H

#include "api.h"
#include "store.h"
#include "ucfg.h"

/* Set key to s if s is non-NULL. */
void json_set_str(json_t *obj, const char *key, const char *s);

/* "<what> failed: <message>" as Proxmox's lock wrappers say it. */
int api_fail(struct err *err, const char *what);

/* The realm part of a user id, copied into out. */
void api_realm_of(const char *userid, struct buf *out);

/* Every realm's type: {"pve": "pve", "corp": "ad", ...} (new reference). */
json_t *api_realm_types(struct api_env *env);

/* Type of a realm ("pve", "ldap", ...), or NULL if it does not exist. */
const char *api_realm_type(struct api_env *env, const char *realm);

/*
 * The answer of a successful login for userid: username, ticket,
 * CSRFPreventionToken and cap (POST /access/ticket, OpenID login).
 */
int api_ticket_answer(struct api_env *env, const char *userid,
    json_t **result_r, struct err *err) RG_WARN_UNUSED;

/*
 * Check s against a named parameter format ("email", "pve-tfa-keys", ...):
 * NULL when fine, else the reason (which may live in msg).
 */
const char *api_check_format(const char *format, const char *s,
    struct buf *msg);

/*
 * Case-insensitive user lookup for realms with case-sensitive 0: the
 * stored spelling of userid, or NULL.  Fails on an ambiguous match.
 */
int api_user_lookup(struct api_env *env, const struct ucfg *cfg,
    const char *userid, const char **found_r, struct err *err)
    RG_WARN_UNUSED;

/*
 * Store a password through the user's realm (pve: shadow.cfg).  With undo
 * (initialised with store_side_init), shadow.cfg's lock and bytes are kept
 * in it after a success, for a caller that writes user.cfg afterwards and
 * must put shadow.cfg back if that fails (store_side_undo); the caller
 * ends it.  Without, the lock is released at once.
 */
int api_realm_set_password(struct api_env *env, const char *userid,
    const char *password, struct store_side *undo, struct err *err)
    RG_WARN_UNUSED;
/*
 * A user's removal: api_realm_delete_user_check takes shadow.cfg's lock
 * into side and refuses what the removal would refuse, writing nothing;
 * the caller then writes user.cfg (the user is gone) and only then calls
 * api_realm_delete_user with the same side, which tells the realm (pve:
 * drops the shadow entry) under that lock.  A crash in between leaves an
 * orphaned hash, which api_realm_forget_password / set_password discard
 * when a user of that name is created again.  Without a prior check,
 * api_realm_delete_user takes the lock itself.
 */
int api_realm_delete_user_check(struct api_env *env, const char *userid,
    struct store_side *side, struct err *err) RG_WARN_UNUSED;
int api_realm_delete_user(struct api_env *env, const char *userid,
    struct store_side *undo, struct err *err) RG_WARN_UNUSED;
/*
 * For a user being created without a password: drop any hash its realm
 * still stores under the name (pve: a shadow.cfg entry left by a `user
 * add` killed between its two writes), so it can never authenticate.
 */
int api_realm_forget_password(struct api_env *env, const char *userid,
    struct err *err) RG_WARN_UNUSED;

/*
 * Task logs (local/tasks/<UPID>, api_tasks.c): save one, then prune the
 * directory; pruning keeps per node the newest keep logs not older than
 * max_age seconds, and files that are not task logs.
 */
#define TASK_LOG_KEEP	 1000
#define TASK_LOG_MAX_AGE (30 * 86400)
void api_task_log_save(const struct api_env *env, const char *upid,
    const struct buf *log);
void api_task_logs_prune(const char *dir, size_t keep, time_t max_age,
    time_t now);

/*
 * priv/token.cfg as part of a larger transaction (user deletion: user.cfg,
 * token.cfg, shadow.cfg): api_secrets_purge locks and reads it, refuses
 * it if it holds lines that could not be read (without --force) and
 * works out the file without the secrets of the users in userids, all
 * before anything is written; api_secrets_write_orphan writes it after
 * user.cfg (the secrets left by a crash or a failure in between belong
 * to no token: orphans), api_secrets_end unlocks.  Take it after
 * user.cfg's lock and before shadow.cfg's.  api_secrets_write and
 * api_secrets_undo are for a secret written before user.cfg.
 */
struct api_secrets {
	struct store_side side;
	struct buf text;	/* the new token.cfg (secret) */
	bool changed;
};
void api_secrets_init(struct api_secrets *s);
int api_secrets_purge(struct api_env *env, struct api_secrets *s,
    const char *const *userids, size_t n, struct err *err) RG_WARN_UNUSED;
int api_secrets_write(struct api_env *env, struct api_secrets *s,
    struct err *err) RG_WARN_UNUSED;
/* The same after user.cfg was written: a failure is store_orphan_left. */
void api_secrets_write_orphan(struct api_env *env, struct api_secrets *s);
void api_secrets_undo(struct api_env *env, struct api_secrets *s);
void api_secrets_end(struct api_secrets *s);

/*
 * Commit tx (user.cfg) together with priv/token.cfg, from which every
 * secret of the users in userids is removed: refused before either file
 * is written if one holds lines that could not be read (without
 * --force); token.cfg written after user.cfg (a failure there leaves
 * orphaned secrets: store_orphan_left).  n == 0 is store_commit_user.
 */
int api_tokens_commit_purge(struct api_env *env, struct store_tx *tx,
    const char *const *userids, size_t n, struct err *err) RG_WARN_UNUSED;

/* Group ids of a user (from the group records), sorted; JSON array. */
json_t *api_user_groups(const struct ucfg *cfg, const char *userid);

/* Build the realm parameter schemas (call once before api_find). */
void api_domains_init(void);

#endif
