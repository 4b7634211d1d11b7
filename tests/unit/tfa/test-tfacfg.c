/*
 * priv/tfa.cfg (src/core/tfa/tfacfg*.c) against a file in Proxmox's
 * format (fixtures/tfa-proxmox.cfg: TOTP plain and with last-count,
 * recovery, WebAuthn as webauthn-rs stores it, U2F, Yubico, an unknown
 * entry field and an unknown entry type): read and written back byte for
 * byte, and a change to one entry leaves every other byte as it was.
 * Then the operations the API needs, the load-time rules (expired lock,
 * canonical URIs, invalid user ids) and the version-1 format.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fileio.h"
#include "tfa/sjson.h"
#include "tfa/tfacfg.h"
#include "tfa/totp.h"
#include "ticket/b64.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOW 1767230000	/* after every `created` of the fixture */
#define ALICE_PHONE "6f1c5e2a-9a3b-4c61-8f0e-2d7b3a4c5e6f"
#define ALICE_TABLET "0b8d2f4e-1c3a-4e5b-9d7f-6a8c0e2b4d6f"
#define BOB_TOTP "2e4a6c8e-0a2c-4e6a-8c0e-2a4c6e8a0c2e"

static char *fixture;

static int
load_fixture(void **state)
{
	struct buf b = BUF_INIT;
	struct err err;

	(void)state;
	if (file_read(TFA_FIXTURES "/tfa-proxmox.cfg", 1 << 20, &b, &err) < 0)
		return -1;
	fixture = buf_steal(&b);
	return 0;
}

static int
free_fixture(void **state)
{
	(void)state;
	free(fixture);
	return 0;
}

static struct tfacfg *
parse(const char *text, time_t now, struct diag *d)
{
	struct tfacfg *cfg;
	struct err err;

	if (tfacfg_parse(text, strlen(text), now, "tfa.cfg", d, &cfg,
	    &err) < 0)
		fail_msg("parse: %s", err.msg);
	return cfg;
}

/* The written text (caller frees). */
static char *
written(const struct tfacfg *cfg)
{
	struct buf b = BUF_INIT;

	tfacfg_write(cfg, &b);
	return buf_steal(&b);
}

/* fixture with the first occurrence of from replaced by to. */
static char *
fixture_with(const char *from, const char *to)
{
	const char *at = strstr(fixture, from);
	struct buf b = BUF_INIT;

	assert_non_null(at);
	buf_put(&b, fixture, (size_t)(at - fixture));
	buf_puts(&b, to);
	buf_puts(&b, at + strlen(from));
	return buf_steal(&b);
}

static void
assert_written(const struct tfacfg *cfg, const char *want)
{
	char *got = written(cfg);

	assert_string_equal(got, want);
	free(got);
}

static void
test_round_trip(void **state)
{
	struct tfacfg *cfg;
	struct diag d;

	(void)state;
	diag_init(&d);
	cfg = parse(fixture, NOW, &d);
	assert_written(cfg, fixture);
	/* bob's unknown entry type is kept, and said */
	assert_int_equal(d.count, 1);
	assert_non_null(strstr(d.items[0].msg, "bob@pam"));
	assert_false(d.items[0].dropped);
	tfacfg_free(cfg);
	diag_clear(&d);
}

static void
test_change_one_entry(void **state)
{
	struct tfacfg *cfg = parse(fixture, NOW, NULL);
	struct err err;
	char *want;

	(void)state;
	assert_int_equal(tfacfg_update(cfg, "alice@pve", ALICE_PHONE,
	    "phone 2", -1, &err), 0);
	want = fixture_with("\"description\":\"phone\"",
	    "\"description\":\"phone 2\"");
	assert_written(cfg, want);
	free(want);
	/* disable it too: enable:false goes after created */
	assert_int_equal(tfacfg_update(cfg, "alice@pve", ALICE_PHONE, NULL, 0,
	    &err), 0);
	want = fixture_with("\"description\":\"phone\",\"created\":1767225600,",
	    "\"description\":\"phone 2\",\"created\":1767225600,"
	    "\"enable\":false,");
	assert_written(cfg, want);
	free(want);
	/* enable again, empty description: both omitted */
	assert_int_equal(tfacfg_update(cfg, "alice@pve", ALICE_PHONE, "", 1,
	    &err), 0);
	want = fixture_with("\"description\":\"phone\",", "");
	assert_written(cfg, want);
	free(want);
	assert_int_equal(tfacfg_update(cfg, "alice@pve", "recovery", "x", -1,
	    &err), -1);
	assert_string_equal(err.msg, "no such entry");
	tfacfg_free(cfg);
}

static void
test_last_count(void **state)
{
	struct tfacfg *cfg = parse(fixture, NOW, NULL);
	const char *uri = "\"otpauth://totp/Proxmox%20VE:alice%40pve?secret="
	    "JBSWY3DPEHPK3PXP&digits=6&algorithm=SHA1&period=30&issuer="
	    "Proxmox%20VE\"";
	struct buf to = BUF_INIT;
	struct err err;
	char *want;

	(void)state;
	assert_int_equal(tfacfg_last_count(cfg, "alice@pve", ALICE_PHONE),
	    INT64_MIN);
	assert_int_equal(tfacfg_last_count(cfg, "alice@pve", ALICE_TABLET),
	    29453760);
	assert_int_equal(tfacfg_set_last_count(cfg, "alice@pve", ALICE_PHONE,
	    58907534, &err), 0);
	buf_putf(&to, "{\"totp\":%s,\"last-count\":58907534}", uri);
	want = fixture_with(uri, buf_str(&to));
	assert_written(cfg, want);
	free(want);
	buf_clear(&to);
	assert_int_equal(tfacfg_set_last_count(cfg, "alice@pve", ALICE_TABLET,
	    29453761, &err), 0);
	assert_int_equal(tfacfg_last_count(cfg, "alice@pve", ALICE_TABLET),
	    29453761);
	assert_int_equal(tfacfg_set_last_count(cfg, "alice@pve", "nope", 1,
	    &err), -1);
	tfacfg_free(cfg);
}

static void
test_list_find(void **state)
{
	static const struct {
		enum tfa_type type;
		const char *id;
		bool enable;
	} want[] = {
		{TFA_RECOVERY, "recovery", true},
		{TFA_TOTP, ALICE_PHONE, true},
		{TFA_TOTP, ALICE_TABLET, false},
		{TFA_WEBAUTHN, "9a1b3c5d-7e9f-4a2b-8c4d-6e8f0a2b4c6d", true},
		{TFA_U2F, "3c5e7a9b-2d4f-4a6c-8e0b-1f3d5b7c9e0a", true},
		{TFA_YUBICO, "7d9f1b3d-5f7b-4d9f-a1c3-e5f7091b3d5f", true},
	};
	struct tfacfg *cfg = parse(fixture, NOW, NULL);
	struct tfa_info *infos, info;
	const char **users, *id;
	const json_t *wa;
	struct buf b = BUF_INIT;
	size_t n, i;
	json_t *j;

	(void)state;
	n = tfacfg_list(cfg, "alice@pve", &infos);
	assert_int_equal(n, ARRAY_SIZE(want));
	for (i = 0; i < n; i++) {
		assert_int_equal(infos[i].type, want[i].type);
		assert_string_equal(infos[i].id, want[i].id);
		assert_int_equal(infos[i].enable, want[i].enable);
	}
	assert_string_equal(infos[2].description, "tablet \"B\"/\xc3\xbc\t");
	assert_int_equal(infos[0].created, 1767225800);
	j = tfa_info_json(&infos[2]);
	sjson_dump(j, &b);
	assert_string_equal(buf_str(&b), "{\"type\":\"totp\",\"id\":\""
	    ALICE_TABLET "\",\"description\":\"tablet \\\"B\\\"/\xc3\xbc\\t\","
	    "\"created\":1767225650,\"enable\":false}");
	json_decref(j);
	buf_reset(&b);
	j = tfa_info_json(&infos[0]);
	sjson_dump(j, &b);
	assert_string_equal(buf_str(&b), "{\"type\":\"recovery\",\"id\":"
	    "\"recovery\",\"created\":1767225800}");
	json_decref(j);
	buf_clear(&b);
	free(infos);

	assert_true(tfacfg_find(cfg, "alice@pve", "recovery", &info));
	assert_int_equal(info.type, TFA_RECOVERY);
	assert_true(tfacfg_find(cfg, "alice@pve", want[3].id, &info));
	assert_int_equal(info.type, TFA_WEBAUTHN);
	assert_string_equal(info.description, "YubiKey 5");
	assert_false(tfacfg_find(cfg, "alice@pve", "nope", &info));
	assert_false(tfacfg_find(cfg, "nobody@pve", "recovery", &info));

	wa = tfacfg_enabled_entry(cfg, "alice@pve", TFA_WEBAUTHN, 0, &id);
	assert_non_null(wa);
	assert_string_equal(id, want[3].id);
	assert_int_equal(json_integer_value(json_object_get(wa, "counter")),
	    17);
	assert_null(tfacfg_enabled_entry(cfg, "alice@pve", TFA_WEBAUTHN, 1,
	    NULL));
	{
		const json_t *list[TFA_ENTRIES_MAX];

		assert_int_equal(tfacfg_enabled_entries(cfg, "alice@pve",
		    TFA_WEBAUTHN, list, TFA_ENTRIES_MAX), 1);
		assert_ptr_equal(list[0], wa);
		assert_int_equal(tfacfg_enabled_entries(cfg, "alice@pve",
		    TFA_WEBAUTHN, list, 0), 0);
		assert_int_equal(tfacfg_enabled_entries(cfg, "nobody@pve",
		    TFA_WEBAUTHN, list, TFA_ENTRIES_MAX), 0);
	}
	assert_true(tfacfg_has_enabled(cfg, "alice@pve", TFA_TOTP));
	assert_true(tfacfg_has_enabled(cfg, "alice@pve", TFA_RECOVERY));
	assert_false(tfacfg_has_enabled(cfg, "carol@ldap", TFA_TOTP));
	assert_true(tfacfg_has_enabled(cfg, "carol@ldap", TFA_YUBICO));

	n = tfacfg_users(cfg, &users);
	assert_int_equal(n, 3);
	assert_string_equal(users[0], "alice@pve");
	assert_string_equal(users[1], "bob@pam");
	assert_string_equal(users[2], "carol@ldap");
	free(users);
	assert_false(tfacfg_user_unusable(cfg, "alice@pve"));
	assert_true(tfacfg_user_unusable(cfg, "bob@pam"));
	assert_false(tfacfg_user_unusable(cfg, "carol@ldap"));
	/* bob's TOTP entry with an unknown field is still listed */
	n = tfacfg_list(cfg, "bob@pam", &infos);
	assert_int_equal(n, 1);
	assert_string_equal(infos[0].id, BOB_TOTP);
	free(infos);
	tfacfg_free(cfg);
}

static void
test_delete(void **state)
{
	struct tfacfg *cfg = parse(fixture, NOW, NULL);
	struct err err;
	bool left;
	char *got;

	(void)state;
	/* bob keeps his unknown entry type */
	assert_int_equal(tfacfg_delete(cfg, "bob@pam", BOB_TOTP, &left, &err),
	    0);
	assert_true(left);
	got = written(cfg);
	assert_non_null(strstr(got, "\"bob@pam\":{\"passkeys\":[{\"id\":\"p1\""));
	free(got);
	/* carol's only entry: the user goes */
	assert_int_equal(tfacfg_delete(cfg, "carol@ldap", "v1-entry", &left,
	    &err), 0);
	assert_false(left);
	assert_false(tfacfg_has_user(cfg, "carol@ldap"));
	assert_int_equal(tfacfg_delete(cfg, "carol@ldap", "v1-entry", &left,
	    &err), -1);
	assert_string_equal(err.msg, "no such entry");
	/* the recovery set by its id */
	assert_int_equal(tfacfg_delete(cfg, "alice@pve", "recovery", &left,
	    &err), 0);
	assert_true(left);
	assert_int_equal(tfacfg_recovery_unused(cfg, "alice@pve", NULL, 0), -1);
	got = written(cfg);
	assert_null(strstr(got, "\"recovery\""));
	free(got);
	assert_true(tfacfg_delete_user(cfg, "alice@pve"));
	assert_false(tfacfg_delete_user(cfg, "alice@pve"));
	tfacfg_free(cfg);
}

static void
test_recovery(void **state)
{
	struct tfacfg *cfg = parse(fixture, NOW, NULL);
	char codes[RECOVERY_COUNT][RECOVERY_CODE_LEN + 1];
	unsigned idx[16];
	struct err err;
	char *got;

	(void)state;
	assert_int_equal(tfacfg_recovery_unused(cfg, "alice@pve", idx, 16), 8);
	assert_int_equal(idx[0], 0);
	assert_int_equal(idx[2], 3);
	assert_int_equal(idx[6], 8);
	assert_true(tfacfg_totp_locked(cfg, "alice@pve"));
	/* a used slot, a wrong code, the code without dashes */
	assert_int_equal(tfacfg_recovery_use(cfg, "alice@pve",
	    "0000-1111-2222-3333"), -1);
	assert_int_equal(tfacfg_recovery_use(cfg, "alice@pve",
	    "0000-0000-0000-0000"), -1);
	assert_int_equal(tfacfg_recovery_use(cfg, "alice@pve",
	    "3f2a09bc77d1e4a0"), -1);
	assert_true(tfacfg_totp_locked(cfg, "alice@pve"));
	assert_int_equal(tfacfg_recovery_use(cfg, "alice@pve",
	    "3f2a-09bc-77d1-e4a0"), 0);
	/* used once; the locks are lifted as in Proxmox */
	assert_int_equal(tfacfg_recovery_use(cfg, "alice@pve",
	    "3f2a-09bc-77d1-e4a0"), -1);
	assert_false(tfacfg_totp_locked(cfg, "alice@pve"));
	assert_int_equal(tfacfg_locked_until(cfg, "alice@pve"), 0);
	assert_int_equal(tfacfg_recovery_unused(cfg, "alice@pve", idx, 16), 7);
	got = written(cfg);
	assert_non_null(strstr(got, "\"entries\":[null,"));
	assert_null(strstr(got, "totp-locked"));
	free(got);
	assert_int_equal(tfacfg_recovery_use(cfg, "bob@pam", "x"), -1);

	assert_int_equal(tfacfg_add_recovery(cfg, "alice@pve", false, NOW,
	    codes, &err), -1);
	assert_string_equal(err.msg, "user already has recovery keys");
	assert_int_equal(tfacfg_add_recovery(cfg, "alice@pve", true, NOW,
	    codes, &err), 0);
	assert_int_equal(tfacfg_recovery_unused(cfg, "alice@pve", idx, 16), 10);
	assert_int_equal(tfacfg_recovery_use(cfg, "alice@pve", codes[7]), 7);
	tfacfg_free(cfg);
}

static void
test_totp_verify(void **state)
{
	struct tfacfg *cfg = parse(fixture, NOW, NULL);
	char code[TOTP_DIGITS_MAX + 1];
	struct totp t;
	struct err err;
	const char *phone = "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP";
	const char *tablet = "otpauth://totp/x?secret=GEZDGNBVGY3TQOJQGEZDGNBV"
	    "GY3TQOJQ&digits=8&algorithm=SHA256&period=60";

	(void)state;
	assert_int_equal(totp_parse(phone, strlen(phone), &t, &err), 0);
	totp_code(&t, NOW / 30, code);
	totp_clear(&t);
	assert_int_equal(tfacfg_totp_verify(cfg, "alice@pve", code, NOW),
	    TFA_TOTP_OK);
	assert_int_equal(tfacfg_last_count(cfg, "alice@pve", ALICE_PHONE),
	    NOW / 30);
	assert_int_equal(tfacfg_totp_verify(cfg, "alice@pve", code, NOW),
	    TFA_TOTP_REUSED);
	/* the previous period's code is older than last-count */
	assert_int_equal(totp_parse(phone, strlen(phone), &t, &err), 0);
	totp_code(&t, NOW / 30 - 1, code);
	totp_clear(&t);
	assert_int_equal(tfacfg_totp_verify(cfg, "alice@pve", code, NOW),
	    TFA_TOTP_REUSED);
	/* the disabled tablet entry is not looked at */
	assert_int_equal(totp_parse(tablet, strlen(tablet), &t, &err), 0);
	totp_code(&t, NOW / 60, code);
	totp_clear(&t);
	assert_int_equal(tfacfg_totp_verify(cfg, "alice@pve", code, NOW),
	    TFA_TOTP_FAILED);
	assert_int_equal(tfacfg_totp_verify(cfg, "alice@pve", "12345", NOW),
	    TFA_TOTP_FAILED);
	assert_int_equal(tfacfg_totp_verify(cfg, "nobody@pve", "123456", NOW),
	    TFA_TOTP_FAILED);
	tfacfg_free(cfg);
}

static bool
uuid_shaped(const char *s)
{
	size_t i;

	if (strlen(s) != 36 || s[14] != '4')
		return false;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (strchr("0123456789abcdef", s[i]) == NULL) {
			return false;
		}
	}
	return strchr("89ab", s[19]) != NULL;
}

static void
test_add(void **state)
{
	struct tfacfg *cfg = tfacfg_new();
	char id[TFA_ID_MAX + 1], id2[TFA_ID_MAX + 1], want[512];
	const char *uri = "otpauth://totp/a?secret=jbswy3dpehpk3pxp===";
	json_t *cred = json_pack("{s:s,s:i}", "cred_id", "AAAA", "counter", 0);
	struct tfa_info *infos;
	struct totp t;
	struct err err;
	bool left;

	(void)state;
	assert_written(cfg, "{}");
	assert_int_equal(totp_parse(uri, strlen(uri), &t, &err), 0);
	assert_int_equal(tfacfg_add_totp(cfg, "dave@pve", "d", &t, NOW, id,
	    &err), 0);
	assert_int_equal(tfacfg_add_totp(cfg, "not a user", "d", &t, NOW, id,
	    &err), -1);
	totp_clear(&t);
	assert_true(uuid_shaped(id));
	snprintf(want, sizeof(want), "{\"users\":{\"dave@pve\":{\"totp\":[{"
	    "\"id\":\"%s\",\"description\":\"d\",\"created\":%d,\"entry\":"
	    "\"otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=6&algorithm="
	    "SHA1&period=30\"}]}}}", id, NOW);
	assert_written(cfg, want);
	assert_int_equal(tfacfg_add_yubico(cfg, "dave@pve", "", "ccccccbcgujh",
	    NOW, id2, &err), 0);
	assert_int_equal(tfacfg_add_webauthn(cfg, "dave@pve", "key", cred, NOW,
	    id2, &err), 0);
	assert_int_equal(tfacfg_list(cfg, "dave@pve", &infos), 3);
	assert_int_equal(infos[1].type, TFA_WEBAUTHN);
	assert_int_equal(infos[2].type, TFA_YUBICO);
	assert_string_equal(infos[2].description, "");
	free(infos);
	assert_int_equal(tfacfg_add_yubico(cfg, "dave@pve", "\xff", "x", NOW,
	    id, &err), -1);
	assert_int_equal(tfacfg_add_webauthn(cfg, "dave@pve", "k",
	    json_object_get(cred, "counter"), NOW, id, &err), -1);
	json_decref(cred);
	/* the lock flags need the user */
	assert_int_equal(tfacfg_set_totp_locked(cfg, "eve@pve", true, &err),
	    -1);
	assert_string_equal(err.msg, "no such user");
	assert_int_equal(tfacfg_set_totp_locked(cfg, "dave@pve", true, &err),
	    0);
	assert_int_equal(tfacfg_set_locked_until(cfg, "dave@pve", NOW + 3600,
	    &err), 0);
	assert_true(tfacfg_totp_locked(cfg, "dave@pve"));
	assert_int_equal(tfacfg_locked_until(cfg, "dave@pve"), NOW + 3600);
	assert_int_equal(tfacfg_unlock(cfg, "dave@pve", NOW, &left, &err), 0);
	assert_true(left);
	assert_int_equal(tfacfg_unlock(cfg, "dave@pve", NOW, &left, &err), 0);
	assert_false(left);
	assert_int_equal(tfacfg_unlock(cfg, "eve@pve", NOW, &left, &err), -1);
	assert_string_equal(err.msg, "no such user");
	assert_int_equal(tfacfg_delete(cfg, "dave@pve", id, &left, &err), 0);
	assert_true(left);
	tfacfg_free(cfg);
}

static void
test_load_rules(void **state)
{
	struct tfacfg *cfg;
	struct diag d;
	struct err err;
	char *want;

	(void)state;
	/* an expired tfa-locked-until is dropped on load */
	cfg = parse(fixture, 4102444801, NULL);
	want = fixture_with(",\"tfa-locked-until\":4102444800", "");
	assert_written(cfg, want);
	free(want);
	tfacfg_free(cfg);
	/* URIs canonical; PBS's server settings and empty lists dropped */
	cfg = parse("{\"webauthn\":{\"rp\":\"x\",\"id\":\"x\"},\"u2f\":{},"
	    "\"users\":{\"a@pve\":{\"u2f\":[],\"totp\":[{\"id\":\"t\","
	    "\"description\":\"\",\"created\":1,\"enable\":true,\"entry\":"
	    "\"otpauth://totp/a?secret=mzxw6===\"}],\"totp-locked\":false,"
	    "\"recovery\":null}}}", NOW, NULL);
	assert_written(cfg, "{\"users\":{\"a@pve\":{\"totp\":[{\"id\":\"t\","
	    "\"created\":1,\"entry\":\"otpauth://totp/a?secret=MZXW6&digits=6&"
	    "algorithm=SHA1&period=30\"}]}}}");
	tfacfg_free(cfg);
	/* an invalid user id is kept, said, never used */
	diag_init(&d);
	cfg = parse("{\"users\":{\"bad user\":{\"yubico\":[]},\"ok@pve\":"
	    "\"not an object\"}}", NOW, &d);
	assert_int_equal(d.count, 2);
	assert_string_equal(d.items[0].msg, "user tfa config - ignore user "
	    "'bad user' - invalid user name");
	assert_false(tfacfg_has_user(cfg, "bad user"));
	assert_true(tfacfg_user_unusable(cfg, "ok@pve"));
	assert_written(cfg, "{\"users\":{\"bad user\":{},\"ok@pve\":"
	    "\"not an object\"}}");
	tfacfg_free(cfg);
	diag_clear(&d);
	/* empty and blank files are empty; garbage is refused */
	cfg = parse("", NOW, NULL);
	assert_written(cfg, "{}");
	tfacfg_free(cfg);
	cfg = parse(" \n# comment\n", NOW, NULL);
	assert_written(cfg, "{}");
	tfacfg_free(cfg);
	assert_int_equal(tfacfg_parse("{\"users\":[]}", 12, NOW, "f", NULL,
	    &cfg, &err), -1);
	assert_string_equal(err.msg, "failed to parse TFA file, neither old "
	    "style nor valid json");
	assert_null(cfg);
	assert_int_equal(tfacfg_parse("[1]", 3, NOW, "f", NULL, &cfg, &err), -1);
}

/* A version-1 line for user, type and JSON. */
static void
v1_line(struct buf *b, const char *user, const char *type, const char *json)
{
	buf_putf(b, "%s:%s:", user, type);
	b64_encode_buf(b, json, strlen(json), true);
	buf_putc(b, '\n');
}

static void
test_v1(void **state)
{
	struct buf text = BUF_INIT;
	struct tfacfg *cfg;
	struct err err;

	(void)state;
	v1_line(&text, "alice@pve", "oath", "{\"keys\":\"JBSWY3DPEHPK3PXP, "
	    "v2-0x3132333435363738393031323334353637383930;v2-MZXW6===\","
	    "\"config\":{\"step\":\"60\",\"digits\":8}}");
	v1_line(&text, "bob@pam", "yubico", "{\"keys\":\"ccccccbcgujh "
	    "vvvvvvcurikt\"}");
	v1_line(&text, "carol@pve", "u2f", "{\"keyHandle\":\"mG2d3VlVKMpw\","
	    "\"publicKey\":\"BAf3bY0C\"}");
	v1_line(&text, "dan@pve", "u2f", "{\"challenge\":\"x\"}");
	cfg = parse(buf_str(&text), NOW, NULL);
	assert_written(cfg, "{\"users\":{"
	    "\"alice@pve\":{\"totp\":["
	    "{\"id\":\"v1-entry\",\"description\":\"<old version 1 entry>\","
	    "\"created\":0,\"entry\":\"otpauth://totp/alice%40pve?secret="
	    "JBSWY3DPEHPK3PXP&digits=8&algorithm=SHA1&period=60\"},"
	    "{\"id\":\"v1-entry\",\"description\":\"<old version 1 entry>\","
	    "\"created\":0,\"entry\":\"otpauth://totp/alice%40pve?secret="
	    "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&digits=8&algorithm=SHA1&"
	    "period=60\"},"
	    "{\"id\":\"v1-entry\",\"description\":\"<old version 1 entry>\","
	    "\"created\":0,\"entry\":\"otpauth://totp/alice%40pve?secret=MZXW6&"
	    "digits=8&algorithm=SHA1&period=60\"}]},"
	    "\"bob@pam\":{\"yubico\":["
	    "{\"id\":\"v1-entry\",\"description\":\"<old version 1 entry>\","
	    "\"created\":0,\"entry\":\"ccccccbcgujh\"},"
	    "{\"id\":\"v1-entry\",\"description\":\"<old version 1 entry>\","
	    "\"created\":0,\"entry\":\"vvvvvvcurikt\"}]},"
	    "\"carol@pve\":{\"u2f\":["
	    "{\"id\":\"v1-entry\",\"description\":\"<old version 1 entry>\","
	    "\"created\":0,\"entry\":{\"key\":{\"keyHandle\":\"mG2d3VlVKMpw\","
	    "\"version\":\"U2F_V2\"},\"public-key\":\"BAf3bY0C\"}}]},"
	    "\"dan@pve\":{}}}");
	tfacfg_free(cfg);
	/* any bad line refuses the file */
	buf_reset(&text);
	v1_line(&text, "alice@pve", "oath", "{\"keys\":\"short\",\"config\":{}}");
	assert_int_equal(tfacfg_parse(buf_str(&text), text.len, NOW, "f", NULL,
	    &cfg, &err), -1);
	buf_reset(&text);
	v1_line(&text, "alice@pve", "oath", "{\"keys\":\"JBSWY3DPEHPK3PXP\","
	    "\"config\":{\"step\":0}}");
	assert_int_equal(tfacfg_parse(buf_str(&text), text.len, NOW, "f", NULL,
	    &cfg, &err), -1);
	buf_reset(&text);
	v1_line(&text, "alice@pve", "sms", "{}");
	assert_int_equal(tfacfg_parse(buf_str(&text), text.len, NOW, "f", NULL,
	    &cfg, &err), -1);
	assert_int_equal(tfacfg_parse("a@pve:oath", 10, NOW, "f", NULL, &cfg,
	    &err), -1);
	buf_clear(&text);
}

static void
test_sjson(void **state)
{
	static const struct {
		const char *in, *out;
	} v[] = {
		{"[\"a\\u001fb\\/c\\u00e9\\n\\u2028\"]",
		    "[\"a\\u001fb/c\xc3\xa9\\n\xe2\x80\xa8\"]"},
		{"[1.0,0.5,100.0,1e21,1.5e-7,0.0001,-2.25,1e16,1e17,"
		    "123456789.125]",
		    "[1.0,0.5,100.0,1e21,1.5e-7,0.0001,-2.25,1e16,1e17,"
		    "123456789.125]"},
		{"{\"k\":[true,false,null,-9223372036854775808]}",
		    "{\"k\":[true,false,null,-9223372036854775808]}"},
		{"[\"nul\\u0000byte\"]", "[\"nul\\u0000byte\"]"},
	};
	struct buf b = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(v); i++) {
		json_t *j = json_loads(v[i].in, JSON_ALLOW_NUL, NULL);

		assert_non_null(j);
		buf_reset(&b);
		sjson_dump(j, &b);
		assert_string_equal(buf_str(&b), v[i].out);
		json_decref(j);
	}
	buf_clear(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_change_one_entry),
		cmocka_unit_test(test_last_count),
		cmocka_unit_test(test_list_find),
		cmocka_unit_test(test_delete),
		cmocka_unit_test(test_recovery),
		cmocka_unit_test(test_totp_verify),
		cmocka_unit_test(test_add),
		cmocka_unit_test(test_load_rules),
		cmocka_unit_test(test_v1),
		cmocka_unit_test(test_sjson),
	};

	return cmocka_run_group_tests(tests, load_fixture, free_fixture);
}
