/*
 * Loading this directory's PEM keys in the ticket compat tests (both test
 * programs use the same fixture keys).  Test-only helper; include after
 * <cmocka.h>: a key that does not load fails the test.
 */
#ifndef RG_TEST_TICKET_KEYLOAD_H
#define RG_TEST_TICKET_KEYLOAD_H

#include "lines.h"
#include "ticket/rsakey.h"

#include <stdbool.h>

static inline EVP_PKEY *
keyload(const char *dir, const char *name, bool private)
{
	struct err err;
	EVP_PKEY *k = NULL;
	size_t len = 0;
	char *pem = lines_slurp(dir, name, &len);
	int rc;

	assert_non_null(pem);
	rc = private ? rsakey_parse_priv(pem, len, name, &k, &err) :
	    rsakey_parse_pub(pem, len, name, &k, &err);
	if (rc < 0)
		fail_msg("%s: %s", name, err.msg);
	free(pem);
	return k;
}

#endif
