/* priv/token.cfg: strict line format, sorted write, per-user delete. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "files/tokencfg.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define S1 "11111111-2222-3333-4444-555555555555"
#define S2 "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"

static void
test_parse_write(void **state)
{
	const char text[] = "root@pam!bb " S1 "\n"
	    "alice@pve!ci " S2 "\n"
	    "alice@pve!x  " S1 "\n"
	    "alice@pve!crlf " S1 "\r\n"
	    "notatoken " S1 "\n"
	    "\n"
	    "alice@pve!only\n"
	    "root@pam!bb " S2 "\n";
	struct tokencfg *cfg;
	struct buf out = BUF_INIT;
	struct diag d;
	size_t i;

	(void)state;
	diag_init(&d);
	cfg = tokencfg_parse(text, sizeof(text) - 1, "priv/token.cfg", &d);
	assert_int_equal(tokencfg_count(cfg), 2);
	assert_string_equal(tokencfg_get(cfg, "root@pam!bb"), S2);
	assert_true(tokencfg_verify(cfg, "alice@pve!ci", S2));
	assert_false(tokencfg_verify(cfg, "alice@pve!ci", S1));
	assert_false(tokencfg_verify(cfg, "nobody@pve!x", S1));
	assert_int_equal(d.count, 5);
	for (i = 0; i < d.count; i++) {
		assert_null(strstr(d.items[i].msg, "1111"));
		assert_true(d.items[i].dropped);
	}
	assert_int_equal(d.items[0].line, 3);
	tokencfg_write(cfg, &out);
	assert_string_equal(buf_str(&out),
	    "alice@pve!ci " S2 "\nroot@pam!bb " S2 "\n");
	buf_clear_secret(&out);
	tokencfg_free(cfg);
	diag_clear(&d);
}

/* Hashed secrets (realmgate) and plain ones (Proxmox) both verify. */
static void
test_hashed_and_plain(void **state)
{
	struct tokencfg *cfg = tokencfg_new();
	const char *secret = "0b5b4dd4-0d4a-4a9c-9e31-2c4f1d2e3f40";
	struct err err;
	const char *stored;

	(void)state;
	assert_int_equal(tokencfg_set_hashed(cfg, "a@pve!new", secret, &err),
	    0);
	stored = tokencfg_get(cfg, "a@pve!new");
	assert_non_null(stored);
	assert_true(strncmp(stored, "$rgt1$", 6) == 0);
	assert_null(strstr(stored, secret));
	assert_true(tokencfg_verify(cfg, "a@pve!new", secret));
	assert_false(tokencfg_verify(cfg, "a@pve!new",
	    "0b5b4dd4-0d4a-4a9c-9e31-2c4f1d2e3f41"));
	assert_false(tokencfg_verify(cfg, "a@pve!new", ""));
	/* a second hash of the same secret has another salt */
	assert_int_equal(tokencfg_set_hashed(cfg, "a@pve!two", secret, &err),
	    0);
	assert_string_not_equal(tokencfg_get(cfg, "a@pve!two"), stored);
	/* Proxmox's plain form */
	assert_int_equal(tokencfg_set(cfg, "a@pve!old", secret, &err), 0);
	assert_true(tokencfg_verify(cfg, "a@pve!old", secret));
	assert_false(tokencfg_verify(cfg, "a@pve!old", "wrong"));
	/* a malformed hash verifies nothing */
	assert_int_equal(tokencfg_set(cfg, "a@pve!bad", "$rgt1$nodollar",
	    &err), 0);
	assert_false(tokencfg_verify(cfg, "a@pve!bad", "nodollar"));
	tokencfg_free(cfg);
}

static void
test_set_delete_files(void **state)
{
	char dir[] = "/tmp/rg-token-XXXXXX";
	struct tokencfg *cfg = tokencfg_new(), *back = NULL;
	struct buf path = BUF_INIT;
	struct stat st;
	struct err err;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(tokencfg_set(cfg, "a@pve!t1", S1, &err), 0);
	assert_int_equal(tokencfg_set(cfg, "a@pve!t2", S2, &err), 0);
	assert_int_equal(tokencfg_set(cfg, "ab@pve!t1", S2, &err), 0);
	assert_int_equal(tokencfg_set(cfg, "a@pve!t3", "two words", &err), -1);
	assert_int_equal(tokencfg_set(cfg, "a@pve", S1, &err), -1);
	assert_int_equal(tokencfg_delete_user(cfg, "a@pve"), 2);
	assert_int_equal(tokencfg_count(cfg), 1);
	assert_true(tokencfg_delete(cfg, "ab@pve!t1"));
	assert_false(tokencfg_delete(cfg, "ab@pve!t1"));
	assert_int_equal(tokencfg_set(cfg, "z@pam!kk", S1, &err), 0);
	assert_int_equal(tokencfg_save(dir, cfg, &err), 0);
	buf_putf(&path, "%s/priv/token.cfg", dir);
	assert_int_equal(stat(buf_str(&path), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(tokencfg_load(dir, NULL, &back, &err), 0);
	assert_string_equal(tokencfg_get(back, "z@pam!kk"), S1);
	unlink(buf_str(&path));
	buf_reset(&path);
	buf_putf(&path, "%s/priv", dir);
	rmdir(buf_str(&path));
	rmdir(dir);
	tokencfg_free(back);
	tokencfg_free(cfg);
	buf_clear(&path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_write),
		cmocka_unit_test(test_set_delete_files),
		cmocka_unit_test(test_hashed_and_plain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
