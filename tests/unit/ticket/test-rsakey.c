/*
 * Key files as rsakey.c reads them, what the key-files fuzz target found:
 * a private key whose parts do not belong together (it signed tickets
 * that nobody could verify) is refused, and reading a public key never
 * asks a terminal for a passphrase (an encrypted private key in
 * authkey.pub made OpenSSL prompt, which blocks a CLI run).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/ui.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "ticket/rsakey.h"

static int prompts;

static int
count_reader(UI *ui, UI_STRING *uis)
{
	(void)ui;
	(void)uis;
	prompts++;
	return -1;
}

static void
seed(const char *name, struct buf *out)
{
	char path[512];
	struct err err;

	snprintf(path, sizeof(path), "%s/%s", CORPUS, name);
	buf_init(out, 0);
	assert_int_equal(file_read(path, 1 << 20, out, &err), 0);
}

static void
test_inconsistent_priv(void **state)
{
	struct buf pem;
	EVP_PKEY *key = NULL;
	struct err err;

	(void)state;
	seed("inconsistent-priv", &pem);
	assert_int_equal(rsakey_parse_priv(pem.data, pem.len, "authkey.key",
	    &key, &err), -1);
	assert_string_equal(err.msg,
	    "authkey.key is not a consistent RSA key");
	assert_null(key);
	buf_clear(&pem);
	/* the keys it was made from still parse */
	seed("rsa-1024-pkcs1", &pem);
	assert_int_equal(rsakey_parse_priv(pem.data, pem.len, "k", &key,
	    &err), 0);
	EVP_PKEY_free(key);
	buf_clear(&pem);
	seed("rsa-1024-pkcs8", &pem);
	assert_int_equal(rsakey_parse_priv(pem.data, pem.len, "k", &key,
	    &err), 0);
	EVP_PKEY_free(key);
	buf_clear(&pem);
}

static void
test_pub_never_prompts(void **state)
{
	UI_METHOD *m = UI_create_method("count");
	struct buf pem;
	EVP_PKEY *key = NULL;
	struct err err;

	(void)state;
	UI_method_set_reader(m, count_reader);
	UI_set_default_method(m);
	seed("pem-encrypted", &pem);
	assert_int_equal(rsakey_parse_pub(pem.data, pem.len, "authkey.pub",
	    &key, &err), -1);
	assert_int_equal(rsakey_parse_priv(pem.data, pem.len, "authkey.key",
	    &key, &err), -1);
	assert_int_equal(prompts, 0);
	buf_clear(&pem);
	UI_set_default_method(UI_OpenSSL());
	UI_destroy_method(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inconsistent_priv),
		cmocka_unit_test(test_pub_never_prompts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
