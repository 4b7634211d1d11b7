/*
 * The TFA management handlers in-process (src/api/api_tfa*.c), for what
 * the integration tests cannot reach: a change over tfa.cfg and user.cfg
 * is one transaction (a refusal writes neither file, a failed user.cfg
 * write puts tfa.cfg back), the legacy keys are imported and marked, the
 * marker goes with the last entry and only then is user.cfg written,
 * pveum's own methods are not HTTP methods, a missing entry is a 404.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "api.h"
#include "fileio.h"
#include "tfa/tfacfg.h"
#include "../tmpdir_fixture.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

TMPDIR_FIXTURE("rg-tfa-api")

#define LEGACY_USER "user:leg@pve:1:0:::::JBSWY3DPEHPK3PXP:\n"

static void
put(const char *rel, const char *text)
{
	char path[256];
	struct err err;

	snprintf(path, sizeof(path), "%s/priv", dir);
	assert_int_equal(file_mkdirs(path, 0700, &err), 0);
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	assert_int_equal(file_write_atomic(path, text, strlen(text), 0600,
	    &err), 0);
}

/* The file's text, or NULL if it does not exist. */
static char *
get(const char *rel)
{
	char path[256];
	struct buf b = BUF_INIT;
	struct err err;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if (file_read(path, 1 << 20, &b, &err) < 0) {
		assert_int_equal(err.code, ERR_NOT_FOUND);
		return NULL;
	}
	return buf_steal(&b);
}

static char *
fixture(void)
{
	struct buf b = BUF_INIT;
	struct err err;

	assert_int_equal(file_read(TFA_FIXTURES "/tfa-proxmox.cfg", 1 << 20,
	    &b, &err), 0);
	return buf_steal(&b);
}

/* Call method path as root@pam with "k=v" parameters; 0 or -1. */
static int
call(const char *method, const char *tmpl, json_t **result_r,
    struct err *err, ...)
{
	const struct api_method *m = api_find_template(method, tmpl);
	json_t *params = json_object(), *result = NULL;
	struct api_env env;
	const char *kv;
	va_list ap;
	int rc;

	assert_non_null(m);
	va_start(ap, err);
	while ((kv = va_arg(ap, const char *)) != NULL) {
		const char *eq = strchr(kv, '=');
		char name[64];

		snprintf(name, sizeof(name), "%.*s", (int)(eq - kv), kv);
		json_object_set_new(params, name, json_string(eq + 1));
	}
	va_end(ap);
	api_env_init(&env, dir, "root@pam");
	env.now = time(NULL);
	rc = api_call(m, &env, params, &result, err);
	api_env_clear(&env);
	json_decref(params);
	if (result_r != NULL)
		*result_r = result;
	else
		json_decref(result);
	return rc;
}

static void
test_add_imports_and_marks(void **state)
{
	json_t *r;
	struct err err;
	char *u, *t;

	(void)state;
	put("user.cfg", LEGACY_USER);
	put("domains.cfg", "pve: pve\n\ttfa type=oath\n");
	assert_int_equal(call("POST", "/access/tfa/{userid}", &r, &err,
	    "userid=leg@pve", "type=recovery", NULL), 0);
	assert_string_equal(json_string_value(json_object_get(r, "id")),
	    "recovery");
	assert_int_equal(json_array_size(json_object_get(r, "recovery")), 10);
	json_decref(r);
	t = get("priv/tfa.cfg");
	assert_non_null(strstr(t, "\"<old userconfig key 0>\""));
	u = get("user.cfg");
	assert_non_null(strstr(u, "user:leg@pve:1:0:::::x:"));
	free(t);
	free(u);
	/* a second factor: nothing more to import */
	put("user.cfg", "user:leg@pve:1:0:::::x!kept:\n");
	assert_int_equal(call("DELETE", "/access/tfa/{userid}/{id}", NULL,
	    &err, "userid=leg@pve", "id=recovery", NULL), 0);
	/* the imported TOTP entry is left: user.cfg untouched */
	u = get("user.cfg");
	assert_string_equal(u, "user:leg@pve:1:0:::::x!kept:\n");
	free(u);
	assert_int_equal(call("PUT", "pveum user tfa delete", NULL, &err,
	    "userid=leg@pve", NULL), 0);
	u = get("user.cfg");
	assert_null(strstr(u, "x!kept"));
	free(u);
	t = get("priv/tfa.cfg");
	assert_string_equal(t, "{}");
	free(t);
}

static void
test_refusal_writes_nothing(void **state)
{
	struct err err;
	char *t;

	(void)state;
	/* a line user.cfg cannot read: its rewrite is refused */
	put("user.cfg", "user:new@pve:1:0::::::\nbogus:line\n");
	put("domains.cfg", "pve: pve\n");
	assert_int_equal(call("POST", "/access/tfa/{userid}", NULL, &err,
	    "userid=new@pve", "type=recovery", NULL), -1);
	assert_null(get("priv/tfa.cfg"));
	/* nor does a refused entry */
	put("user.cfg", "user:new@pve:1:0::::::\n");
	assert_int_equal(call("POST", "/access/tfa/{userid}", NULL, &err,
	    "userid=new@pve", "type=totp", "description=d",
	    "totp=otpauth://totp/x?secret=JBSWY3DPEHPK3PXP", "value=x", NULL),
	    -1);
	assert_string_equal(err.msg, "failed to verify TOTP challenge");
	assert_null(get("priv/tfa.cfg"));
	t = get("user.cfg");
	assert_string_equal(t, "user:new@pve:1:0::::::\n");
	free(t);
}

static void
test_user_write_failure_puts_tfa_back(void **state)
{
	char *proxmox = fixture(), *t, tmp[256];
	struct err err;

	(void)state;
	put("priv/tfa.cfg", proxmox);
	put("user.cfg", "user:new@pve:1:0::::::\n");
	put("domains.cfg", "pve: pve\n");
	/* user.cfg's temporary file cannot be made */
	snprintf(tmp, sizeof(tmp), "%s/user.cfg.tmp.%ld", dir,
	    (long)getpid());
	assert_int_equal(mkdir(tmp, 0700), 0);
	assert_int_equal(call("POST", "/access/tfa/{userid}", NULL, &err,
	    "userid=new@pve", "type=recovery", NULL), -1);
	t = get("priv/tfa.cfg");
	assert_string_equal(t, proxmox);
	free(t);
	rmdir(tmp);
	free(proxmox);
}

static void
test_lookups(void **state)
{
	struct err err;

	(void)state;
	put("user.cfg", "user:new@pve:1:0::::::\n");
	assert_int_equal(call("GET", "/access/tfa/{userid}/{id}", NULL, &err,
	    "userid=new@pve", "id=nope", NULL), -1);
	assert_int_equal(err.code, ERR_NO_OBJECT);
	assert_string_equal(err.msg, "No such tfa entry 'nope'");
	/* pveum's own words are no HTTP methods */
	assert_null(api_find("GET", "pveum user tfa list", NULL));
	assert_non_null(api_find_template("GET", "pveum user tfa list"));
	assert_non_null(api_find("GET", "/access/tfa/a@pve/x", NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_add_imports_and_marks,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusal_writes_nothing,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_user_write_failure_puts_tfa_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookups, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
