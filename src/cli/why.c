/*
 * The permission "why": recompute a subject's permissions on each path
 * with grant tracking and print, per privilege, where it came from, in the
 * words of user.cfg (the ACL line that grants it).
 */
#include "why.h"
#include "cfs/cfs.h"
#include "fileio.h"
#include "ids.h"
#include "perm.h"
#include "str.h"

#include <stdio.h>
#include <string.h>

static void
describe(const struct perm_grant *g, struct buf *out)
{
	buf_reset(out);
	if (g->node == NULL) {
		buf_puts(out, "root@pam has every privilege on every path");
		return;
	}
	buf_putf(out, "role %s from acl:%d:%s:%s%s", g->role,
	    g->propagate || g->pool != NULL ? 1 : 0, g->node->path,
	    g->kind == ACL_GROUP ? "@" : "", g->subject);
	if (g->kind == ACL_GROUP)
		buf_putf(out, " (member of group %s)", g->subject);
	if (g->pool != NULL)
		buf_putf(out, " (through pool %s)", g->pool->id);
}

static void
why_path(const struct ucfg *cfg, const char *authid, const char *path)
{
	struct perm_roles why;
	struct perm_set ps;
	struct buf line = BUF_INIT;
	unsigned i;
	size_t g;

	perm_roles_init(&why);
	perm_compute(cfg, authid, path, &ps, &why);
	printf("%s on %s:\n", authid, path);
	if (ps.privs == 0)
		printf("  no privileges\n");
	for (i = 0; i < PRIV_COUNT; i++) {
		if (!(ps.privs & (UINT64_C(1) << i)))
			continue;
		printf("  %s%s\n", priv_name(i),
		    (ps.prop >> i) & 1 ? " (*)" : "");
		for (g = 0; g < why.count; g++) {
			const struct ucfg_role *r = ucfg_role(cfg,
			    why.grants[g].role);

			if (why.grants[g].node != NULL &&
			    (r == NULL || !(r->privs & (UINT64_C(1) << i))))
				continue;
			describe(&why.grants[g], &line);
			printf("      %s\n", buf_str(&line));
		}
	}
	if (strchr(authid, '!') != NULL && ucfg_token(cfg, authid) != NULL &&
	    ucfg_token(cfg, authid)->privsep)
		printf("  (a privilege-separated token: limited to what %s "
		    "has on this path)\n", ucfg_token(cfg, authid)->user->id);
	perm_roles_clear(&why);
	buf_clear(&line);
}

int
why_print(struct cli *cli, json_t *params)
{
	const char *authid = json_string_value(json_object_get(params,
	    "userid"));
	const char *path = json_string_value(json_object_get(params, "path"));
	struct buf file = BUF_INIT, text = BUF_INIT;
	struct ucfg *cfg;
	struct err err;
	size_t i;

	if (authid == NULL)
		authid = "root@pam";
	cfs_path(cli->config_dir, "user.cfg", &file);
	if (file_read(buf_str(&file), FILE_MAX_CONFIG, &text, &err) < 0 &&
	    err.code != ERR_NOT_FOUND) {
		cli_error(cli, "%s", err.msg);
		buf_clear(&file);
		return -1;
	}
	cfg = ucfg_parse(buf_str(&text), text.len, buf_str(&file), NULL);
	if (path != NULL) {
		why_path(cfg, authid, path);
	} else {
		static const char *const top[] = {"/", "/access",
		    "/access/groups", "/nodes", "/pool", "/sdn", "/storage",
		    "/vms"};

		for (i = 0; i < ARRAY_SIZE(top); i++)
			why_path(cfg, authid, top[i]);
	}
	ucfg_free(cfg);
	buf_clear(&file);
	buf_clear(&text);
	return 0;
}
