/*
 * Password (or ticket) authentication shared by POST /access/ticket, the
 * re-authentication of PUT /access/password, and the CLI.
 */
#ifndef RG_API_LOGIN_H
#define RG_API_LOGIN_H

#include "api.h"
#include "buf.h"
#include "ids.h"
#include "ucfg.h"

/*
 * Authenticate username (user@realm) with password.  With allow_ticket a
 * valid login ticket of the same user or of root@pam is accepted instead
 * of the password (ticket renewal); *by_ticket_r (may be NULL) says
 * whether it was.  On success *userid_r holds the stored spelling of the
 * user id.  Failures are ERR_AUTH with the precise reason (for the log),
 * or ERR_UNAVAILABLE when the realm's server is down.  Second factors are
 * the caller's (api_tfa_login.h).
 */
int api_login(struct api_env *env, const char *username, const char *password,
    bool allow_ticket, bool *by_ticket_r, struct buf *userid_r,
    struct err *err) RG_WARN_UNUSED;

/*
 * The checks of api_login without a credential: the user exists (stored
 * spelling to *userid_r), is enabled and unexpired, its realm exists and
 * is not disabled.  For the second step of a login, whose partial ticket
 * stands for the first factor.
 */
int api_login_user(struct api_env *env, const char *username,
    struct buf *userid_r, struct err *err) RG_WARN_UNUSED;

/* Enabled and not expired at now (ERR_AUTH with the reason otherwise). */
int api_user_usable(const struct ucfg_user *u, time_t now, struct err *err)
    RG_WARN_UNUSED;

#endif
