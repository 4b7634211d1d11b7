/*
 * realmgate's command-line entry point.  One binary serves as `realmgate
 * <command>` and, when called as `pveum`, with Proxmox's pveum syntax.
 */
#include "audit.h"
#include "cfs/cfs.h"
#include "cli.h"
#include "daemon.h"
#include "lockout/lockout.h"
#include "pveum.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
cli_error(const struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	(void)cli;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void
usage(void)
{
	fputs("usage: realmgate [--config-dir DIR] [--store URL] <command> "
	      "...\n"
	      "commands:\n"
	      "  config canonical KIND FILE   print the canonical rewrite\n"
	      "  permissions --batch FILE     AUTHID PATH per line\n"
	      "  check-config                 report every problem\n"
	      "  realm check REALM            test an LDAP/AD realm\n"
	      "  serve [--listen ADDR:PORT]   the HTTP API and web page\n"
	      "  store import DIR [--replace] a config directory into etcd\n"
	      "  store export DIR             and back\n"
	      "  <pveum command>              e.g. user list, acl modify\n",
	    stderr);
}

int
main(int argc, char **argv)
{
	struct cli cli = {0};
	const char *base = strrchr(argv[0], '/'), *store;
	struct err err;
	int i = 1, fail;

	/*
	 * A directory server that drops a TLS connection mid-handshake makes
	 * libldap's GnuTLS write to a closed socket: without this, SIGPIPE
	 * would kill the CLI (and the daemon's processes, which inherit it)
	 * instead of returning an error.
	 */
	signal(SIGPIPE, SIG_IGN);
	/* locks, unlocks and refused logins go to the audit log (syslog) */
	lockout_set_audit(auditlog_lockout);
	cli.prog = base != NULL ? base + 1 : argv[0];
	if (strcmp(cli.prog, "pveum") != 0)
		cli.prog = "realmgate";
	cli.config_dir = getenv("REALMGATE_CONFIG_DIR");
	if (cli.config_dir == NULL)
		cli.config_dir = "/etc/realmgate";
	store = getenv("REALMGATE_STORE");
	while (i < argc && strncmp(argv[i], "--", 2) == 0) {
		if (strcmp(argv[i], "--config-dir") == 0 && i + 1 < argc) {
			cli.config_dir = argv[i + 1];
			i += 2;
		} else if (strncmp(argv[i], "--config-dir=", 13) == 0) {
			cli.config_dir = argv[i] + 13;
			i++;
		} else if (strcmp(argv[i], "--store") == 0 && i + 1 < argc) {
			store = argv[i + 1];
			i += 2;
		} else if (strncmp(argv[i], "--store=", 8) == 0) {
			store = argv[i] + 8;
			i++;
		} else {
			break;
		}
	}
	/* pveum's errors exit 255, as Proxmox's; realmgate's own 1 */
	fail = strcmp(cli.prog, "pveum") == 0 ? 255 : 1;
	if (cfs_setup(store, &err) < 0) {
		cli_error(&cli, "%s", err.msg);
		return fail;
	}
	/* every command but `config canonical` and `serve` reads the store */
	if (!(i < argc && (strcmp(argv[i], "config") == 0 ||
	    strcmp(argv[i], "serve") == 0)) &&
	    cfs_ready(cli.config_dir, &err) < 0) {
		cli_error(&cli, "%s", err.msg);
		return fail;
	}
	if (strcmp(cli.prog, "pveum") == 0)
		return pveum_main(&cli, argc - i, argv + i);
	if (i >= argc) {
		usage();
		return 2;
	}
	if (strcmp(argv[i], "config") == 0)
		return cmd_config(&cli, argc - i, argv + i);
	if (strcmp(argv[i], "serve") == 0)
		return serve_main(cli.config_dir, argc - i, argv + i);
	if (strcmp(argv[i], "store") == 0)
		return cmd_store(&cli, argc - i, argv + i);
	if (strcmp(argv[i], "check-config") == 0)
		return cmd_check_config(&cli, argc - i, argv + i);
	if (strcmp(argv[i], "realm") == 0 && i + 1 < argc &&
	    strcmp(argv[i + 1], "check") == 0)
		return cmd_realm_check(&cli, argc - i, argv + i);
	if (strcmp(argv[i], "permissions") == 0 && i + 1 < argc &&
	    strcmp(argv[i + 1], "--batch") == 0)
		return cmd_permissions_batch(&cli, argc - i, argv + i);
	/* `realmgate <pveum command> ...` accepts the same words */
	return pveum_main(&cli, argc - i, argv + i);
}
