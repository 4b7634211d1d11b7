/*
 * Random version-4 UUIDs in lower case, as Proxmox makes them for API
 * token secrets and TFA entry ids.
 */
#ifndef RG_UUID_H
#define RG_UUID_H

#include "compiler.h"
#include "err.h"

#define UUID_STR_SIZE 37	/* 36 characters and the NUL */

int uuid_v4(char out[UUID_STR_SIZE], struct err *err) RG_WARN_UNUSED;

#endif
