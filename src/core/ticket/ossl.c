/*
 * OpenSSL error queue to struct err (see ossl.h).
 */
#include "ossl.h"

#include <openssl/err.h>

int
ossl_err(struct err *err, enum err_code code, const char *what)
{
	unsigned long e = ERR_get_error();
	char reason[256];

	if (e == 0) {
		ERR_clear_error();
		return err_set(err, code, "%s", what);
	}
	ERR_error_string_n(e, reason, sizeof(reason));
	ERR_clear_error();
	return err_set(err, code, "%s: %s", what, reason);
}

void
ossl_err_drop(void)
{
	ERR_clear_error();
}

int
ossl_no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}
