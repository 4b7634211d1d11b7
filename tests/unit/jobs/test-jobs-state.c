/*
 * A realm-sync job's run state (src/core/jobs/jobs_io.c): what the
 * job-state fuzz target found - an error message cut inside a UTF-8
 * character (by the reader's 512-byte field, or by an error message's own
 * limit) was not UTF-8 any more, and writing the state dropped it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "jobs/jobs_state.h"
#include "utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tmpdir_fixture.h"

TMPDIR_FIXTURE("rg-jobstate")

static void
test_parse(void **state)
{
	struct buf text = BUF_INIT;
	struct jobs_state st;
	int i;

	(void)state;
	assert_int_equal(jobs_state_parse(NULL, 0, &st), -1);
	assert_int_equal(jobs_state_parse("{\"time\":0}", 10, &st), -1);
	buf_puts(&text, "{\"time\":5,\"error\":\"");
	for (i = 0; i < 300; i++)
		buf_puts(&text, "\xC3\xA9");	/* é: 600 bytes */
	buf_puts(&text, "\"}");
	assert_int_equal(jobs_state_parse(text.data, text.len, &st), 0);
	assert_int_equal(st.time, 5);
	/* cut at a character: 255 of them, 510 bytes */
	assert_int_equal(strlen(st.error), 510);
	assert_true(utf8_valid(st.error, strlen(st.error)));
	buf_clear(&text);
}

static void
test_write_keeps_error(void **state)
{
	struct jobs_state st, back;
	struct err err;

	(void)state;
	memset(&st, 0, sizeof(st));
	st.time = 7;
	/* an error message cut after the first byte of a character */
	snprintf(st.error, sizeof(st.error), "bind failed: caf\xC3");
	assert_int_equal(jobs_state_write(dir, "j1", &st, &err), 0);
	assert_int_equal(jobs_state_read(dir, "j1", &back), 0);
	assert_string_equal(back.error, "bind failed: caf\xEF\xBF\xBD");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test_setup_teardown(test_write_keeps_error, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
