/*
 * `realmgate config canonical KIND FILE`: parse a config file and print
 * exactly what realmgate would write back, warnings to stderr.  This is
 * the compatibility check against Proxmox's own writers.
 *
 * `realmgate check-config`: read every file of the config directory and
 * report each problem with file:line; exit 1 if there is any.
 */
#include "cli.h"
#include "cfs/cfs.h"
#include "compiler.h"
#include "diag.h"
#include "fileio.h"
#include "files/domains.h"
#include "files/shadow.h"
#include "files/tokencfg.h"
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

/* Parse text as KIND and write the canonical form to out. */
static int
canonical(const char *kind, const struct buf *text, const char *file,
    struct diag *diag, struct buf *out)
{
	const char *t = buf_str(text);

	if (strcmp(kind, "user.cfg") == 0) {
		struct ucfg *cfg = ucfg_parse(t, text->len, file, diag);

		ucfg_write(cfg, out);
		ucfg_free(cfg);
	} else if (strcmp(kind, "domains.cfg") == 0) {
		struct domains_cfg *cfg = domains_parse(t, text->len, file,
		    diag);

		domains_write(cfg, out);
		domains_free(cfg);
	} else if (strcmp(kind, "shadow.cfg") == 0) {
		struct shadow_cfg *cfg = shadow_parse(t, text->len, file, diag);

		shadow_write(cfg, out);
		shadow_free(cfg);
	} else if (strcmp(kind, "token.cfg") == 0) {
		struct tokencfg *cfg = tokencfg_parse(t, text->len, file, diag);

		tokencfg_write(cfg, out);
		tokencfg_free(cfg);
	} else {
		return -1;
	}
	return 0;
}

int
cmd_config(struct cli *cli, int argc, char **argv)
{
	struct buf text = BUF_INIT, out = BUF_INIT;
	struct diag diag;
	struct err err;
	int rc = 1;

	if (argc != 4 || strcmp(argv[1], "canonical") != 0) {
		cli_error(cli, "usage: realmgate config canonical "
		    "user.cfg|domains.cfg|shadow.cfg|token.cfg FILE");
		return 2;
	}
	if (file_read(argv[3], FILE_MAX_CONFIG, &text, &err) < 0) {
		cli_error(cli, "%s", err.msg);
		return 1;
	}
	diag_init(&diag);
	if (canonical(argv[2], &text, argv[3], &diag, &out) < 0) {
		cli_error(cli, "unknown config kind '%s'", argv[2]);
		rc = 2;
	} else {
		print_diag(&diag);
		fwrite(out.data, 1, out.len, stdout);
		rc = 0;
	}
	diag_clear(&diag);
	buf_clear(&text);
	buf_clear_secret(&out);
	return rc;
}

/*
 * Directory realms that talk TLS without `verify` keep Proxmox's meaning
 * (no certificate check): legal, but worth a warning.
 */
static size_t
lint_realms(const struct cli *cli)
{
	struct domains_cfg *d = NULL;
	struct err err;
	size_t i, n = 0;

	if (domains_load(cli->config_dir, NULL, &d, &err) < 0)
		return 0;
	for (i = 0; i < domains_realm_count(d); i++) {
		const struct domains_realm *r = domains_realm_at(d, i);
		const char *mode = domains_realm_get(r, DP_MODE);
		bool tls = mode != NULL ? strcmp(mode, "ldap") != 0
		    : domains_realm_bool(r, DP_SECURE, false);

		if ((r->type != REALM_LDAP && r->type != REALM_AD) || !tls ||
		    domains_realm_get(r, DP_VERIFY) != NULL)
			continue;
		printf("domains.cfg: realm '%s' uses TLS without 'verify': the "
		    "server certificate is not checked (Proxmox's default); "
		    "set verify 1 (and capath)\n", r->id);
		n++;
	}
	domains_free(d);
	return n;
}

int
cmd_check_config(struct cli *cli, int argc, char **argv)
{
	static const struct {
		const char *kind, *rel;
		bool secret;
	} files[] = {
		{"user.cfg", "user.cfg", false},
		{"domains.cfg", "domains.cfg", false},
		{"shadow.cfg", "priv/shadow.cfg", true},
		{"token.cfg", "priv/token.cfg", true},
	};
	struct diag diag;
	size_t i, problems = 0;

	(void)argv;
	if (argc != 1) {
		cli_error(cli, "usage: realmgate [--config-dir DIR] "
		    "check-config");
		return 2;
	}
	diag_init(&diag);
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		struct buf path = BUF_INIT, text = BUF_INIT, out = BUF_INIT;
		struct err err;
		int rc;

		cfs_path(cli->config_dir, files[i].rel, &path);
		rc = cfs_read(cli->config_dir, files[i].rel,
		    files[i].secret ? 0 : FILE_MAX_CONFIG, &text, &err);
		if (rc < 0 && err.code != ERR_NOT_FOUND) {
			fprintf(stderr, "%s: %s\n", buf_str(&path), err.msg);
			problems++;
		} else if (rc == 0) {
			canonical(files[i].kind, &text, buf_str(&path), &diag,
			    &out);
		}
		buf_clear(&path);
		buf_clear_secret(&text);
		buf_clear_secret(&out);
	}
	print_diag(&diag);
	problems += diag.count + lint_realms(cli);
	if (problems == 0)
		printf("%s: configuration OK\n", cli->config_dir);
	else
		printf("%s: %zu problem(s) found\n", cli->config_dir, problems);
	diag_clear(&diag);
	return problems == 0 ? 0 : 1;
}
