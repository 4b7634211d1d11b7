/*
 * Who is calling: the checks of a request's credential shared by the
 * daemon's two processes.  The front runs them to answer fast; authd runs
 * them again on its own user.cfg snapshot, its own ticket keys and
 * priv/token.cfg before it acts, so that a compromised front cannot make
 * it act as anyone whose ticket or token secret it does not hold.
 */
#ifndef RG_API_AUTH_H
#define RG_API_AUTH_H

#include "api.h"
#include "buf.h"
#include "ucfg.h"

/*
 * The user exists in cfg, is enabled and unexpired at now.  ERR_AUTH
 * "user '<id>' does not exist", "... is disabled", "... access expired".
 */
int api_auth_user_usable(const struct ucfg *cfg, const char *userid,
    time_t now, struct err *err) RG_WARN_UNUSED;

/*
 * A full token id (user@realm!name) that names a token in cfg, whose user
 * is usable and which is unexpired at now; the secret is not looked at.
 * ERR_AUTH "invalid token id", "no such token '<id>'", the user's
 * messages, "token '<id>' access expired".
 */
int api_auth_token_usable(const struct ucfg *cfg, const char *tokenid,
    time_t now, struct err *err) RG_WARN_UNUSED;

/*
 * A login ticket (PVEAuthCookie value, unescaped): signature and age
 * against env's ticket keys (authkey.pub, .old), then its user usable in
 * cfg.  *userid_r gets the user id.  ERR_AUTH on every refusal.
 */
int api_auth_ticket(struct api_env *env, const struct ucfg *cfg,
    const char *ticket, size_t len, struct buf *userid_r, struct err *err)
    RG_WARN_UNUSED;

/*
 * An API token: api_auth_token_usable, then the secret against
 * priv/token.cfg (constant-time; readable by root only, so this is for
 * authd and the CLI).  ERR_AUTH "invalid token value for '<id>'".
 */
int api_auth_token(struct api_env *env, const struct ucfg *cfg,
    const char *tokenid, const char *secret, struct err *err)
    RG_WARN_UNUSED;

#endif
