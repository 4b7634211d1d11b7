/*
 * The identifier grammar shared by the files, the API and the CLI (spec
 * 1.2): realm ids, user ids (name@realm), token ids (user@realm!name),
 * group, role and pool ids, and ACL path normalisation.
 */
#ifndef RG_IDS_H
#define RG_IDS_H

#include "buf.h"
#include "compiler.h"
#include "err.h"

#include <stdbool.h>
#include <stddef.h>

#define USERID_MAX 64
#define REALMID_MAX 32

/* letter, then one or more of [A-Za-z0-9._-] (no length cap) */
bool id_realm_valid(const char *p, size_t len);
/* Same grammar, used for the token name after '!' */
bool id_tokenname_valid(const char *p, size_t len);
/* [A-Za-z0-9._-]+ */
bool id_group_valid(const char *p, size_t len);
bool id_role_valid(const char *p, size_t len);
/* 1-3 levels of [A-Za-z0-9._-]+ joined by '/' */
bool id_pool_valid(const char *p, size_t len);

/*
 * A user id: name (no whitespace, ':' or '/'), '@', valid realm; 3 to 64
 * bytes.  On success *at_r is the offset of the '@' that splits it.
 */
bool id_user_valid(const char *p, size_t len, size_t *at_r);

/*
 * Validate a user id with Proxmox's messages ("value '...' does not look
 * like a valid user name", "user name '...' is too short/long").
 */
int id_user_check(const char *s, struct err *err) RG_WARN_UNUSED;

/*
 * The stricter grammar of a user id realmgate creates or writes into a
 * list (beyond Proxmox, issue 9): on top of id_user_check, the name may
 * not contain a byte some file or header reads as a separator - ',' and
 * ';' (user.cfg's lists: 'x@pve,admin@pve' would read back as two ids),
 * '!' (the token name), '=' (the API-token header), control characters -
 * nor start with '@' (a group in ACL lists), and must be UTF-8.  Messages
 * name the byte and why.
 */
int id_user_check_new(const char *s, struct err *err) RG_WARN_UNUSED;

/*
 * No list separator of user.cfg in (p,len): ',', ';' or whitespace.  An
 * existing id that fails this (Proxmox allows ',' and ';' in user names)
 * must never be written into, or read out of, a list.
 */
bool id_list_safe(const char *p, size_t len);

/* A storage id (pve-storage-id): ^[a-z][a-z0-9._-]*[a-z0-9]$, any case. */
bool id_storage_valid(const char *p, size_t len);

/* A full token id user@realm!name; *bang_r is the offset of the '!'. */
bool id_token_valid(const char *p, size_t len, size_t *bang_r);

/* The realm part of a valid user or token id (borrowed, not terminated). */
bool id_realm_of(const char *authid, const char **realm_r, size_t *len_r);

/*
 * Normalise an ACL path: collapse '/' runs, strip one trailing '/', prepend
 * '/', and require [A-Za-z0-9._/-].  Returns false for an invalid path.
 */
bool id_path_normalize(const char *p, size_t len, struct buf *out);

/*
 * Whether a normalised path may carry new ACL entries (spec 1.2's list:
 * /access/..., /nodes/..., /pool/..., /sdn/..., /storage/..., /vms/<id>,
 * /mapping/...).
 */
bool id_acl_path_allowed(const char *path);

#endif
