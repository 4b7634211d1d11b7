/*
 * Legacy user.cfg `keys` (src/core/tfa/legacy.c): which values are still
 * to import at add and at login, the realm `tfa` option, and the entries
 * made for oath and yubico realms, with Proxmox's URI and descriptions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tfa/legacy.h"
#include "tfa/tfacfg.h"

#include <stdlib.h>
#include <string.h>

static void
test_pending(void **state)
{
	(void)state;
	assert_false(tfa_keys_pending(NULL, TFA_KEYS_AT_ADD));
	assert_false(tfa_keys_pending("", TFA_KEYS_AT_ADD));
	assert_false(tfa_keys_pending("0", TFA_KEYS_AT_ADD));
	assert_false(tfa_keys_pending("x", TFA_KEYS_AT_ADD));
	assert_false(tfa_keys_pending("x!yubico", TFA_KEYS_AT_ADD));
	assert_true(tfa_keys_pending("xy", TFA_KEYS_AT_ADD));
	assert_true(tfa_keys_pending("JBSWY3DPEHPK3PXP", TFA_KEYS_AT_ADD));
	/* at login only x!... is a marker */
	assert_false(tfa_keys_pending(NULL, TFA_KEYS_AT_LOGIN));
	assert_false(tfa_keys_pending("x!oath", TFA_KEYS_AT_LOGIN));
	assert_true(tfa_keys_pending("x", TFA_KEYS_AT_LOGIN));
	assert_true(tfa_keys_pending("", TFA_KEYS_AT_LOGIN));
	assert_true(tfa_keys_pending("0", TFA_KEYS_AT_LOGIN));
}

static void
test_realm(void **state)
{
	struct tfa_realm r;
	struct err err;

	(void)state;
	assert_int_equal(tfa_realm_parse(NULL, &r, &err), 0);
	assert_int_equal(r.type, TFA_REALM_NONE);
	assert_int_equal(tfa_realm_parse("type=oath", &r, &err), 0);
	assert_int_equal(r.type, TFA_REALM_OATH);
	assert_int_equal(r.digits, 6);
	assert_int_equal(r.step, 30);
	assert_int_equal(tfa_realm_parse("digits=8,type=oath,step=60", &r,
	    &err), 0);
	assert_int_equal(r.digits, 8);
	assert_int_equal(r.step, 60);
	assert_int_equal(tfa_realm_parse("type=yubico,id=42,key=c2VjcmV0,"
	    "url=https://y.example/verify", &r, &err), 0);
	assert_int_equal(r.type, TFA_REALM_YUBICO);
	assert_string_equal(r.id, "42");
	assert_string_equal(r.key, "c2VjcmV0");
	assert_string_equal(r.url, "https://y.example/verify");
	tfa_realm_clear(&r);
	assert_int_equal(tfa_realm_parse("type=sms", &r, &err), -1);
	assert_int_equal(tfa_realm_parse("type=oath,digits=9", &r, &err), -1);
}

/* The entries of userid as "description|id" lines. */
static char *
dump(const struct tfacfg *cfg, const char *userid)
{
	struct tfa_info *infos;
	struct buf b = BUF_INIT;
	size_t n, i;

	n = tfacfg_list(cfg, userid, &infos);
	for (i = 0; i < n; i++)
		buf_putf(&b, "%s|%s\n", infos[i].description, infos[i].id);
	free(infos);
	return buf_steal(&b);
}

static void
test_import_oath(void **state)
{
	struct tfa_realm r;
	struct tfacfg *cfg = tfacfg_new();
	struct buf out = BUF_INIT;
	struct err err;
	size_t added;

	(void)state;
	assert_int_equal(tfa_realm_parse("type=oath,digits=8,step=60", &r,
	    &err), 0);
	/* valid: base32 16, hex 40, v2-0x hex (odd), v2- base32; not: short,
	 * lower-case base32, v2-0x with a non-hex digit */
	assert_int_equal(tfa_legacy_import(cfg, "alice@pve", &r,
	    "JBSWY3DPEHPK3PXP,short;jbswy3dpehpk3pxp "
	    "3132333435363738393031323334353637383930 v2-0xabc v2-MZXW6=== "
	    "v2-0xzz", 1000, &added, &err), 0);
	assert_int_equal(added, 4);
	tfacfg_write(cfg, &out);
	/* four entries with Proxmox's URI, numbered as taken */
	assert_non_null(strstr(buf_str(&out), "\"description\":\"<old "
	    "userconfig key 0>\",\"created\":1000,\"entry\":\"otpauth://totp/"
	    "Proxmox%20VE:Old%20key%20for%20alice%40pve?secret=JBSWY3DPEHPK3PXP"
	    "&digits=8&algorithm=SHA1&period=60&issuer=Proxmox%20VE\"}"));
	assert_non_null(strstr(buf_str(&out), "<old userconfig key 1>\","
	    "\"created\":1000,\"entry\":\"otpauth://totp/Proxmox%20VE:Old%20key"
	    "%20for%20alice%40pve?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&"));
	/* pack('H*', "abc") = ab c0 */
	assert_non_null(strstr(buf_str(&out), "<old userconfig key 2>\","
	    "\"created\":1000,\"entry\":\"otpauth://totp/Proxmox%20VE:Old%20key"
	    "%20for%20alice%40pve?secret=VPAA&"));
	/* MIME::Base32 reads '=' as a byte of bits: "foo\x1e\x9e\x9e" */
	assert_non_null(strstr(buf_str(&out), "<old userconfig key 3>\","
	    "\"created\":1000,\"entry\":\"otpauth://totp/Proxmox%20VE:Old%20key"
	    "%20for%20alice%40pve?secret=MZXW6HU6TY&"));
	assert_null(strstr(buf_str(&out), "<old userconfig key 4>"));
	buf_clear(&out);
	tfa_realm_clear(&r);
	tfacfg_free(cfg);
}

static void
test_import_yubico_none(void **state)
{
	struct tfa_realm r;
	struct tfacfg *cfg = tfacfg_new();
	struct err err;
	size_t added;
	char *got;

	(void)state;
	assert_int_equal(tfa_realm_parse("type=yubico,id=1,key=a2V5", &r,
	    &err), 0);
	/* the login variant's bare "x" becomes a bogus id, as in Proxmox */
	assert_int_equal(tfa_legacy_import(cfg, "bob@pam", &r,
	    " ccccccbcgujh;;vvvvvvcurikt , x", 5, &added, &err), 0);
	assert_int_equal(added, 3);
	got = dump(cfg, "bob@pam");
	assert_non_null(strstr(got, "<old userconfig key 0>|"));
	assert_non_null(strstr(got, "<old userconfig key 2>|"));
	free(got);
	assert_string_equal(json_string_value(tfacfg_enabled_entry(cfg,
	    "bob@pam", TFA_YUBICO, 2, NULL)), "x");
	tfa_realm_clear(&r);
	/* no realm TFA: the keys are dropped */
	assert_int_equal(tfa_realm_parse(NULL, &r, &err), 0);
	assert_int_equal(tfa_legacy_import(cfg, "carol@pve", &r,
	    "JBSWY3DPEHPK3PXP", 5, &added, &err), 0);
	assert_int_equal(added, 0);
	assert_false(tfacfg_has_user(cfg, "carol@pve"));
	tfacfg_free(cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pending),
		cmocka_unit_test(test_realm),
		cmocka_unit_test(test_import_oath),
		cmocka_unit_test(test_import_yubico_none),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
