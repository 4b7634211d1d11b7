/*
 * `pveum user permissions ... --why` (beyond Proxmox): for each granted
 * privilege, the ACL entry, group, pool and role that granted it.
 */
#ifndef RG_WHY_H
#define RG_WHY_H

#include "cli.h"

#include <jansson.h>

/* params: "userid" (user or token id, default root@pam), "path". */
int why_print(struct cli *cli, json_t *params);

#endif
