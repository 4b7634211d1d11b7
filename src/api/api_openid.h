/*
 * The claims half of an OpenID login (api_openid.c), exposed so that the
 * fuzz target tests/fuzz/fuzz-openid-claims.c runs what a login runs on
 * the provider's claims: the user id from the username claim, then the
 * user record (autocreate) and the group memberships in user.cfg.
 */
#ifndef RG_API_OPENID_H
#define RG_API_OPENID_H

#include "api.h"
#include "files/domains.h"
#include "ucfg.h"

#include <jansson.h>
#include <stdbool.h>

/* "<claim>@<realm>" into userid, checked; ERR_AUTH messages otherwise. */
int api_openid_userid(const struct domains_realm *r, const json_t *claims,
    struct buf *userid, struct err *err) RG_WARN_UNUSED;

/*
 * The user record of userid (existing and usable, or created when the
 * realm autocreates: *created) and its groups from the groups claim
 * (*changed when memberships changed), in cfg.
 */
int api_openid_apply(struct api_env *env, struct ucfg *cfg,
    const struct domains_realm *r, const char *userid, const json_t *claims,
    bool *created, bool *changed, struct err *err) RG_WARN_UNUSED;

#endif
