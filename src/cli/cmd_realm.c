/*
 * `realmgate realm check REALM [--password PW]`: test an LDAP/AD realm's
 * servers, bind and base DN, one line per step, and exit non-zero naming
 * the step that failed.  The admin's first tool when logins or syncs of a
 * directory realm stop working.
 */
#include "api.h"
#include "cli.h"
#include "files/domains.h"
#include "realm.h"

#include <stdio.h>
#include <string.h>

int
cmd_realm_check(struct cli *cli, int argc, char **argv)
{
	struct domains_cfg *d = NULL;
	const struct domains_realm *r;
	const struct realm_ops *ops;
	const char *password = NULL;
	struct realm_ctx ctx;
	struct api_env env;
	struct buf report = BUF_INIT;
	struct err err;
	int i, rc = 1;

	if (argc < 3) {
		cli_error(cli, "usage: realmgate realm check REALM "
		    "[--password PW]");
		return 2;
	}
	for (i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--password") == 0 && i + 1 < argc) {
			password = argv[++i];
		} else {
			cli_error(cli, "realm check: unknown option '%s'",
			    argv[i]);
			return 2;
		}
	}
	if (domains_load(cli->config_dir, NULL, &d, &err) < 0) {
		cli_error(cli, "%s", err.msg);
		return 1;
	}
	if ((r = domains_realm_require(d, argv[2], &err)) == NULL) {
		cli_error(cli, "%s", err.msg);
		goto out;
	}
	ops = realm_driver(realm_type_name(r->type));
	if (ops == NULL || ops->check == NULL) {
		cli_error(cli, "realm '%s' has type '%s': there is no directory "
		    "to check", r->id, realm_type_name(r->type));
		goto out;
	}
	api_env_init(&env, cli->config_dir, "root@pam");
	api_realm_ctx(&env, r, &ctx);
	rc = ops->check(&ctx, password, &report, &err) < 0 ? 1 : 0;
	fputs(buf_str(&report), stdout);
	if (rc != 0)
		printf("FAILED: %s\n", err.msg);
	else
		printf("realm %s: ok\n", r->id);
	api_env_clear(&env);
out:
	buf_clear(&report);
	domains_free(d);
	return rc;
}
