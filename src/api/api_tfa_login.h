/*
 * The second-factor half of a login (spec 10.3), for POST /access/ticket:
 * what to ask once the password was right, and the check of the answer
 * to a partial ticket's challenge.
 */
#ifndef RG_API_TFA_LOGIN_H
#define RG_API_TFA_LOGIN_H

#include "api.h"
#include "buf.h"

/*
 * userid's password was right.  On success *challenge_r is empty when the
 * login is complete (no second factor, or otp answered it), else it holds
 * the challenge JSON for a partial ticket.  otp (may be NULL) is the
 * one-request answer "<type>:<value>".  Refusals are ERR_AUTH.
 */
int api_tfa_after_password(struct api_env *env, const char *userid,
    const char *otp, struct buf *challenge_r, struct err *err)
    RG_WARN_UNUSED;

/*
 * The answer response ("totp:123456", "recovery:...") to the challenge a
 * verified partial ticket of userid carried.  0: the login is complete.
 */
int api_tfa_respond(struct api_env *env, const char *userid,
    const char *challenge_json, const char *response, struct err *err)
    RG_WARN_UNUSED;

#endif
