/*
 * The openid realm (spec 7): the two halves of a login through an OpenID
 * provider.  auth_url starts it (a pending login and the provider's
 * authorization URL); login finishes it (the pending login taken, the
 * code exchanged, the ID token verified, userinfo merged) and hands the
 * verified claims to the API layer, which maps them to a user.
 */
#ifndef RG_REALM_OPENID_H
#define RG_REALM_OPENID_H

#include "buf.h"
#include "realm.h"

#include <jansson.h>
#include <time.h>

/*
 * The authorization URL for a login of realm returning to redirect, asked
 * for from a client address (or NULL; pending logins are limited per
 * address).
 */
int realm_openid_auth_url(const struct realm_ctx *realm, const char *redirect,
    const char *from, time_t now, struct buf *url, struct err *err)
    RG_WARN_UNUSED;

/*
 * Finish a login: csrf is the state's csrf_token.  *claims_r gets the
 * verified ID-token claims, with userinfo claims added for keys the ID
 * token did not set.  Every failure is ERR_AUTH or ERR_UNAVAILABLE with a
 * message naming the cause (for the log).
 */
int realm_openid_login(const struct realm_ctx *realm, const char *csrf,
    const char *code, const char *redirect, time_t now, json_t **claims_r,
    struct err *err) RG_WARN_UNUSED;

#endif
