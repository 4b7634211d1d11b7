/*
 * `realmgate config canonical KIND FILE`: parse a config file and print
 * exactly what realmgate would write back, warnings to stderr.  This is the
 * compatibility check against Proxmox's own writer.
 */
#include "cli.h"
#include "diag.h"
#include "fileio.h"
#include "ucfg.h"

#include <stdio.h>
#include <string.h>

static void
print_diag(const struct diag *d)
{
	size_t i;

	for (i = 0; i < d->count; i++)
		fprintf(stderr, "%s:%u: %s\n", d->items[i].file,
		    d->items[i].line, d->items[i].msg);
}

int
cmd_config(struct cli *cli, int argc, char **argv)
{
	struct buf text = BUF_INIT, out = BUF_INIT;
	struct diag diag;
	struct err err;
	struct ucfg *cfg;

	if (argc != 4 || strcmp(argv[1], "canonical") != 0) {
		cli_error(cli, "usage: realmgate config canonical KIND FILE");
		return 2;
	}
	if (file_read(argv[3], FILE_MAX_CONFIG, &text, &err) < 0) {
		cli_error(cli, "%s", err.msg);
		return 1;
	}
	diag_init(&diag);
	if (strcmp(argv[2], "user.cfg") == 0) {
		cfg = ucfg_parse(buf_str(&text), text.len, argv[3], &diag);
		ucfg_write(cfg, &out);
		ucfg_free(cfg);
	} else {
		cli_error(cli, "unknown config kind '%s'", argv[2]);
		buf_clear(&text);
		return 2;
	}
	print_diag(&diag);
	fwrite(out.data, 1, out.len, stdout);
	diag_clear(&diag);
	buf_clear(&text);
	buf_clear(&out);
	return 0;
}
