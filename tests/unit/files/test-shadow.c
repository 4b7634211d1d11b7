/* priv/shadow.cfg: lenient parse, sorted write, get/set/delete, files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "files/shadow.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void
test_parse_write(void **state)
{
	const char text[] = "zed:$5$abc$def:\n"
	    "  alice:$y$j9T$x$y:  \r\n"
	    "\n"
	    "bad line\n"
	    "nohash::\n"
	    "a:b:c:\n"
	    "0:x:\n"
	    "alice:$5$new:\n"
	    "with space:x:\n";
	struct shadow_cfg *cfg;
	struct buf out = BUF_INIT;
	struct diag d;
	size_t i;

	(void)state;
	diag_init(&d);
	cfg = shadow_parse(text, sizeof(text) - 1, "priv/shadow.cfg", &d);
	assert_string_equal(shadow_get(cfg, "alice"), "$5$new");
	/* greedy like Perl: the name is everything before the last colon */
	assert_string_equal(shadow_get(cfg, "a:b"), "c");
	assert_null(shadow_get(cfg, "0"));
	assert_int_equal(d.count, 3);
	assert_int_equal(d.items[0].line, 4);
	assert_int_equal(d.items[1].line, 5);
	assert_int_equal(d.items[2].line, 9);
	for (i = 0; i < d.count; i++)
		assert_null(strstr(d.items[i].msg, "$"));
	shadow_write(cfg, &out);
	assert_string_equal(buf_str(&out),
	    "a:b:c:\nalice:$5$new:\nzed:$5$abc$def:\n");
	buf_clear(&out);
	shadow_free(cfg);
	diag_clear(&d);
}

static void
test_set_delete_files(void **state)
{
	char dir[] = "/tmp/rg-shadow-XXXXXX";
	struct shadow_cfg *cfg = shadow_new(), *back = NULL;
	struct buf path = BUF_INIT;
	struct stat st;
	struct err err;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(shadow_set(cfg, "bob", "$5$s$h", &err), 0);
	assert_int_equal(shadow_set(cfg, "carol", "$5$t$i", &err), 0);
	assert_int_equal(shadow_set(cfg, "bo b", "$5$x", &err), -1);
	assert_int_equal(shadow_set(cfg, "bob", "a:b", &err), -1);
	assert_int_equal(shadow_set(cfg, "bob", "", &err), -1);
	assert_true(shadow_delete(cfg, "carol"));
	assert_false(shadow_delete(cfg, "carol"));
	assert_int_equal(shadow_save(dir, cfg, &err), 0);
	buf_putf(&path, "%s/priv", dir);
	assert_int_equal(stat(buf_str(&path), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	buf_puts(&path, "/shadow.cfg");
	assert_int_equal(stat(buf_str(&path), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(shadow_load(dir, NULL, &back, &err), 0);
	assert_int_equal(shadow_count(back), 1);
	assert_string_equal(shadow_get(back, "bob"), "$5$s$h");
	unlink(buf_str(&path));
	buf_reset(&path);
	buf_putf(&path, "%s/priv", dir);
	rmdir(buf_str(&path));
	shadow_free(back);
	/* missing file: empty config */
	assert_int_equal(shadow_load(dir, NULL, &back, &err), 0);
	assert_int_equal(shadow_count(back), 0);
	rmdir(dir);
	shadow_free(back);
	shadow_free(cfg);
	buf_clear(&path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_write),
		cmocka_unit_test(test_set_delete_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
