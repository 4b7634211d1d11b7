/*
 * The front's side of the conversation with authd: one channel per authd
 * worker, one request on a channel at a time; a caller takes a free
 * channel (or waits for one), request ids are checked on the way back, and
 * the reply is unpacked into JSON values.  If authd is gone, every call
 * fails and the front shuts down (the supervisor also ends it).
 */
#include "daemon.h"
#include "ipc.h"
#include "secret.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int fds[AUTHD_MAX_WORKERS];
	bool busy[AUTHD_MAX_WORKERS];
	size_t count;
	uint32_t next_id;
} client = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, {0}, {0},
    0, 1};

void
authd_client_init(const int *fds, size_t count)
{
	size_t i;

	for (i = 0; i < count && i < AUTHD_MAX_WORKERS; i++)
		client.fds[i] = fds[i];
	client.count = i;
}

/* A free channel (waiting for one if all are busy). */
static size_t
take_channel(uint32_t *id_r)
{
	size_t i;

	pthread_mutex_lock(&client.mu);
	for (;;) {
		for (i = 0; i < client.count; i++)
			if (!client.busy[i])
				break;
		if (i < client.count)
			break;
		pthread_cond_wait(&client.cv, &client.mu);
	}
	client.busy[i] = true;
	*id_r = client.next_id++;
	pthread_mutex_unlock(&client.mu);
	return i;
}

static void
give_channel(size_t i)
{
	pthread_mutex_lock(&client.mu);
	client.busy[i] = false;
	pthread_cond_signal(&client.cv);
	pthread_mutex_unlock(&client.mu);
}

void
authd_reply_clear(struct authd_reply *r)
{
	json_decref(r->data);
	json_decref(r->errors);
	free(r->message);
	memset(r, 0, sizeof(*r));
}

/* Send req on a free channel and wait for its reply. */
static int
roundtrip(struct ipc_msg *req, struct ipc_msg *reply, struct err *err)
{
	size_t ch = take_channel(&req->id);
	int rc;

	rc = ipc_send(client.fds[ch], req, err);
	if (rc == 0)
		rc = ipc_recv(client.fds[ch], reply, err);
	give_channel(ch);
	if (rc == 0 && (reply->id != req->id || reply->type != IPC_RESULT))
		rc = err_set(err, ERR_INTERNAL, "authd answered out of turn");
	return rc;
}

int
authd_client_hello(struct buf *csrf_secret_r, struct err *err)
{
	struct ipc_msg m;
	size_t i;
	char *s;

	/* every worker greets; they all hold the same secret */
	for (i = 0; i < client.count; i++) {
		ipc_msg_init(&m, 0, 0);
		if (ipc_recv(client.fds[i], &m, err) < 0) {
			ipc_msg_clear(&m);
			return -1;
		}
		s = m.type == IPC_HELLO ? ipc_get_str(&m, IPC_T_CSRF_SECRET) :
		    NULL;
		ipc_msg_clear(&m);
		if (s == NULL)
			return err_set(err, ERR_INTERNAL,
			    "authd sent no greeting");
		buf_reset(csrf_secret_r);
		buf_puts(csrf_secret_r, s);
		secret_free_str(s);
	}
	return 0;
}

static json_t *
get_json(const struct ipc_msg *m, uint16_t tag)
{
	size_t len;
	const void *p = ipc_get_bytes(m, tag, &len);

	return p != NULL ? json_loadb(p, len, JSON_DECODE_ANY, NULL) : NULL;
}

int
authd_client_call(const char *method, const char *path, const json_t *params,
    const struct authd_cred *cred, const char *client_addr,
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
	if (ptext != NULL) {
		/* parameters may hold a password: wipe the copy */
		secret_wipe(ptext, strlen(ptext));
		free(ptext);
	}
	rc = roundtrip(&req, &rep, err);
	if (rc == 0) {
		ipc_get_u32(&rep, IPC_T_STATUS, &status);
		reply->status = status;
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
