/*
 * Turning OpenSSL's thread-local error queue into our struct err: the
 * queue is always drained, so a failure in one call never shows up as a
 * stale reason in an unrelated later one.
 */
#ifndef RG_TICKET_OSSL_H
#define RG_TICKET_OSSL_H

#include "err.h"

/* err_set(err, code, "<what>: <first OpenSSL reason>"); returns -1. */
int ossl_err(struct err *err, enum err_code code, const char *what);

/*
 * pem_password_cb that refuses: encrypted keys fail instead of OpenSSL
 * prompting on a terminal, since there is nobody to ask.
 */
int ossl_no_passphrase(char *buf, int size, int rwflag, void *u);

/* Drop whatever OpenSSL queued (after an expected failure). */
void ossl_err_drop(void);

#endif
