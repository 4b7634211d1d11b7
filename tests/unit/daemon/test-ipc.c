/*
 * The IPC frame layer (src/daemon/ipc.c): round trips over a real
 * socketpair, big and odd fields, byte-by-byte and interrupted reads,
 * partial writes on a non-blocking socket, and every way a frame can be
 * malformed: truncated, over the cap, field lengths past the end,
 * unknown types and tags, trailing bytes, EOF.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ipc.h"
#include "secret.h"

#define BIG_FIELD (10u << 20)

/* A raw frame under construction, for frames ipc_send would not write. */
static void
raw_u32(struct buf *b, uint32_t v)
{
	uint8_t p[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
		(uint8_t)(v >> 8), (uint8_t)v };

	buf_put(b, p, sizeof(p));
}

static void
raw_field(struct buf *b, uint16_t tag, uint32_t n, const char *data,
    size_t len)
{
	uint8_t t[2] = { (uint8_t)(tag >> 8), (uint8_t)tag };

	buf_put(b, t, sizeof(t));
	raw_u32(b, n);
	buf_put(b, data, len);
}

/* Whole frame (with the length word) from a message. */
static void
encode(const struct ipc_msg *m, struct buf *out)
{
	buf_init(out, 0);
	raw_u32(out, (uint32_t)(8 + m->body.len));
	raw_u32(out, m->type);
	raw_u32(out, m->id);
	buf_put(out, m->body.data, m->body.len);
}

static void
pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
}

static void
write_all(int fd, const void *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		assert_true(w > 0);
		p = (const char *)p + w;
		n -= (size_t)w;
	}
}

/* Expect ipc_recv on fd to fail with code and a message containing what. */
static void
recv_fails(int fd, enum err_code code, const char *what)
{
	struct ipc_msg m;
	struct err err;

	assert_int_equal(ipc_recv(fd, &m, &err), -1);
	assert_int_equal(err.code, code);
	assert_non_null(strstr(err.msg, what));
	assert_int_equal(m.body.len, 0);
	ipc_msg_clear(&m);
}

/* Write raw bytes, close, and expect recv to fail as given. */
static void
raw_fails(const struct buf *frame, enum err_code code, const char *what)
{
	int sv[2];

	pair(sv);
	write_all(sv[0], frame->data, frame->len);
	close(sv[0]);
	recv_fails(sv[1], code, what);
	close(sv[1]);
}

static void
parse_fails(const struct buf *frame, const char *what)
{
	struct ipc_msg m;
	struct err err;

	/* ipc_parse takes the frame after its length word */
	assert_int_equal(ipc_parse(frame->data + 4, frame->len - 4, &m, &err),
	    -1);
	assert_int_equal(err.code, ERR_INVALID);
	assert_non_null(strstr(err.msg, what));
	ipc_msg_clear(&m);
}

static void
assert_str_field(const struct ipc_msg *m, uint16_t tag, const char *want)
{
	char *s = ipc_get_str(m, tag);

	assert_non_null(s);
	assert_string_equal(s, want);
	secret_free_str(s);
}

static void
test_round_trip_types(void **state)
{
	struct ipc_msg out, in;
	struct err err;
	uint32_t v;
	uint64_t v64;
	int sv[2];
	unsigned t;

	(void)state;
	pair(sv);
	for (t = IPC_HELLO; t <= IPC_RESULT; t++) {
		ipc_msg_init(&out, t, 1000 + t);
		switch (t) {
		case IPC_HELLO:
			ipc_add_str(&out, IPC_T_CSRF_SECRET, "c2VjcmV0");
			break;
		case IPC_LOGIN:
			ipc_add_str(&out, IPC_T_USERNAME, "root");
			ipc_add_str(&out, IPC_T_PASSWORD, "hunter2");
			ipc_add_str(&out, IPC_T_REALM, "pam");
			ipc_add_str(&out, IPC_T_CLIENT, "::1");
			break;
		case IPC_CALL:
			ipc_add_str(&out, IPC_T_METHOD, "PUT");
			ipc_add_str(&out, IPC_T_PATH, "/access/users/a@pve");
			ipc_add_str(&out, IPC_T_PARAMS, "{\"comment\":\"x\"}");
			ipc_add_str(&out, IPC_T_TICKET, "PVE:a@pve:0::sig");
			ipc_add_str(&out, IPC_T_CLIENT, "127.0.0.1");
			break;
		case IPC_TOKEN:
			ipc_add_str(&out, IPC_T_TOKENID, "root@pam!t");
			ipc_add_str(&out, IPC_T_SECRET, "0000-1111");
			break;
		default:
			ipc_add_u32(&out, IPC_T_STATUS, 400);
			ipc_add_str(&out, IPC_T_MESSAGE, "bad");
			ipc_add_str(&out, IPC_T_ERRORS, "{\"a\":\"b\"}");
			ipc_add_u64(&out, IPC_T_TOKENCFG,
			    UINT64_C(0x0123456789abcdef));
			break;
		}
		assert_int_equal(ipc_send(sv[0], &out, &err), 0);
		assert_int_equal(ipc_recv(sv[1], &in, &err), 0);
		assert_int_equal(in.type, t);
		assert_int_equal(in.id, 1000 + t);
		assert_int_equal(in.body.len, out.body.len);
		assert_memory_equal(in.body.data, out.body.data, in.body.len);
		ipc_msg_clear(&out);
		if (t == IPC_LOGIN) {
			assert_str_field(&in, IPC_T_USERNAME, "root");
			assert_str_field(&in, IPC_T_PASSWORD, "hunter2");
			assert_str_field(&in, IPC_T_REALM, "pam");
			assert_null(ipc_get_str(&in, IPC_T_PATH));
		}
		if (t == IPC_RESULT) {
			assert_true(ipc_get_u32(&in, IPC_T_STATUS, &v));
			assert_int_equal(v, 400);
			/* a string is not a u32, a u32 is bytes */
			assert_false(ipc_get_u32(&in, IPC_T_MESSAGE, &v));
			assert_false(ipc_get_u32(&in, IPC_T_DATA, &v));
			assert_str_field(&in, IPC_T_ERRORS, "{\"a\":\"b\"}");
			assert_true(ipc_get_u64(&in, IPC_T_TOKENCFG, &v64));
			assert_true(v64 == UINT64_C(0x0123456789abcdef));
			/* 8 bytes are not a u32, 4 are not a u64 */
			assert_false(ipc_get_u32(&in, IPC_T_TOKENCFG, &v));
			assert_false(ipc_get_u64(&in, IPC_T_STATUS, &v64));
		}
		ipc_msg_clear(&in);
		assert_null(in.body.data);
	}
	close(sv[0]);
	/* orderly close between frames */
	recv_fails(sv[1], ERR_IO, "peer closed");
	close(sv[1]);
}

struct sender {
	int fd;
	const struct ipc_msg *m;
	int rc;
};

static void *
send_thread(void *arg)
{
	struct sender *s = arg;
	struct err err;

	s->rc = ipc_send(s->fd, s->m, &err);
	return NULL;
}

static void
test_big_and_nul(void **state)
{
	static const char nul[] = "ab\0cd";
	struct ipc_msg out, in;
	struct sender s;
	struct err err;
	pthread_t th;
	const uint8_t *p;
	char *big, *got;
	size_t len;
	int sv[2];

	(void)state;
	big = malloc(BIG_FIELD + 1);
	assert_non_null(big);
	memset(big, 'x', BIG_FIELD);
	big[BIG_FIELD - 1] = 'y';
	big[BIG_FIELD] = '\0';
	ipc_msg_init(&out, IPC_RESULT, 7);
	ipc_add_u32(&out, IPC_T_STATUS, 200);
	ipc_add_str(&out, IPC_T_DATA, big);
	ipc_add_bytes(&out, IPC_T_MESSAGE, nul, sizeof(nul) - 1);
	assert_false(out.too_big);

	pair(sv);
	s = (struct sender){ .fd = sv[0], .m = &out, .rc = -2 };
	assert_int_equal(pthread_create(&th, NULL, send_thread, &s), 0);
	assert_int_equal(ipc_recv(sv[1], &in, &err), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(s.rc, 0);

	got = ipc_get_str(&in, IPC_T_DATA);
	assert_non_null(got);
	assert_int_equal(strlen(got), BIG_FIELD);
	assert_memory_equal(got, big, BIG_FIELD);
	free(got);
	/* a field with a NUL: no string, but the bytes are intact */
	assert_null(ipc_get_str(&in, IPC_T_MESSAGE));
	p = ipc_get_bytes(&in, IPC_T_MESSAGE, &len);
	assert_non_null(p);
	assert_int_equal(len, 5);
	assert_memory_equal(p, nul, 5);
	ipc_msg_clear(&in);
	ipc_msg_clear(&out);
	free(big);
	close(sv[0]);
	close(sv[1]);
}

static void
test_zero_length_and_lookup(void **state)
{
	struct ipc_msg m, in;
	struct buf frame;
	struct err err;
	const void *p;
	char *s;
	size_t len = 99;
	uint32_t v = 5;

	(void)state;
	ipc_msg_init(&m, IPC_CALL, 0);
	ipc_add_str(&m, IPC_T_PARAMS, "");
	ipc_add_bytes(&m, IPC_T_DATA, NULL, 0);
	ipc_add_str(&m, IPC_T_PATH, "/first");
	ipc_add_str(&m, IPC_T_PATH, "/second");
	encode(&m, &frame);
	assert_int_equal(ipc_parse(frame.data + 4, frame.len - 4, &in, &err),
	    0);
	assert_str_field(&in, IPC_T_PARAMS, "");
	p = ipc_get_bytes(&in, IPC_T_DATA, &len);
	assert_non_null(p);
	assert_int_equal(len, 0);
	assert_false(ipc_get_u32(&in, IPC_T_DATA, &v));
	assert_int_equal(v, 5);
	assert_str_field(&in, IPC_T_PATH, "/first");	/* first one wins */
	assert_null(ipc_get_bytes(&in, IPC_T_SECRET, &len));
	s = ipc_get_str(&in, IPC_T_SECRET);
	assert_null(s);
	ipc_msg_clear(&in);
	ipc_msg_clear(&m);
	buf_clear(&frame);

	/* no field at all: a valid, empty message */
	ipc_msg_init(&m, IPC_HELLO, 1);
	encode(&m, &frame);
	assert_int_equal(frame.len, 12);
	assert_int_equal(ipc_parse(frame.data + 4, 8, &in, &err), 0);
	assert_int_equal(in.type, IPC_HELLO);
	assert_null(ipc_get_bytes(&in, IPC_T_CSRF_SECRET, &len));
	ipc_msg_clear(&in);
	buf_clear(&frame);
	/* lookups on a message never filled */
	assert_null(ipc_get_str(&m, IPC_T_CSRF_SECRET));
	assert_false(ipc_get_u32(&m, IPC_T_STATUS, &v));
	ipc_msg_clear(&m);
}

struct dribble {
	int fd;
	const struct buf *frame;
	size_t upto;	/* bytes to write before closing */
};

static void *
dribble_thread(void *arg)
{
	struct dribble *d = arg;
	size_t i;

	for (i = 0; i < d->upto; i++) {
		if (write(d->fd, d->frame->data + i, 1) != 1)
			break;
		usleep(200);
	}
	close(d->fd);
	return NULL;
}

/* The reader sees the frame arrive one byte at a time. */
static void
test_byte_by_byte(void **state)
{
	struct ipc_msg m, in;
	struct dribble d;
	struct buf frame;
	struct err err;
	pthread_t th;
	int sv[2];

	(void)state;
	ipc_msg_init(&m, IPC_TOKEN, 0xdeadbeef);
	ipc_add_str(&m, IPC_T_TOKENID, "a@pve!tok");
	ipc_add_str(&m, IPC_T_SECRET, "s3cr3t");
	encode(&m, &frame);

	pair(sv);
	/* the reader is non-blocking too: it must wait in poll */
	assert_int_equal(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
	d = (struct dribble){ .fd = sv[0], .frame = &frame,
		.upto = frame.len };
	assert_int_equal(pthread_create(&th, NULL, dribble_thread, &d), 0);
	assert_int_equal(ipc_recv(sv[1], &in, &err), 0);
	assert_int_equal(in.id, 0xdeadbeef);
	assert_str_field(&in, IPC_T_SECRET, "s3cr3t");
	ipc_msg_clear(&in);
	assert_int_equal(pthread_join(th, NULL), 0);
	recv_fails(sv[1], ERR_IO, "peer closed");
	close(sv[1]);

	/* cut inside the length, the header and the body */
	for (size_t cut = 1; cut < frame.len; cut += 7) {
		pair(sv);
		d = (struct dribble){ .fd = sv[0], .frame = &frame,
			.upto = cut };
		assert_int_equal(
		    pthread_create(&th, NULL, dribble_thread, &d), 0);
		recv_fails(sv[1], ERR_IO, "middle of a frame");
		assert_int_equal(pthread_join(th, NULL), 0);
		close(sv[1]);
	}
	ipc_msg_clear(&m);
	buf_clear(&frame);
}

static void
on_usr1(int sig)
{
	(void)sig;
}

struct receiver {
	int fd;
	int rc;
	uint32_t id;
};

static void *
recv_thread(void *arg)
{
	struct receiver *r = arg;
	struct ipc_msg m;
	struct err err;

	r->rc = ipc_recv(r->fd, &m, &err);
	r->id = m.id;
	ipc_msg_clear(&m);
	return NULL;
}

/* A signal without SA_RESTART interrupts read(): EINTR must be retried. */
static void
test_eintr(void **state)
{
	struct sigaction sa = { .sa_handler = on_usr1 }, old;
	struct receiver r;
	struct ipc_msg m;
	struct buf frame;
	pthread_t th;
	int sv[2], i;

	(void)state;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGUSR1, &sa, &old), 0);
	ipc_msg_init(&m, IPC_LOGIN, 42);
	ipc_add_str(&m, IPC_T_USERNAME, "u");
	encode(&m, &frame);
	pair(sv);
	r = (struct receiver){ .fd = sv[1], .rc = -2 };
	assert_int_equal(pthread_create(&th, NULL, recv_thread, &r), 0);
	for (i = 0; i < 5; i++) {
		usleep(2000);
		pthread_kill(th, SIGUSR1);
		if (i == 2)
			write_all(sv[0], frame.data, 6);
	}
	write_all(sv[0], frame.data + 6, frame.len - 6);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.id, 42);
	assert_int_equal(sigaction(SIGUSR1, &old, NULL), 0);
	ipc_msg_clear(&m);
	buf_clear(&frame);
	close(sv[0]);
	close(sv[1]);
}

/*
 * Partial writes: a non-blocking sender with a small socket buffer and a
 * reader that takes small bites.  ipc_send must loop and wait in poll.
 */
static void
test_partial_writes(void **state)
{
	struct ipc_msg out, in;
	struct sender s;
	struct buf got;
	struct err err;
	pthread_t th;
	char chunk[999], *data;
	int sv[2], small = 4096;
	ssize_t r;

	(void)state;
	data = malloc(1u << 20);
	assert_non_null(data);
	for (size_t i = 0; i < (1u << 20); i++)
		data[i] = (char)('a' + i % 26);
	ipc_msg_init(&out, IPC_CALL, 3);
	ipc_add_bytes(&out, IPC_T_PARAMS, data, 1u << 20);
	pair(sv);
	assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small,
	    sizeof(small)), 0);
	assert_int_equal(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	s = (struct sender){ .fd = sv[0], .m = &out, .rc = -2 };
	assert_int_equal(pthread_create(&th, NULL, send_thread, &s), 0);
	buf_init(&got, 0);
	while ((r = read(sv[1], chunk, sizeof(chunk))) != 0) {
		assert_true(r > 0);
		buf_put(&got, chunk, (size_t)r);
		if (got.len == 12 + 6 + (1u << 20))
			break;
	}
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(s.rc, 0);
	assert_int_equal(ipc_parse(got.data + 4, got.len - 4, &in, &err), 0);
	assert_int_equal(in.body.len, out.body.len);
	assert_memory_equal(in.body.data, out.body.data, in.body.len);
	ipc_msg_clear(&in);
	ipc_msg_clear(&out);
	buf_clear(&got);
	free(data);
	close(sv[0]);
	close(sv[1]);
}

/* Every strict prefix of a frame body fails, unless it ends a field. */
static void
test_truncated_parse(void **state)
{
	struct ipc_msg m, in;
	struct buf frame;
	struct err err;
	size_t cut, bounds[] = { 8, 8 + 6 + 4, 8 + 6 + 4 + 6 + 3 };

	(void)state;
	ipc_msg_init(&m, IPC_LOGIN, 9);
	ipc_add_str(&m, IPC_T_USERNAME, "root");
	ipc_add_str(&m, IPC_T_PASSWORD, "pw!");
	ipc_add_str(&m, IPC_T_CLIENT, "10.0.0.1");
	encode(&m, &frame);
	for (cut = 0; cut < frame.len - 4; cut++) {
		bool whole = false;
		int rc;

		for (size_t i = 0; i < sizeof(bounds) / sizeof(bounds[0]); i++)
			whole = whole || cut == bounds[i];
		rc = ipc_parse(frame.data + 4, cut, &in, &err);
		assert_int_equal(rc, whole ? 0 : -1);
		if (rc < 0)
			assert_int_equal(err.code, ERR_INVALID);
		ipc_msg_clear(&in);
	}
	assert_int_equal(ipc_parse(frame.data + 4, cut, &in, &err), 0);
	ipc_msg_clear(&in);
	ipc_msg_clear(&m);
	buf_clear(&frame);
}

static void
test_length_cap(void **state)
{
	static const uint32_t bad[] = { 0, 1, 7, IPC_FRAME_MAX + 1,
		0x7fffffff, 0xffffffff };
	struct buf frame;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* only the length word, then EOF: refused before any read */
		buf_init(&frame, 0);
		raw_u32(&frame, bad[i]);
		raw_fails(&frame, ERR_INVALID, "out of range");
		buf_clear(&frame);
	}
}

/* The largest message there may be; one byte more cannot be sent. */
static void
test_max_frame(void **state)
{
	struct ipc_msg out, in;
	struct sender s;
	struct err err;
	pthread_t th;
	size_t n = IPC_FRAME_MAX - 8 - 6;
	char *data;
	int sv[2];

	(void)state;
	data = calloc(1, n + 1);
	assert_non_null(data);
	ipc_msg_init(&out, IPC_RESULT, 1);
	ipc_add_bytes(&out, IPC_T_DATA, data, n);
	assert_false(out.too_big);
	pair(sv);
	s = (struct sender){ .fd = sv[0], .m = &out, .rc = -2 };
	assert_int_equal(pthread_create(&th, NULL, send_thread, &s), 0);
	assert_int_equal(ipc_recv(sv[1], &in, &err), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(s.rc, 0);
	assert_int_equal(in.body.len, IPC_FRAME_MAX - 8);
	ipc_msg_clear(&in);

	ipc_add_bytes(&out, IPC_T_MESSAGE, NULL, 0);
	assert_true(out.too_big);
	assert_int_equal(ipc_send(sv[0], &out, &err), -1);
	assert_int_equal(err.code, ERR_INVALID);
	ipc_msg_clear(&out);
	assert_false(out.too_big);

	/* one field too big on its own, on an empty message */
	ipc_msg_init(&out, IPC_RESULT, 1);
	ipc_add_bytes(&out, IPC_T_DATA, data, n + 1);
	assert_true(out.too_big);
	assert_int_equal(out.body.len, 0);
	ipc_msg_clear(&out);
	free(data);
	close(sv[0]);
	close(sv[1]);
}

static void
test_field_overflow(void **state)
{
	static const uint32_t lens[] = { 0xffffffff, 0x80000000, 6, 5 };
	struct buf frame;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		/* a 4-byte field claiming more than is left */
		buf_init(&frame, 0);
		raw_u32(&frame, 8 + 6 + 4);
		raw_u32(&frame, IPC_CALL);
		raw_u32(&frame, 1);
		raw_field(&frame, IPC_T_PATH, lens[i], "/abc", 4);
		parse_fails(&frame, "passes the end");
		raw_fails(&frame, ERR_INVALID, "passes the end");
		buf_clear(&frame);
	}
	/* a good field, then one whose length overflows */
	buf_init(&frame, 0);
	raw_u32(&frame, 8 + 10 + 6);
	raw_u32(&frame, IPC_CALL);
	raw_u32(&frame, 1);
	raw_field(&frame, IPC_T_PATH, 4, "/abc", 4);
	raw_field(&frame, IPC_T_PATH, 0xfffffffa, "", 0);
	parse_fails(&frame, "passes the end");
	buf_clear(&frame);
}

static void
test_unknown_type_tag(void **state)
{
	static const uint32_t types[] = { 0, IPC_RESULT + 1, 0xffffffff };
	static const uint16_t tags[] = { 0, IPC_T_LAST + 1, 0xffff };
	struct buf frame;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		buf_init(&frame, 0);
		raw_u32(&frame, 8 + 6 + 1);
		raw_u32(&frame, types[i]);
		raw_u32(&frame, 1);
		raw_field(&frame, IPC_T_PATH, 1, "/", 1);
		parse_fails(&frame, "unknown message type");
		raw_fails(&frame, ERR_INVALID, "unknown message type");
		buf_clear(&frame);
	}
	for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		buf_init(&frame, 0);
		raw_u32(&frame, 8 + 6 + 1);
		raw_u32(&frame, IPC_CALL);
		raw_u32(&frame, 1);
		raw_field(&frame, tags[i], 1, "/", 1);
		parse_fails(&frame, "unknown field tag");
		raw_fails(&frame, ERR_INVALID, "unknown field tag");
		buf_clear(&frame);
	}
}

static void
test_trailing_garbage(void **state)
{
	struct buf frame;
	size_t extra;

	(void)state;
	for (extra = 1; extra < 6; extra++) {
		buf_init(&frame, 0);
		raw_u32(&frame, (uint32_t)(8 + 6 + 1 + extra));
		raw_u32(&frame, IPC_TOKEN);
		raw_u32(&frame, 1);
		raw_field(&frame, IPC_T_TOKENID, 1, "t", 1);
		buf_put(&frame, "\0\0\0\0\0", extra);
		parse_fails(&frame, "truncated field header");
		raw_fails(&frame, ERR_INVALID, "truncated field header");
		buf_clear(&frame);
	}
}

/* The peer is gone: sending is an error, not SIGPIPE killing us. */
static void
test_send_to_closed_peer(void **state)
{
	struct ipc_msg m;
	struct err err;
	int sv[2];

	(void)state;
	pair(sv);
	close(sv[1]);
	ipc_msg_init(&m, IPC_RESULT, 1);
	ipc_add_u32(&m, IPC_T_STATUS, 500);
	assert_int_equal(ipc_send(sv[0], &m, &err), -1);
	assert_int_equal(err.code, ERR_IO);
	ipc_msg_clear(&m);
	close(sv[0]);
}

/* Not a socket: send falls back from send() to write(). */
static void
test_pipe(void **state)
{
	struct ipc_msg m, in;
	struct err err;
	int fds[2];

	(void)state;
	assert_int_equal(pipe(fds), 0);
	ipc_msg_init(&m, IPC_HELLO, 0);
	ipc_add_str(&m, IPC_T_CSRF_SECRET, "abc");
	assert_int_equal(ipc_send(fds[1], &m, &err), 0);
	assert_int_equal(ipc_recv(fds[0], &in, &err), 0);
	assert_str_field(&in, IPC_T_CSRF_SECRET, "abc");
	ipc_msg_clear(&in);
	ipc_msg_clear(&m);
	close(fds[0]);
	close(fds[1]);
}

/* Many small adds: growth keeps every field intact. */
static void
test_many_fields(void **state)
{
	struct ipc_msg m, in;
	struct buf frame;
	struct err err;
	uint32_t i, v;
	const uint8_t *p;
	size_t len, off = 0;

	(void)state;
	ipc_msg_init(&m, IPC_RESULT, 5);
	for (i = 0; i < 5000; i++)
		ipc_add_u32(&m, IPC_T_STATUS, i);
	encode(&m, &frame);
	assert_int_equal(ipc_parse(frame.data + 4, frame.len - 4, &in, &err),
	    0);
	assert_true(ipc_get_u32(&in, IPC_T_STATUS, &v));
	assert_int_equal(v, 0);
	p = (const uint8_t *)in.body.data;
	for (i = 0; i < 5000; i++, off += 10) {
		len = (size_t)p[off + 2] << 24 | (size_t)p[off + 3] << 16 |
		    (size_t)p[off + 4] << 8 | p[off + 5];
		assert_int_equal(len, 4);
		assert_int_equal(p[off + 9], i & 0xff);
	}
	ipc_msg_clear(&in);
	ipc_msg_clear(&m);
	buf_clear(&frame);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_types),
		cmocka_unit_test(test_big_and_nul),
		cmocka_unit_test(test_zero_length_and_lookup),
		cmocka_unit_test(test_byte_by_byte),
		cmocka_unit_test(test_eintr),
		cmocka_unit_test(test_partial_writes),
		cmocka_unit_test(test_truncated_parse),
		cmocka_unit_test(test_length_cap),
		cmocka_unit_test(test_max_frame),
		cmocka_unit_test(test_field_overflow),
		cmocka_unit_test(test_unknown_type_tag),
		cmocka_unit_test(test_trailing_garbage),
		cmocka_unit_test(test_send_to_closed_peer),
		cmocka_unit_test(test_pipe),
		cmocka_unit_test(test_many_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
