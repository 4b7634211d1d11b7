/*
 * An ldap realm's bind password, priv/realm/<realm>.pw
 * (src/realms/ldapc_conf.c): the first line, as Proxmox reads it.  An
 * empty first line (or an empty file, which the ldap-conf fuzz target
 * found passed NULL to memcpy) is no password at all - never an empty
 * one, which would make the service bind unauthenticated.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ldapc_conf.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

static int
setup(void **state)
{
	char path[128];

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/rg-ldapconf-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/priv", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/priv/realm", dir);
	return mkdir(path, 0700);
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *
opt(const char *key, void *arg)
{
	(void)arg;
	if (strcmp(key, "server1") == 0)
		return "ldap.example";
	if (strcmp(key, "bind_dn") == 0)
		return "cn=admin,dc=example";
	return NULL;
}

/* The bind password read from a .pw file holding data. */
static char *
bind_pw(const char *data, size_t len)
{
	struct realm_ctx r = {"corp", "ldap", dir, NULL, 0, opt, NULL};
	struct ldapc_conf c;
	struct err err;
	char path[128], *pw;
	int fd;

	snprintf(path, sizeof(path), "%s/priv/realm/corp.pw", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	assert_int_equal(ldapc_conf_load(&c, &r, &err), 0);
	pw = c.bind_pw != NULL ? strdup(c.bind_pw) : NULL;
	ldapc_conf_clear(&c);
	return pw;
}

static void
test_first_line(void **state)
{
	char *pw;

	(void)state;
	pw = bind_pw("s3cret\nsecond\n", 14);
	assert_string_equal(pw, "s3cret");
	free(pw);
	pw = bind_pw("s3cret\r\n", 8);
	assert_string_equal(pw, "s3cret");
	free(pw);
}

static void
test_empty_is_none(void **state)
{
	(void)state;
	assert_null(bind_pw("", 0));
	assert_null(bind_pw("\n", 1));
	assert_null(bind_pw("\r\nx\n", 4));
	assert_null(bind_pw("\0x\n", 3));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_first_line, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_empty_is_none, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
