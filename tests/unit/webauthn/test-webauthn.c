/*
 * WebAuthn verification (src/core/webauthn) against vectors from the
 * software authenticator gen-vectors.py (ES256, RS256, Ed25519): what a
 * browser sends registers and logs in, credentials in the forms Proxmox
 * VE 8 and 9 store verify, and every response that breaks one rule - each
 * correctly signed, so only the rule under test can refuse it - is
 * refused with its own message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "webauthn/webauthn.h"
#include "webauthn/webauthn_int.h"
#include "ticket/b64.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tmpdir_fixture.h"

#define NOW 1800000000

TMPDIR_FIXTURE("rg-webauthn")

static json_t *vectors;
static const char *const kinds[] = {"es256", "rs256", "ed25519"};

static struct webauthn_rp
test_rp(void)
{
	struct webauthn_rp rp = {.allow_eddsa = true};

	strcpy(rp.id, "pve.example.com");
	strcpy(rp.name, "pve.example.com");
	strcpy(rp.origin, "https://pve.example.com:8006");
	return rp;
}

static json_t *
vec(const char *kind, const char *group, const char *name)
{
	json_t *v = json_object_get(json_object_get(json_object_get(
	    json_object_get(vectors, "keys"), kind), group), name);

	assert_non_null(v);
	return v;
}

static struct buf
challenge(void)
{
	struct buf b = BUF_INIT;
	const char *c = json_string_value(json_object_get(vectors,
	    "challenge"));

	assert_true(b64url_decode(c, strlen(c), &b));
	return b;
}

static int
reg(const struct webauthn_rp *rp, const json_t *resp,
    const json_t *const *existing, size_t n, json_t **entry, struct err *err)
{
	struct buf c = challenge();
	int rc = webauthn_register_verify(rp, (unsigned char *)c.data, c.len,
	    resp, existing, n, entry, err);

	buf_clear(&c);
	return rc;
}

static int
auth(const struct webauthn_rp *rp, const json_t *resp, const json_t *cred,
    size_t *which, uint32_t *counter, struct err *err)
{
	const json_t *creds[2] = {json_object_get(json_object_get(
	    json_object_get(vectors, "keys"), "es256"), "reg_key"), cred};
	struct buf c = challenge();
	int rc = webauthn_auth_verify(rp, (unsigned char *)c.data, c.len, NULL,
	    resp, creds, 2, which, counter, err);

	buf_clear(&c);
	return rc;
}

static void
expect_refused(int rc, const struct err *err, const char *msg)
{
	assert_int_equal(rc, -1);
	if (strstr(err->msg, msg) == NULL)
		fail_msg("'%s' does not contain '%s'", err->msg, msg);
}

static void
test_b64url(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	b64url_encode_buf(&b, "\xfb\xff", 2);
	assert_string_equal(buf_str(&b), "-_8");
	buf_reset(&b);
	assert_true(b64url_decode("-_8", 3, &b));
	assert_memory_equal(b.data, "\xfb\xff", 2);
	buf_reset(&b);
	assert_true(b64url_decode("+/8=", 4, &b));	/* standard, padded */
	buf_reset(&b);
	assert_false(b64url_decode("-/8", 3, &b));	/* mixed alphabets */
	assert_false(b64url_decode("-_8\n", 4, &b));
	buf_clear(&b);
}

/* Registering gives webauthn-rs 0.3's form of the authenticator's key. */
static void
test_register_forms(void **state)
{
	struct webauthn_rp rp = test_rp();
	json_t *entry, *want;
	struct err err;
	char *text;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		assert_int_equal(reg(&rp, vec(kinds[i], "register", "none"),
		    NULL, 0, &entry, &err), 0);
		text = json_dumps(entry, JSON_COMPACT);
		assert_true(strncmp(text, "{\"cred_id\":[", 12) == 0);
		assert_non_null(strstr(text, "],\"cred\":{\"type_\":"));
		assert_non_null(strstr(text, ",\"counter\":1,\"backup_eligible\""
		    ":false,\"backup_state\":false}"));
		free(text);
		want = json_deep_copy(json_object_get(json_object_get(
		    json_object_get(vectors, "keys"), kinds[i]), "stored_v3"));
		json_object_del(entry, "backup_eligible");
		json_object_del(entry, "backup_state");
		assert_true(json_equal(entry, want));
		json_decref(want);
		json_decref(entry);
	}
}

static void
test_register_attestations(void **state)
{
	static const char *const ok[] = {"packed-x5c", "fido-u2f", "tpm"};
	struct webauthn_rp rp = test_rp();
	json_t *entry;
	struct err err;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(ok); i++) {
		assert_int_equal(reg(&rp, vec("es256", "register", ok[i]), NULL,
		    0, &entry, &err), 0);
		json_decref(entry);
	}
	for (i = 0; i < 2; i++) {
		assert_int_equal(reg(&rp, vec(kinds[i], "register",
		    "packed-self"), NULL, 0, &entry, &err), 0);
		json_decref(entry);
	}
}

static void
test_register_refusals(void **state)
{
	static const struct {
		const char *name, *msg;
	} cases[] = {
		{"wrong-origin", "origin mismatch"},
		{"wrong-challenge", "challenge mismatch"},
		{"wrong-rpid", "RP id hash mismatch"},
		{"no-up", "user not present"},
		{"no-at", "without attested credential data"},
		{"wrong-type", "type is not 'webauthn.create'"},
		{"cross-origin", "cross-origin"},
		{"token-binding", "token binding"},
		{"packed-bad-sig", "packed attestation: invalid signature"},
		{"packed-x5c-aaguid", "AAGUID mismatch"},
		{"fido-u2f-bad-sig", "fido-u2f attestation: invalid signature"},
		{"unknown-fmt", "'android-safetynet' is not supported"},
	};
	struct webauthn_rp rp = test_rp();
	json_t *entry = (json_t *)1;
	struct err err;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		expect_refused(reg(&rp, vec("es256", "register", cases[i].name),
		    NULL, 0, &entry, &err), &err, cases[i].msg);
		assert_null(entry);
		assert_non_null(strstr(err.msg, "webauthn registration failed"));
	}
}

static void
test_register_duplicate_and_alg(void **state)
{
	struct webauthn_rp rp = test_rp();
	const json_t *existing[1];
	json_t *entry;
	struct err err;

	(void)state;
	existing[0] = json_object_get(json_object_get(json_object_get(vectors,
	    "keys"), "es256"), "stored_v5");
	expect_refused(reg(&rp, vec("es256", "register", "none"), existing, 1,
	    &entry, &err), &err, "credential id already present");
	assert_int_equal(err.code, ERR_EXISTS);
	rp.allow_eddsa = false;
	expect_refused(reg(&rp, vec("ed25519", "register", "none"), NULL, 0,
	    &entry, &err), &err, "ignored the requested algorithms");
}

/* Proxmox VE 8 and 9 forms and our own registration all log in. */
static void
test_assert_ok(void **state)
{
	static const char *const forms[] = {"stored_v3", "stored_v5"};
	struct webauthn_rp rp = test_rp();
	json_t *entry;
	struct err err;
	uint32_t counter;
	size_t i, f, which;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		json_t *k = json_object_get(json_object_get(vectors, "keys"),
		    kinds[i]);

		for (f = 0; f < ARRAY_SIZE(forms); f++) {
			assert_int_equal(auth(&rp, vec(kinds[i], "assert", "ok"),
			    json_object_get(k, forms[f]), &which, &counter,
			    &err), 0);
			assert_int_equal(which, 1);
			assert_int_equal(counter, 5);
			assert_int_equal(auth(&rp, vec(kinds[i], "assert", "uv"),
			    json_object_get(k, forms[f]), &which, &counter,
			    &err), 0);
		}
		assert_int_equal(reg(&rp, vec(kinds[i], "register", "none"),
		    NULL, 0, &entry, &err), 0);
		assert_int_equal(auth(&rp, vec(kinds[i], "assert", "ok"), entry,
		    &which, &counter, &err), 0);
		json_decref(entry);
	}
}

static void
test_assert_refusals(void **state)
{
	static const struct {
		const char *name, *msg;
	} cases[] = {
		{"wrong-origin", "origin mismatch"},
		{"wrong-port", "origin mismatch"},
		{"subdomain", "origin mismatch"},
		{"wrong-challenge", "challenge mismatch"},
		{"wrong-rpid", "RP id hash mismatch"},
		{"no-up", "user not present"},
		{"wrong-type", "type is not 'webauthn.get'"},
		{"bad-sig", "invalid signature"},
		{"cross-origin", "cross-origin"},
		{"token-binding", "token binding"},
		{"unknown-cred", "unknown or disabled credential"},
	};
	struct webauthn_rp rp = test_rp();
	struct err err;
	uint32_t counter;
	size_t i, c, which;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		const json_t *cred = json_object_get(json_object_get(
		    json_object_get(vectors, "keys"), kinds[i]), "stored_v5");

		for (c = 0; c < ARRAY_SIZE(cases); c++)
			expect_refused(auth(&rp, vec(kinds[i], "assert",
			    cases[c].name), cred, &which, &counter, &err), &err,
			    cases[c].msg);
	}
	/* allow-subdomains lets a subdomain's origin in, nothing else */
	rp.allow_subdomains = true;
	assert_int_equal(auth(&rp, vec("es256", "assert", "subdomain"),
	    json_object_get(json_object_get(json_object_get(vectors, "keys"),
	    "es256"), "stored_v5"), &which, &counter, &err), 0);
}

static void
test_counter(void **state)
{
	struct webauthn_rp rp = test_rp();
	json_t *cred = json_deep_copy(json_object_get(json_object_get(
	    json_object_get(vectors, "keys"), "es256"), "stored_v5"));
	struct err err;
	uint32_t counter;
	size_t which;

	(void)state;
	/* unknown members survive a counter update */
	json_object_set_new(cred, "verified", json_false());
	json_object_set_new(cred, "registration_policy",
	    json_string("preferred"));
	assert_int_equal(webauthn_cred_set_counter(cred, 5, &err), 0);
	assert_string_equal(json_string_value(json_object_get(cred,
	    "registration_policy")), "preferred");
	expect_refused(auth(&rp, vec("es256", "assert", "ok"), cred, &which,
	    &counter, &err), &err, "possibly cloned");
	assert_int_equal(webauthn_cred_set_counter(cred, 9, &err), 0);
	expect_refused(auth(&rp, vec("es256", "assert", "ok"), cred, &which,
	    &counter, &err), &err, "did not increase");
	/* without a counter on either side: fine; one side only: not */
	assert_int_equal(webauthn_cred_set_counter(cred, 0, &err), 0);
	assert_int_equal(auth(&rp, vec("es256", "assert", "zero"), cred,
	    &which, &counter, &err), 0);
	assert_int_equal(counter, 0);
	assert_int_equal(webauthn_cred_set_counter(cred, 1, &err), 0);
	expect_refused(auth(&rp, vec("es256", "assert", "zero"), cred, &which,
	    &counter, &err), &err, "did not increase");
	json_decref(cred);
}

static void
test_options(void **state)
{
	static const unsigned char handle[16] = {1};
	struct webauthn_rp rp = test_rp();
	const json_t *creds[1];
	struct buf c = challenge();
	json_t *o;
	char *text;

	(void)state;
	rp.allow_eddsa = false;
	creds[0] = json_object_get(json_object_get(json_object_get(vectors,
	    "keys"), "es256"), "stored_v3");
	o = webauthn_register_options(&rp, "alice@pve", handle,
	    (unsigned char *)c.data, c.len, creds, 1);
	text = json_dumps(o, JSON_COMPACT);
	assert_non_null(strstr(text, "{\"publicKey\":{\"rp\":{\"name\":"
	    "\"pve.example.com\",\"id\":\"pve.example.com\"},\"user\":{\"id\":"
	    "\"AQAAAAAAAAAAAAAAAAAAAA\",\"name\":\"alice@pve\",\"displayName\":"
	    "\"alice@pve\"},\"challenge\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBka"
	    "GxwdHh8\",\"pubKeyCredParams\":[{\"type\":\"public-key\",\"alg\":-7},"
	    "{\"type\":\"public-key\",\"alg\":-257}],\"timeout\":300000,"
	    "\"excludeCredentials\":[{\"type\":\"public-key\",\"id\":\""));
	assert_non_null(strstr(text, "\"}],\"authenticatorSelection\":{"
	    "\"residentKey\":\"discouraged\",\"requireResidentKey\":false,"
	    "\"userVerification\":\"discouraged\"},\"hints\":[\"security-key\"],"
	    "\"attestation\":\"none\",\"extensions\":{\"uvm\":true,"
	    "\"credProps\":true}}}"));
	free(text);
	json_decref(o);
	o = webauthn_auth_options(&rp, (unsigned char *)c.data, c.len, creds,
	    1);
	text = json_dumps(o, JSON_COMPACT);
	assert_non_null(strstr(text, "{\"publicKey\":{\"challenge\":\"AAECAwQF"
	    "BgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\",\"timeout\":300000,\"rpId\":"
	    "\"pve.example.com\",\"allowCredentials\":[{\"type\":\"public-key\","
	    "\"id\":\""));
	assert_non_null(strstr(text, "\"}],\"userVerification\":\"discouraged\","
	    "\"hints\":[\"security-key\"]}}"));
	free(text);
	json_decref(o);
	buf_clear(&c);
}

/* Step 2 through the pending file: once, within 2 minutes. */
static void
test_pending_flow(void **state)
{
	struct webauthn_rp rp = test_rp();
	const json_t *creds[1];
	struct buf c = challenge();
	json_t *entry, *resp;
	char *text, *desc;
	struct err err;
	uint32_t counter;
	size_t which;

	(void)state;
	creds[0] = json_object_get(json_object_get(json_object_get(vectors,
	    "keys"), "es256"), "stored_v5");
	resp = vec("es256", "assert", "ok");
	text = json_dumps(resp, JSON_COMPACT);
	/* no challenge yet */
	expect_refused(webauthn_auth_finish(dir, &rp, "alice@pve", text,
	    strlen(text), creds, 1, NOW, &which, &counter, &err), &err,
	    "no such challenge");
	assert_int_equal(webauthn_pending_add(dir, "alice@pve", WEBAUTHN_AUTH,
	    (unsigned char *)c.data, c.len, json_pack("{s:[]}", "allow"), NOW,
	    &err), 0);
	/* a challenge made for no credential lets none in */
	expect_refused(webauthn_auth_finish(dir, &rp, "alice@pve", text,
	    strlen(text), creds, 1, NOW, &which, &counter, &err), &err,
	    "not allowed by the challenge");
	assert_int_equal(webauthn_pending_add(dir, "alice@pve", WEBAUTHN_AUTH,
	    (unsigned char *)c.data, c.len, json_pack("{s:[s]}", "allow",
	    json_string_value(json_object_get(resp, "rawId"))), NOW, &err), 0);
	/* another user's or another kind's challenge is not this one */
	expect_refused(webauthn_auth_finish(dir, &rp, "bob@pve", text,
	    strlen(text), creds, 1, NOW, &which, &counter, &err), &err,
	    "no such challenge");
	assert_int_equal(webauthn_auth_finish(dir, &rp, "alice@pve", text,
	    strlen(text), creds, 1, NOW + WEBAUTHN_CHALLENGE_TTL, &which,
	    &counter, &err), 0);
	assert_int_equal(counter, 5);
	expect_refused(webauthn_auth_finish(dir, &rp, "alice@pve", text,
	    strlen(text), creds, 1, NOW + 1, &which, &counter, &err), &err,
	    "no such challenge");
	/* expired */
	assert_int_equal(webauthn_pending_add(dir, "alice@pve", WEBAUTHN_AUTH,
	    (unsigned char *)c.data, c.len, json_pack("{s:[]}", "allow"), NOW,
	    &err), 0);
	expect_refused(webauthn_auth_finish(dir, &rp, "alice@pve", text,
	    strlen(text), creds, 1, NOW + WEBAUTHN_CHALLENGE_TTL + 1, &which,
	    &counter, &err), &err, "no such challenge");
	free(text);

	/* registration, with the description of step 1 */
	assert_int_equal(webauthn_pending_add(dir, "alice@pve",
	    WEBAUTHN_REGISTER, (unsigned char *)c.data, c.len,
	    json_pack("{s:s}", "description", "my key"), NOW, &err), 0);
	text = json_dumps(vec("es256", "register", "none"), JSON_COMPACT);
	expect_refused(webauthn_register_finish(dir, &rp, "alice@pve", "AAAA",
	    text, strlen(text), NULL, 0, NOW, &entry, &desc, &err), &err,
	    "no such challenge");
	assert_int_equal(webauthn_register_finish(dir, &rp, "alice@pve",
	    json_string_value(json_object_get(vectors, "challenge")), text,
	    strlen(text), NULL, 0, NOW, &entry, &desc, &err), 0);
	assert_string_equal(desc, "my key");
	free(desc);
	json_decref(entry);
	free(text);
	buf_clear(&c);
}

static void
test_begin(void **state)
{
	struct webauthn_rp rp = test_rp();
	const json_t *creds[2];
	json_t *o, *bad = json_pack("{s:s}", "cred_id", "AAAA");
	struct err err;
	int i;

	(void)state;
	creds[0] = bad;
	expect_refused(webauthn_auth_begin(dir, &rp, "alice@pve", creds, 1, NOW,
	    &o, &err), &err, "no usable webauthn credential");
	creds[1] = json_object_get(json_object_get(json_object_get(vectors,
	    "keys"), "rs256"), "stored_v3");
	assert_int_equal(webauthn_auth_begin(dir, &rp, "alice@pve", creds, 2,
	    NOW, &o, &err), 0);
	assert_int_equal(json_array_size(json_object_get(json_object_get(o,
	    "publicKey"), "allowCredentials")), 1);
	json_decref(o);
	for (i = 0; i < 20; i++) {
		assert_int_equal(webauthn_register_begin(dir, &rp, "alice@pve",
		    "k", creds, 2, NOW, &o, &err), 0);
		json_decref(o);
	}
	expect_refused(webauthn_register_begin(dir, &rp, "../x@pve", "k",
	    creds, 2, NOW, &o, &err), &err, "invalid user id");
	json_decref(bad);
}

static void
test_rp_config(void **state)
{
	struct webauthn_rp rp;
	struct err err;
	const char *dc;

	(void)state;
	assert_int_equal(webauthn_rp_from_dc(NULL, 0, "PVE.example.com:8006",
	    &rp, &err), 0);
	assert_string_equal(rp.id, "pve.example.com");
	assert_string_equal(rp.origin, "https://pve.example.com:8006");
	assert_false(rp.allow_subdomains);
	assert_int_equal(webauthn_rp_from_dc(NULL, 0, "pve.example.com:443",
	    &rp, &err), 0);
	assert_string_equal(rp.origin, "https://pve.example.com");
	dc = "keyboard: de\nwebauthn: rp=My PVE,origin=https://pve.example.com"
	    ":8006,id=example.com\n";
	assert_int_equal(webauthn_rp_from_dc(dc, strlen(dc), "10.0.0.1:8006",
	    &rp, &err), 0);
	assert_string_equal(rp.name, "My PVE");
	assert_string_equal(rp.id, "example.com");
	assert_string_equal(rp.origin, "https://pve.example.com:8006");
	assert_true(rp.allow_subdomains);
	dc = "webauthn: id=pve.example.com,rp=x,allow-subdomains=0\n";
	assert_int_equal(webauthn_rp_from_dc(dc, strlen(dc),
	    "pve.example.com:8006", &rp, &err), 0);
	assert_string_equal(rp.origin, "https://pve.example.com:8006");
	assert_false(rp.allow_subdomains);
	expect_refused(webauthn_rp_from_dc(dc, strlen(dc), "evil.example.net",
	    &rp, &err), &err, "is not within RP id");
	expect_refused(webauthn_rp_from_dc(NULL, 0, "a b", &rp, &err), &err,
	    "invalid request host");
	expect_refused(webauthn_rp_from_dc(NULL, 0, "x.com:99999999", &rp,
	    &err), &err, "invalid request host");
	expect_refused(webauthn_rp_from_dc(NULL, 0, NULL, &rp, &err), &err,
	    "failed to figure out origin");
	dc = "webauthn: rp=x\n";
	expect_refused(webauthn_rp_from_dc(dc, strlen(dc), "a.com", &rp, &err),
	    &err, "webauthn config error");
	dc = "webauthn: rp=x,id=a.com,bogus=1\n";
	expect_refused(webauthn_rp_from_dc(dc, strlen(dc), "a.com", &rp, &err),
	    &err, "webauthn config error");
}

/* Malformed pieces: errors, never a crash or an acceptance. */
static void
test_malformed(void **state)
{
	static const unsigned char short_ad[36] = {0};
	static const unsigned char at_ad[37 + 18] = {[32] = WA_FLAG_AT,
	    [53] = 1};
	struct wa_authdata ad;
	struct wa_attestation att;
	struct wa_expect want = {"webauthn.get", (const unsigned char *)"x", 1,
	    "https://a.com", false};
	struct wa_key k;
	struct err err;
	size_t used;

	(void)state;
	expect_refused(wa_authdata_parse(short_ad, sizeof(short_ad), &ad, &err),
	    &err, "invalid length");
	expect_refused(wa_authdata_parse(at_ad, sizeof(at_ad), &ad, &err),
	    &err, "truncated");
	expect_refused(wa_clientdata_check("[]", 2, &want, &err), &err,
	    "not a JSON object");
	expect_refused(wa_clientdata_check("{\"type\":\"webauthn.get\","
	    "\"type\":\"x\"}", 36, &want, &err), &err, "not a JSON object");
	expect_refused(wa_cose_parse((const unsigned char *)"\xa2\x01\x02\x03"
	    "\x26", 5, &used, &k, &err), &err, "ES256 needs curve P-256");
	expect_refused(wa_cose_parse((const unsigned char *)"\xa2\x01\x04\x03"
	    "\x26", 5, &used, &k, &err), &err, "unsupported COSE key");
	/* a map claiming 2^32-1 pairs: refused before libcbor allocates */
	expect_refused(wa_cose_parse((const unsigned char *)"\xba\xff\xff"
	    "\xff\xff\x01\x02", 7, &used, &k, &err), &err, "malformed COSE key");
	expect_refused(wa_attestation_parse((const unsigned char *)"\xa0\x00",
	    2, &att, &err), &err, "not one CBOR item");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b64url),
		cmocka_unit_test(test_register_forms),
		cmocka_unit_test(test_register_attestations),
		cmocka_unit_test(test_register_refusals),
		cmocka_unit_test(test_register_duplicate_and_alg),
		cmocka_unit_test(test_assert_ok),
		cmocka_unit_test(test_assert_refusals),
		cmocka_unit_test(test_counter),
		cmocka_unit_test(test_options),
		cmocka_unit_test_setup_teardown(test_pending_flow, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_begin, setup, teardown),
		cmocka_unit_test(test_rp_config),
		cmocka_unit_test(test_malformed),
	};
	int rc;

	vectors = json_load_file(VECTORS, 0, NULL);
	if (vectors == NULL) {
		fprintf(stderr, "cannot read %s\n", VECTORS);
		return 1;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	json_decref(vectors);
	return rc;
}
