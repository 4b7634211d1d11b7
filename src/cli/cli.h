/*
 * Shared declarations of the command-line front end: the global options
 * every command sees, and the entry points of each command group.
 */
#ifndef RG_CLI_H
#define RG_CLI_H

struct cli {
	const char *config_dir;
	const char *prog;	/* "realmgate" or "pveum" */
};

/* Each returns the process exit code. */
int cmd_config(struct cli *cli, int argc, char **argv);
int cmd_permissions_batch(struct cli *cli, int argc, char **argv);
int cmd_check_config(struct cli *cli, int argc, char **argv);
int cmd_realm_check(struct cli *cli, int argc, char **argv);
int cmd_store(struct cli *cli, int argc, char **argv);

/* Print "prog: message" to stderr. */
void cli_error(const struct cli *cli, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
