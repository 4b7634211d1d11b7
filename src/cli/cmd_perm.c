/*
 * `realmgate permissions --batch FILE`: one "AUTHID PATH" per input line,
 * one "AUTHID PATH PRIVS" per output line (PRIVS sorted and comma-joined,
 * or "-").  For audits, scripts and the compatibility vectors.
 */
#include "cli.h"
#include "cfs/cfs.h"
#include "fileio.h"
#include "perm.h"
#include "str.h"
#include "ucfg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct ucfg *
load_user_cfg(struct cli *cli)
{
	struct buf path = BUF_INIT, text = BUF_INIT;
	struct ucfg *cfg = NULL;
	struct err err;

	cfs_path(cli->config_dir, "user.cfg", &path);
	if (file_read(buf_str(&path), FILE_MAX_CONFIG, &text, &err) < 0 &&
	    err.code != ERR_NOT_FOUND) {
		cli_error(cli, "%s", err.msg);
		goto out;
	}
	cfg = ucfg_parse(buf_str(&text), text.len, buf_str(&path), NULL);
out:
	buf_clear(&path);
	buf_clear(&text);
	return cfg;
}

static void
print_privs(struct buf *out, privset_t privs)
{
	bool first = true;
	unsigned i;

	for (i = 0; i < PRIV_COUNT; i++) {
		if (!(privs & (UINT64_C(1) << i)))
			continue;
		if (!first)
			buf_putc(out, ',');
		buf_puts(out, priv_name(i));
		first = false;
	}
	if (first)
		buf_putc(out, '-');
}

int
cmd_permissions_batch(struct cli *cli, int argc, char **argv)
{
	struct buf in = BUF_INIT, out = BUF_INIT;
	struct perm_roles scratch;
	struct ucfg *cfg;
	struct err err;
	size_t pos = 0;

	if (argc != 3 || strcmp(argv[1], "--batch") != 0) {
		cli_error(cli, "usage: realmgate permissions --batch FILE");
		return 2;
	}
	if (file_read(strcmp(argv[2], "-") == 0 ? "/dev/stdin" : argv[2],
	    FILE_MAX_CONFIG, &in, &err) < 0) {
		cli_error(cli, "%s", err.msg);
		return 1;
	}
	cfg = load_user_cfg(cli);
	if (cfg == NULL) {
		buf_clear(&in);
		return 1;
	}
	perm_roles_init(&scratch);
	while (pos < in.len) {
		char *line = in.data + pos, *nl, *sp;
		struct perm_set ps;

		nl = memchr(line, '\n', in.len - pos);
		if (nl != NULL)
			*nl = '\0';
		pos += strlen(line) + 1;
		sp = strchr(line, ' ');
		if (sp == NULL)
			continue;
		*sp = '\0';
		perm_compute(cfg, line, sp + 1, &ps, &scratch);
		buf_putf(&out, "%s %s ", line, sp + 1);
		print_privs(&out, ps.privs);
		buf_putc(&out, '\n');
	}
	fwrite(out.data, 1, out.len, stdout);
	perm_roles_clear(&scratch);
	ucfg_free(cfg);
	buf_clear(&in);
	buf_clear(&out);
	return 0;
}
