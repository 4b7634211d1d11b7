/*
 * Proxmox's TFA failure counters (src/core/tfa/failures.c): 8 TOTP
 * failures reach the TOTP limit, 100 failures of any factor the TFA
 * limit; a success resets what Proxmox resets; the admin unlock both;
 * the file is private and holds only users who failed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fileio.h"
#include "tfa/failures.h"
#include "../tmpdir_fixture.h"

#include <string.h>
#include <sys/stat.h>

TMPDIR_FIXTURE("rg-tfa-fail")

static void
test_limits(void **state)
{
	struct tfa_failures f;
	struct err err;
	int i;

	(void)state;
	for (i = 1; i <= 7; i++) {
		assert_int_equal(tfa_failures_record(dir, "a@pve", true, &f,
		    &err), 0);
		assert_int_equal(f.totp, (unsigned)i);
		assert_false(f.totp_limit);
	}
	assert_int_equal(tfa_failures_record(dir, "a@pve", true, &f, &err), 0);
	assert_true(f.totp_limit);
	assert_false(f.tfa_limit);
	/* not reset by reaching it: the next one is over it too */
	assert_int_equal(tfa_failures_record(dir, "a@pve", true, &f, &err), 0);
	assert_true(f.totp_limit);
	assert_int_equal(f.totp, 9);
	/* a failed recovery code counts for tfa only */
	assert_int_equal(tfa_failures_record(dir, "a@pve", false, &f, &err), 0);
	assert_false(f.totp_limit);
	assert_int_equal(f.totp, 9);
	assert_int_equal(f.tfa, 10);
	for (i = 11; i <= 100; i++)
		assert_int_equal(tfa_failures_record(dir, "a@pve", false, &f,
		    &err), 0);
	assert_true(f.tfa_limit);
	assert_int_equal(f.tfa, 100);
	/* another user is counted apart */
	assert_int_equal(tfa_failures_get(dir, "b@pve", &f, &err), 0);
	assert_int_equal(f.tfa, 0);
}

static void
test_resets(void **state)
{
	struct tfa_failures f;
	struct buf text = BUF_INIT;
	struct stat st;
	struct err err;
	char path[128];

	(void)state;
	assert_int_equal(tfa_failures_record(dir, "a@pve", true, &f, &err), 0);
	assert_int_equal(tfa_failures_record(dir, "b@pve", true, &f, &err), 0);
	/* a WebAuthn success: tfa only */
	assert_int_equal(tfa_failures_success(dir, "a@pve", false, &err), 0);
	assert_int_equal(tfa_failures_get(dir, "a@pve", &f, &err), 0);
	assert_int_equal(f.tfa, 0);
	assert_int_equal(f.totp, 1);
	snprintf(path, sizeof(path), "%s/%s", dir, TFA_FAILURES_FILE);
	assert_int_equal(file_read(path, 4096, &text, &err), 0);
	assert_string_equal(buf_str(&text), "{\"a@pve\":{\"totp_failures\":1},"
	    "\"b@pve\":{\"totp_failures\":1,\"tfa_failures\":1}}");
	buf_clear(&text);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* a TOTP success: both, and the user leaves the file */
	assert_int_equal(tfa_failures_success(dir, "a@pve", true, &err), 0);
	assert_int_equal(tfa_failures_reset(dir, "b@pve", &err), 0);
	assert_int_equal(file_read(path, 4096, &text, &err), 0);
	assert_string_equal(buf_str(&text), "{}");
	buf_clear(&text);
	assert_int_equal(tfa_failures_record(dir, "not a user", true, &f,
	    &err), -1);
	/* an unreadable file starts again */
	assert_int_equal(file_write_atomic(path, "[garbage", 8, 0600, &err), 0);
	assert_int_equal(tfa_failures_record(dir, "a@pve", false, &f, &err), 0);
	assert_int_equal(f.tfa, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resets, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
