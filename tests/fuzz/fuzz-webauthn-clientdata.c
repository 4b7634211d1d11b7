/*
 * Fuzz target for the JSON a WebAuthn login brings and keeps: the client
 * data (webauthn_clientdata.c, origins through wa_origin_normalise) and a
 * stored credential (webauthn_cred.c, webauthn_keyjson.c).  Invariants:
 * client data is accepted only if it names our type and an origin on our
 * host (in any case: origins compare lower-cased); normalising an origin is idempotent; a
 * credential that parses writes back (webauthn-rs 0.3 form) to one that
 * parses to the same key.
 */
#include "webauthn/webauthn_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned char challenge[32] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27,
    28, 29, 30, 31};

/* The type, and our host in any case (origins compare lower-cased). */
static bool
names_ours(const uint8_t *data, size_t size, const char *type)
{
	char *s = strndup((const char *)data, size);
	bool ok = s == NULL || (strstr(s, type) != NULL &&
	    strcasestr(s, "pve.example.com") != NULL);

	free(s);
	return ok;
}

static void
check_origin(const uint8_t *data, size_t size)
{
	struct buf once = BUF_INIT, twice = BUF_INIT;
	char *s = strndup((const char *)data, size);
	struct err err;

	if (s != NULL && wa_origin_normalise(s, &once, &err) == 0) {
		if (wa_origin_normalise(buf_str(&once), &twice, &err) < 0 ||
		    strcmp(buf_str(&once), buf_str(&twice)) != 0)
			abort();
	}
	free(s);
	buf_clear(&once);
	buf_clear(&twice);
}

static void
check_cred(const uint8_t *data, size_t size)
{
	json_t *j = json_loadb((const char *)data, size, 0, NULL), *again;
	struct wa_cred c, d;
	struct err err;

	if (j == NULL)
		return;
	if (wa_cred_parse(j, &c, &err) == 0) {
		again = json_pack("{s:o, s:o, s:i}", "cred_id",
		    wa_json_byte_array(c.id.data, c.id.len), "cred",
		    wa_key_to_json(&c.key), "counter", (json_int_t)c.counter);
		if (wa_cred_parse(again, &d, &err) < 0 ||
		    d.key.alg != c.key.alg || d.counter != c.counter ||
		    d.id.len != c.id.len ||
		    memcmp(d.id.data, c.id.data, c.id.len) != 0 ||
		    EVP_PKEY_eq(d.key.pkey, c.key.pkey) != 1)
			abort();
		wa_cred_clear(&d);
		wa_cred_clear(&c);
		json_decref(again);
	}
	json_decref(j);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const types[] = {"webauthn.get", "webauthn.create"};
	struct wa_expect want = {NULL, challenge, sizeof(challenge),
	    "https://pve.example.com:8006", false};
	struct err err;
	size_t i;

	for (i = 0; i < 4; i++) {
		want.type = types[i & 1];
		want.allow_subdomains = i >= 2;
		if (wa_clientdata_check(data, size, &want, &err) == 0 &&
		    !names_ours(data, size, want.type))
			abort();
	}
	check_origin(data, size);
	check_cred(data, size);
	return 0;
}
