/*
 * The pveum command line: Proxmox's syntax mapped onto the API layer, run
 * in-process as root@pam (as Proxmox's pveum does).
 */
#ifndef RG_PVEUM_H
#define RG_PVEUM_H

#include "cli.h"

#include <stdbool.h>

enum print_kind {
	PRINT_NONE,	/* null result: print nothing */
	PRINT_TABLE,	/* list: table / json / yaml */
	PRINT_OBJECT,	/* one object */
	PRINT_PERMS,	/* permission map */
	PRINT_TICKET,	/* the ticket string only */
	PRINT_PASSWD,	/* prompts for the new password */
	PRINT_TASK,	/* a task (realm sync): print its log */
	PRINT_TFA,	/* `user tfa list`: pveum's own text layout */
};

struct pveum_cmd {
	const char *words;	/* "user add" */
	const char *alias;	/* "useradd", or NULL */
	const char *method;
	const char *path;	/* the API method's path template */
	const char *args;	/* positional params; "?name": optional */
	const char *fixed;	/* "name=value" always passed, or NULL */
	enum print_kind print;
	bool rg_only;		/* realmgate's own: not offered as pveum */
};

extern const struct pveum_cmd pveum_cmds[];

int pveum_main(struct cli *cli, int argc, char **argv);

#endif
