/*
 * The front's side of the conversation with authd: one channel per authd
 * worker, one request on a channel at a time; a caller takes a free
 * channel (or waits for one), request ids are checked on the way back, and
 * the reply is unpacked into JSON values.
 *
 * Workers come and go: the supervisor hands over each worker's socket
 * over the control socket (at start and after restarting one that died),
 * and a thread here installs it once the worker has greeted.  A channel
 * whose worker died is dropped: noticed before use (an idle socket that
 * is readable has hung up), or by the request in flight on it, which fails
 * alone (500) - a request whose message did not get through is sent again
 * on another channel, since no worker can have seen it.
 */
#include "api.h"
#include "daemon.h"
#include "ipc.h"
#include "secret.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define CHANNEL_WAIT_S 30	/* for a free channel while workers restart */
#define HELLO_WAIT_S 30		/* for every first worker, at start */
#define HELLO_TIMEOUT_S 10	/* for a new worker's greeting */

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int fds[AUTHD_MAX_WORKERS];	/* -1: no worker on this channel */
	int next_fd[AUTHD_MAX_WORKERS];	/* a replacement, while busy */
	bool busy[AUTHD_MAX_WORKERS];
	bool greeted[AUTHD_MAX_WORKERS];	/* once, since start */
	size_t count;
	uint32_t next_id;
	int ctl;
	bool ctl_gone;
	pthread_t thread;
	bool running;
	struct buf csrf;	/* from the first greeting */
} client = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER};

static void
timeout_in(struct timespec *ts, time_t sec)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += sec;
}

/* Is this idle channel's worker gone (it would have nothing to say)? */
static bool
hung_up(int fd)
{
	struct pollfd p = {fd, POLLIN, 0};

	return poll(&p, 1, 0) > 0;
}

/* Under client.mu: put a waiting replacement in place of channel i. */
static void
swap_in(size_t i)
{
	if (client.next_fd[i] < 0)
		return;
	if (client.fds[i] >= 0)
		close(client.fds[i]);
	client.fds[i] = client.next_fd[i];
	client.next_fd[i] = -1;
}

/*
 * A free channel with a worker (waiting for one if all are busy or
 * gone); -1 if none came within CHANNEL_WAIT_S.
 */
static ssize_t
take_channel(uint32_t *id_r)
{
	struct timespec until;
	size_t i;

	timeout_in(&until, CHANNEL_WAIT_S);
	pthread_mutex_lock(&client.mu);
	for (;;) {
		for (i = 0; i < client.count; i++) {
			if (client.busy[i] || client.fds[i] < 0)
				continue;
			if (!hung_up(client.fds[i]))
				break;
			/* the worker is gone: its replacement will come */
			close(client.fds[i]);
			client.fds[i] = -1;
			swap_in(i);
		}
		if (i < client.count)
			break;
		if (pthread_cond_timedwait(&client.cv, &client.mu, &until) ==
		    ETIMEDOUT) {
			pthread_mutex_unlock(&client.mu);
			return -1;
		}
	}
	client.busy[i] = true;
	*id_r = client.next_id++;
	pthread_mutex_unlock(&client.mu);
	return (ssize_t)i;
}

/* Give channel i back; drop its socket if the conversation broke. */
static void
give_channel(size_t i, bool broken)
{
	pthread_mutex_lock(&client.mu);
	client.busy[i] = false;
	if (broken) {
		/* a worker that is still alive sees EOF and ends */
		close(client.fds[i]);
		client.fds[i] = -1;
	}
	swap_in(i);
	pthread_cond_broadcast(&client.cv);
	pthread_mutex_unlock(&client.mu);
}

void
authd_reply_clear(struct authd_reply *r)
{
	api_blob_unref(r->raw);
	json_decref(r->data);
	json_decref(r->errors);
	free(r->message);
	memset(r, 0, sizeof(*r));
}

/* Send req on a free channel and wait for its reply. */
static int
roundtrip(struct ipc_msg *req, struct ipc_msg *reply, struct err *err)
{
	size_t tries;
	ssize_t ch;
	int rc;

	for (tries = 0; tries <= AUTHD_MAX_WORKERS; tries++) {
		ch = take_channel(&req->id);
		if (ch < 0)
			return err_set(err, ERR_UNAVAILABLE,
			    "no authd worker available");
		if (ipc_send(client.fds[ch], req, err) < 0) {
			/* not sent in full: no worker saw it, try another */
			give_channel((size_t)ch, true);
			continue;
		}
		rc = ipc_recv(client.fds[ch], reply, err);
		if (rc == 0 && (reply->id != req->id ||
		    reply->type != IPC_RESULT))
			rc = err_set(err, ERR_INTERNAL,
			    "authd answered out of turn");
		give_channel((size_t)ch, rc < 0);
		return rc;
	}
	return err_set(err, ERR_UNAVAILABLE, "no authd worker available");
}

/* A new worker's greeting on fd: 0 when it is one. */
static int
read_hello(int fd)
{
	struct timeval tv = {HELLO_TIMEOUT_S, 0}, none = {0, 0};
	struct ipc_msg m;
	struct err err;
	char *s = NULL;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		return -1;
	if (ipc_recv(fd, &m, &err) == 0 && m.type == IPC_HELLO)
		s = ipc_get_str(&m, IPC_T_CSRF_SECRET);
	ipc_msg_clear(&m);
	if (s == NULL)
		return -1;
	pthread_mutex_lock(&client.mu);
	if (client.csrf.len == 0)
		buf_puts(&client.csrf, s);
	pthread_mutex_unlock(&client.mu);
	secret_free_str(s);
	return setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof(none));
}

/* One message from the supervisor: a worker index and its socket. */
static int
recv_worker(uint32_t *index_r, int *fd_r)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} cm;
	unsigned char idx[4];
	struct iovec iov = {idx, sizeof(idx)};
	struct msghdr mh;
	struct cmsghdr *c;
	ssize_t n;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cm.buf;
	mh.msg_controllen = sizeof(cm.buf);
	do
		n = recvmsg(client.ctl, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return -1;	/* the supervisor is gone, or we stop */
	*fd_r = -1;
	c = CMSG_FIRSTHDR(&mh);
	if (c != NULL && c->cmsg_level == SOL_SOCKET &&
	    c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(fd_r, CMSG_DATA(c), sizeof(int));
	*index_r = (uint32_t)idx[0] << 24 | (uint32_t)idx[1] << 16 |
	    (uint32_t)idx[2] << 8 | idx[3];
	if (n != sizeof(idx) || *index_r >= client.count) {
		if (*fd_r >= 0)
			close(*fd_r);
		*fd_r = -1;
	}
	return 0;
}

static void *
watch_ctl(void *arg)
{
	uint32_t i;
	int fd;

	(void)arg;
	while (recv_worker(&i, &fd) == 0) {
		if (fd < 0)
			continue;
		if (read_hello(fd) < 0) {
			/* died before greeting: the supervisor starts another */
			close(fd);
			continue;
		}
		pthread_mutex_lock(&client.mu);
		if (client.next_fd[i] >= 0)
			close(client.next_fd[i]);
		client.next_fd[i] = fd;
		if (!client.busy[i])
			swap_in(i);
		client.greeted[i] = true;
		pthread_cond_broadcast(&client.cv);
		pthread_mutex_unlock(&client.mu);
	}
	pthread_mutex_lock(&client.mu);
	client.ctl_gone = true;
	pthread_cond_broadcast(&client.cv);
	pthread_mutex_unlock(&client.mu);
	return NULL;
}

int
authd_client_init(size_t count, int ctl, struct err *err)
{
	pthread_condattr_t attr;
	size_t i;

	/* waits are bounded on the monotonic clock */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&client.cv, &attr);
	pthread_condattr_destroy(&attr);
	client.count = count < AUTHD_MAX_WORKERS ? count : AUTHD_MAX_WORKERS;
	for (i = 0; i < AUTHD_MAX_WORKERS; i++) {
		client.fds[i] = -1;
		client.next_fd[i] = -1;
	}
	client.next_id = 1;
	client.ctl = ctl;
	if (pthread_create(&client.thread, NULL, watch_ctl, NULL) != 0)
		return err_set(err, ERR_INTERNAL, "cannot start a thread");
	client.running = true;
	return 0;
}

int
authd_client_hello(struct buf *csrf_secret_r, struct err *err)
{
	struct timespec until;
	size_t i, n = 0;
	int rc = 0;

	/* every worker greets once (they all hold the same secret) */
	timeout_in(&until, HELLO_WAIT_S);
	pthread_mutex_lock(&client.mu);
	while (!client.ctl_gone) {
		for (n = 0, i = 0; i < client.count; i++)
			n += client.greeted[i];
		if (n == client.count ||
		    pthread_cond_timedwait(&client.cv, &client.mu, &until) ==
		    ETIMEDOUT)
			break;
	}
	if (n < client.count || client.csrf.len == 0)
		rc = err_set(err, ERR_INTERNAL, "authd sent no greeting");
	else {
		buf_reset(csrf_secret_r);
		buf_put(csrf_secret_r, client.csrf.data, client.csrf.len);
	}
	buf_clear_secret(&client.csrf);
	pthread_mutex_unlock(&client.mu);
	return rc;
}

void
authd_client_ready(void)
{
	static const char ready = 'R';

	/* if the supervisor is gone, PDEATHSIG ends us too */
	(void)send(client.ctl, &ready, 1, MSG_NOSIGNAL);
}

void
authd_client_stop(void)
{
	size_t i;

	if (!client.running)
		return;
	shutdown(client.ctl, SHUT_RDWR);
	pthread_join(client.thread, NULL);
	client.running = false;
	pthread_mutex_lock(&client.mu);
	for (i = 0; i < client.count; i++) {
		if (client.fds[i] >= 0 && !client.busy[i]) {
			close(client.fds[i]);
			client.fds[i] = -1;
		}
		if (client.next_fd[i] >= 0)
			close(client.next_fd[i]);
		client.next_fd[i] = -1;
	}
	pthread_mutex_unlock(&client.mu);
}

static json_t *
get_json(const struct ipc_msg *m, uint16_t tag)
{
	size_t len;
	const void *p = ipc_get_bytes(m, tag, &len);

	return p != NULL ? json_loadb(p, len, JSON_DECODE_ANY, NULL) : NULL;
}

static struct api_blob *
get_raw(const struct ipc_msg *m, uint16_t tag)
{
	size_t len;
	const void *p = ipc_get_bytes(m, tag, &len);

	return p != NULL ? api_blob_new(p, len) : NULL;
}

int
authd_client_call(const char *method, const char *path, const json_t *params,
    const struct authd_cred *cred, const char *client_addr, const char *host,
    struct authd_reply *reply, struct err *err)
{
	struct ipc_msg req, rep;
	char *ptext = json_dumps(params, JSON_COMPACT);
	uint32_t status = 500;
	int rc;

	memset(reply, 0, sizeof(*reply));
	ipc_msg_init(&req, IPC_CALL, 0);
	ipc_msg_init(&rep, 0, 0);
	ipc_add_str(&req, IPC_T_METHOD, method);
	ipc_add_str(&req, IPC_T_PATH, path);
	ipc_add_str(&req, IPC_T_PARAMS, ptext != NULL ? ptext : "{}");
	if (cred != NULL && cred->ticket != NULL)
		ipc_add_str(&req, IPC_T_TICKET, cred->ticket);
	if (cred != NULL && cred->tokenid != NULL && cred->secret != NULL) {
		ipc_add_str(&req, IPC_T_TOKENID, cred->tokenid);
		ipc_add_str(&req, IPC_T_SECRET, cred->secret);
	}
	ipc_add_str(&req, IPC_T_CLIENT, client_addr != NULL ? client_addr : "");
	if (host != NULL)
		ipc_add_str(&req, IPC_T_HOST, host);
	if (ptext != NULL) {
		/* parameters may hold a password: wipe the copy */
		secret_wipe(ptext, strlen(ptext));
		free(ptext);
	}
	rc = roundtrip(&req, &rep, err);
	if (rc == 0) {
		ipc_get_u32(&rep, IPC_T_STATUS, &status);
		reply->status = status;
		if (strcmp(method, "GET") == 0)
			reply->raw = get_raw(&rep, IPC_T_DATA);
		else
			reply->data = get_json(&rep, IPC_T_DATA);
		reply->errors = get_json(&rep, IPC_T_ERRORS);
		reply->message = ipc_get_str(&rep, IPC_T_MESSAGE);
		ipc_get_u64(&rep, IPC_T_TOKENCFG, &reply->tokencfg);
	}
	ipc_msg_clear(&req);
	ipc_msg_clear(&rep);
	return rc;
}

int
authd_client_token(const char *tokenid, const char *secret, bool *ok_r,
    uint64_t *tokencfg_r, struct err *err)
{
	struct ipc_msg req, rep;
	uint32_t status = 401;
	int rc;

	*tokencfg_r = 0;
	ipc_msg_init(&req, IPC_TOKEN, 0);
	ipc_msg_init(&rep, 0, 0);
	ipc_add_str(&req, IPC_T_TOKENID, tokenid);
	ipc_add_str(&req, IPC_T_SECRET, secret);
	rc = roundtrip(&req, &rep, err);
	if (rc == 0) {
		ipc_get_u32(&rep, IPC_T_STATUS, &status);
		ipc_get_u64(&rep, IPC_T_TOKENCFG, tokencfg_r);
	}
	*ok_r = rc == 0 && status == 200;
	ipc_msg_clear(&req);
	ipc_msg_clear(&rep);
	return rc;
}
