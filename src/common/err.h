/*
 * The error channel of every fallible function: return -1 and describe the
 * failure in a caller-provided struct err.  The code lets the HTTP layer and
 * the CLI pick a status without parsing text; the message is what the user
 * sees, so it must never contain a secret.
 */
#ifndef RG_ERR_H
#define RG_ERR_H

#include "compiler.h"

enum err_code {
	ERR_NONE = 0,
	ERR_NOMEM,
	ERR_INVALID,	 /* bad input: HTTP 400 */
	ERR_NOT_FOUND,	 /* HTTP 404 or 500 depending on the call */
	ERR_EXISTS,
	ERR_DENIED,	 /* permission check failed: HTTP 403 */
	ERR_AUTH,	 /* authentication failed: HTTP 401 */
	ERR_UNAVAILABLE, /* a server we depend on is down */
	ERR_UNSUPPORTED,
	ERR_IO,
	ERR_LOCK,
	ERR_INTERNAL,
	ERR_NO_OBJECT,	 /* the object a path names does not exist: 404 */
};

#define ERR_MSG_MAX 512

struct err {
	enum err_code code;
	char msg[ERR_MSG_MAX];
};

/* Fill *err and return -1, so callers can `return err_set(...)`. */
int err_set(struct err *err, enum err_code code, const char *fmt, ...)
    RG_PRINTF(3, 4);

/* Prefix the existing message with "<prefix>": keeps the code. Returns -1. */
int err_prefix(struct err *err, const char *fmt, ...) RG_PRINTF(2, 3);

void err_clear(struct err *err);

#endif
