/*
 * Framing, parsing and field access for the front <-> authd messages.
 * Kept free of any knowledge of what a message means, so that the one
 * piece that reads bytes from the other (possibly compromised) process is
 * small, pure where it can be, and fuzzed (tests/fuzz/fuzz-ipc.c).
 */
#include "ipc.h"
#include "secret.h"
#include "xalloc.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Room for fields in a frame: L minus type and id. */
#define BODY_MAX (IPC_FRAME_MAX - IPC_FRAME_MIN)

static uint32_t
get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static uint16_t
get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static bool
type_known(uint32_t type)
{
	return type >= IPC_HELLO && type <= IPC_RESULT;
}

static bool
tag_known(uint32_t tag)
{
	return tag >= IPC_T_CSRF_SECRET && tag <= IPC_T_LAST;
}

/*
 * Make room for extra more bytes (plus the NUL buf keeps).  Unlike buf's
 * own growth this wipes the old allocation before freeing it, because the
 * body may already hold a password.  Callers have bounded extra by
 * BODY_MAX, so nothing here can overflow.
 */
static void
body_reserve(struct buf *b, size_t extra)
{
	size_t need = b->len + extra + 1, ncap;
	char *p;

	if (need <= b->cap)
		return;
	ncap = b->cap != 0 ? b->cap : 256;
	while (ncap < need)
		ncap *= 2;
	p = xmalloc(ncap);
	if (b->len != 0)
		memcpy(p, b->data, b->len);
	p[b->len] = '\0';
	if (b->data != NULL) {
		secret_wipe(b->data, b->cap);
		free(b->data);
	}
	b->data = p;
	b->cap = ncap;
}

void
ipc_msg_init(struct ipc_msg *m, uint32_t type, uint32_t id)
{
	m->type = type;
	m->id = id;
	buf_init(&m->body, 0);
	m->too_big = false;
}

void
ipc_msg_clear(struct ipc_msg *m)
{
	buf_clear_secret(&m->body);
	m->type = 0;
	m->id = 0;
	m->too_big = false;
}

void
ipc_add_bytes(struct ipc_msg *m, uint16_t tag, const void *p, size_t len)
{
	uint8_t hdr[IPC_FIELD_HDR];
	size_t room;

	rg_assert(tag_known(tag));
	room = m->body.len < BODY_MAX ? BODY_MAX - m->body.len : 0;
	if (m->too_big || room < IPC_FIELD_HDR ||
	    len > room - IPC_FIELD_HDR) {
		m->too_big = true;
		return;
	}
	hdr[0] = (uint8_t)(tag >> 8);
	hdr[1] = (uint8_t)tag;
	put_u32(hdr + 2, (uint32_t)len);
	body_reserve(&m->body, IPC_FIELD_HDR + len);
	buf_put(&m->body, hdr, sizeof(hdr));
	buf_put(&m->body, p, len);
}

void
ipc_add_str(struct ipc_msg *m, uint16_t tag, const char *s)
{
	ipc_add_bytes(m, tag, s, strlen(s));
}

void
ipc_add_u32(struct ipc_msg *m, uint16_t tag, uint32_t v)
{
	uint8_t b[4];

	put_u32(b, v);
	ipc_add_bytes(m, tag, b, sizeof(b));
}

void
ipc_add_u64(struct ipc_msg *m, uint16_t tag, uint64_t v)
{
	uint8_t b[8];

	put_u32(b, (uint32_t)(v >> 32));
	put_u32(b + 4, (uint32_t)v);
	ipc_add_bytes(m, tag, b, sizeof(b));
}

/* Walk the fields of an untrusted body: every length against what is left. */
static int
check_fields(const uint8_t *p, size_t n, struct err *err)
{
	size_t off = 0;

	while (off < n) {
		uint16_t tag;
		uint32_t flen;

		if (n - off < IPC_FIELD_HDR)
			return err_set(err, ERR_INVALID,
			    "ipc: truncated field header at offset %zu", off);
		tag = get_u16(p + off);
		flen = get_u32(p + off + 2);
		off += IPC_FIELD_HDR;
		if (!tag_known(tag))
			return err_set(err, ERR_INVALID,
			    "ipc: unknown field tag %u", (unsigned)tag);
		if (flen > n - off)
			return err_set(err, ERR_INVALID,
			    "ipc: field %u of %u bytes passes the end of the "
			    "frame", (unsigned)tag, flen);
		off += flen;
	}
	return 0;
}

static int
check_length(uint32_t len, struct err *err)
{
	if (len < IPC_FRAME_MIN || len > IPC_FRAME_MAX)
		return err_set(err, ERR_INVALID,
		    "ipc: frame length %u out of range", len);
	return 0;
}

static int
check_type(uint32_t type, struct err *err)
{
	if (!type_known(type))
		return err_set(err, ERR_INVALID,
		    "ipc: unknown message type %u", type);
	return 0;
}

int
ipc_parse(const void *frame, size_t len, struct ipc_msg *m, struct err *err)
{
	const uint8_t *p = frame;

	ipc_msg_init(m, 0, 0);
	if (len > IPC_FRAME_MAX)
		return err_set(err, ERR_INVALID,
		    "ipc: frame length %zu out of range", len);
	if (check_length((uint32_t)len, err) < 0 ||
	    check_type(get_u32(p), err) < 0 ||
	    check_fields(p + IPC_FRAME_MIN, len - IPC_FRAME_MIN, err) < 0)
		return -1;
	m->type = get_u32(p);
	m->id = get_u32(p + 4);
	body_reserve(&m->body, len - IPC_FRAME_MIN);
	buf_put(&m->body, p + IPC_FRAME_MIN, len - IPC_FRAME_MIN);
	return 0;
}

/* Sleep until fd is ready, for a non-blocking descriptor. */
static int
wait_fd(int fd, short events, struct err *err)
{
	struct pollfd pfd = { .fd = fd, .events = events };

	while (poll(&pfd, 1, -1) < 0) {
		if (errno != EINTR)
			return err_set(err, ERR_IO, "ipc: poll: %s",
			    strerror(errno));
	}
	return 0;
}

/* at_start: EOF before the first byte is an orderly close, not a cut. */
static int
read_full(int fd, void *dst, size_t n, bool at_start, struct err *err)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, (char *)dst + got, n - got);

		if (r > 0) {
			got += (size_t)r;
		} else if (r == 0) {
			if (at_start && got == 0)
				return err_set(err, ERR_IO, "peer closed");
			return err_set(err, ERR_IO,
			    "peer closed in the middle of a frame");
		} else if (errno == EAGAIN) {	/* == EWOULDBLOCK on Linux */
			if (wait_fd(fd, POLLIN, err) < 0)
				return -1;
		} else if (errno != EINTR) {
			return err_set(err, ERR_IO, "ipc: read: %s",
			    strerror(errno));
		}
	}
	return 0;
}

static int
write_full(int fd, const void *src, size_t n, struct err *err)
{
	bool not_socket = false;	/* a pipe, in some tests */
	size_t done = 0;

	while (done < n) {
		const char *p = (const char *)src + done;
		ssize_t w;

		if (!not_socket)
			w = send(fd, p, n - done, MSG_NOSIGNAL);
		else
			w = write(fd, p, n - done);
		if (w >= 0) {
			done += (size_t)w;
		} else if (errno == ENOTSOCK && !not_socket) {
			not_socket = true;
		} else if (errno == EAGAIN) {	/* == EWOULDBLOCK on Linux */
			if (wait_fd(fd, POLLOUT, err) < 0)
				return -1;
		} else if (errno != EINTR) {
			return err_set(err, ERR_IO, "ipc: write: %s",
			    strerror(errno));
		}
	}
	return 0;
}

int
ipc_send(int fd, const struct ipc_msg *m, struct err *err)
{
	uint8_t hdr[4 + IPC_FRAME_MIN];

	if (m->too_big || m->body.len > BODY_MAX)
		return err_set(err, ERR_INVALID,
		    "ipc: message of type %u is over %u bytes", m->type,
		    IPC_FRAME_MAX);
	rg_assert(type_known(m->type));
	put_u32(hdr, (uint32_t)(IPC_FRAME_MIN + m->body.len));
	put_u32(hdr + 4, m->type);
	put_u32(hdr + 8, m->id);
	if (write_full(fd, hdr, sizeof(hdr), err) < 0 ||
	    write_full(fd, m->body.data, m->body.len, err) < 0)
		return -1;
	return 0;
}

int
ipc_recv(int fd, struct ipc_msg *m, struct err *err)
{
	uint8_t hdr[4 + IPC_FRAME_MIN];
	uint32_t len;
	size_t n;

	ipc_msg_init(m, 0, 0);
	if (read_full(fd, hdr, 4, true, err) < 0)
		return -1;
	len = get_u32(hdr);
	if (check_length(len, err) < 0 ||
	    read_full(fd, hdr + 4, IPC_FRAME_MIN, false, err) < 0 ||
	    check_type(get_u32(hdr + 4), err) < 0)
		return -1;
	n = len - IPC_FRAME_MIN;
	body_reserve(&m->body, n);
	if (read_full(fd, m->body.data, n, false, err) < 0 ||
	    check_fields((const uint8_t *)m->body.data, n, err) < 0) {
		/* wipes whatever part of a password did arrive */
		ipc_msg_clear(m);
		return -1;
	}
	m->body.len = n;
	m->body.data[n] = '\0';
	m->type = get_u32(hdr + 4);
	m->id = get_u32(hdr + 8);
	return 0;
}

/* The body is ours or was checked, but walk it as if it were not. */
static const uint8_t *
find_field(const struct ipc_msg *m, uint16_t tag, size_t *len_r)
{
	const uint8_t *p = (const uint8_t *)m->body.data;
	size_t off = 0, n = m->body.len;

	while (n - off >= IPC_FIELD_HDR) {
		uint16_t t = get_u16(p + off);
		uint32_t flen = get_u32(p + off + 2);

		off += IPC_FIELD_HDR;
		if (flen > n - off)
			return NULL;
		if (t == tag) {
			*len_r = flen;
			return p + off;
		}
		off += flen;
	}
	return NULL;
}

const void *
ipc_get_bytes(const struct ipc_msg *m, uint16_t tag, size_t *len_r)
{
	return find_field(m, tag, len_r);
}

char *
ipc_get_str(const struct ipc_msg *m, uint16_t tag)
{
	const uint8_t *p;
	size_t len;
	char *s;

	p = find_field(m, tag, &len);
	if (p == NULL || memchr(p, '\0', len) != NULL)
		return NULL;
	s = xmalloc(len + 1);
	memcpy(s, p, len);
	s[len] = '\0';
	return s;
}

bool
ipc_get_u32(const struct ipc_msg *m, uint16_t tag, uint32_t *v)
{
	const uint8_t *p;
	size_t len;

	p = find_field(m, tag, &len);
	if (p == NULL || len != 4)
		return false;
	*v = get_u32(p);
	return true;
}

bool
ipc_get_u64(const struct ipc_msg *m, uint16_t tag, uint64_t *v)
{
	const uint8_t *p;
	size_t len;

	p = find_field(m, tag, &len);
	if (p == NULL || len != 8)
		return false;
	*v = (uint64_t)get_u32(p) << 32 | get_u32(p + 4);
	return true;
}
