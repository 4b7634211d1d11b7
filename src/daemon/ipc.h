/*
 * Typed messages between the front and authd (docs/internals/daemon.md,
 * "Messages").  The front runs unprivileged and talks to the root helper
 * only through these frames, so everything read from the other side is
 * treated as hostile: lengths are checked before any allocation or read,
 * and getters never trust a field's shape.
 *
 * Frame on a SOCK_STREAM socket, all integers big-endian:
 *
 *	u32 L		length of what follows, IPC_FRAME_MIN..IPC_FRAME_MAX
 *	u32 type	enum ipc_type
 *	u32 id		request id, chosen by the sender of a request and
 *			echoed in its IPC_RESULT
 *	fields		u16 tag (enum ipc_tag), u32 n, n bytes; repeated
 */
#ifndef RG_IPC_H
#define RG_IPC_H

#include "buf.h"
#include "compiler.h"
#include "err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IPC_FRAME_MIN  8u		/* type and id, no field */
#define IPC_FRAME_MAX  (64u << 20)	/* 64 MiB */
#define IPC_FIELD_HDR  6u		/* tag and length */

enum ipc_type {
	IPC_HELLO = 1,	/* authd -> front: csrf_secret */
	IPC_LOGIN,	/* username, password, realm?, client */
	IPC_CALL,	/* method, path, params (JSON), client, and the
			 * credential: ticket, or tokenid and secret (none
			 * for a world method) */
	IPC_TOKEN,	/* tokenid, secret */
	IPC_RESULT,	/* status (u32), data?, message?, errors?,
			 * tokencfg? */
};

enum ipc_tag {
	IPC_T_CSRF_SECRET = 1,
	IPC_T_USERNAME,
	IPC_T_PASSWORD,
	IPC_T_REALM,
	IPC_T_CLIENT,
	IPC_T_METHOD,
	IPC_T_PATH,
	IPC_T_PARAMS,
	IPC_T_TICKET,	/* a login ticket (was the front's authid) */
	IPC_T_TOKENID,
	IPC_T_SECRET,
	IPC_T_STATUS,
	IPC_T_DATA,
	IPC_T_MESSAGE,
	IPC_T_ERRORS,
	IPC_T_TOKENCFG,	/* u64: identity of priv/token.cfg as authd saw it */
	IPC_T_HOST,	/* the request's Host header (WebAuthn's origin) */
	IPC_T_LAST = IPC_T_HOST,
};

struct ipc_msg {
	uint32_t type;
	uint32_t id;
	struct buf body;	/* the encoded fields, without type and id */
	bool too_big;		/* an add would have passed IPC_FRAME_MAX */
};

void ipc_msg_init(struct ipc_msg *m, uint32_t type, uint32_t id);
/*
 * Wipe and free the body (it may hold a password or a token secret); m is
 * left empty and may be reused.  Growing the body also wipes the old
 * allocation, so no copy of a secret is left in freed memory.
 */
void ipc_msg_clear(struct ipc_msg *m);

/*
 * Append a field.  tag must be an enum ipc_tag (asserted).  A message that
 * would grow past IPC_FRAME_MAX is marked too_big instead, and ipc_send
 * refuses it; so adds need no error path.  s carries no NUL by definition;
 * bytes may contain anything.
 */
void ipc_add_str(struct ipc_msg *m, uint16_t tag, const char *s);
void ipc_add_bytes(struct ipc_msg *m, uint16_t tag, const void *p,
    size_t len);
void ipc_add_u32(struct ipc_msg *m, uint16_t tag, uint32_t v);
void ipc_add_u64(struct ipc_msg *m, uint16_t tag, uint64_t v);

/*
 * Write the whole frame.  Handles partial writes, EINTR and a non-blocking
 * fd (waits in poll); uses MSG_NOSIGNAL on sockets, so a dead peer is
 * ERR_IO, not SIGPIPE.  ERR_INVALID for a too_big message.
 */
int ipc_send(int fd, const struct ipc_msg *m, struct err *err)
    RG_WARN_UNUSED;

/*
 * Read exactly one frame into m, which need not be initialised and must
 * not hold a message.  Afterwards, success or not, release m with
 * ipc_msg_clear.  Errors: ERR_IO "peer closed" on EOF before a frame,
 * ERR_IO for EOF inside a frame or a read error, ERR_INVALID for a
 * length out of range (checked before allocating) or a malformed frame.
 * After any error the stream is out of step: close the connection.
 */
int ipc_recv(int fd, struct ipc_msg *m, struct err *err) RG_WARN_UNUSED;

/*
 * Parse a frame without its length word: frame points at the type, len is
 * L.  Pure (no I/O); same contract for m as ipc_recv.  Rejects L out of
 * range, an unknown type or tag, a field length past the end and any
 * trailing bytes, with ERR_INVALID.
 */
int ipc_parse(const void *frame, size_t len, struct ipc_msg *m,
    struct err *err) RG_WARN_UNUSED;

/*
 * Lookups find the first field with the tag.
 *
 * ipc_get_str: a malloc'ed, NUL-terminated copy the caller owns (free it
 * with secret_free_str when it is a secret), or NULL if the field is absent
 * or contains a NUL byte.
 * ipc_get_bytes: borrowed pointer into m (valid until ipc_msg_clear) and
 * its length in *len_r, or NULL if absent.  Not NUL-terminated.
 * ipc_get_u32, ipc_get_u64: false if absent or not exactly 4 (8) bytes.
 */
char *ipc_get_str(const struct ipc_msg *m, uint16_t tag);
const void *ipc_get_bytes(const struct ipc_msg *m, uint16_t tag,
    size_t *len_r);
bool ipc_get_u32(const struct ipc_msg *m, uint16_t tag, uint32_t *v);
bool ipc_get_u64(const struct ipc_msg *m, uint16_t tag, uint64_t *v);

#endif
