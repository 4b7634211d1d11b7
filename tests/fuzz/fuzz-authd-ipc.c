/*
 * Fuzz target: the IPC stream as authd receives it from the front
 * (src/daemon/authd.c).  The input is written to one end of a socket
 * pair and read back frame by frame with ipc_recv, length words
 * included, as authd_run does; each frame then goes through what authd
 * does before a handler runs, without its side effects: for a call the
 * fields are extracted, the parameters parsed as JSON, the method found,
 * the parameters verified against its schema and the permission check
 * run against a small user.cfg; for a token check the secret is compared
 * with an in-memory token.cfg.  authd's answer is built the way
 * reply_result builds it and must parse back as a valid frame.
 * (If authd.c changes what it extracts or checks, change this too.)
 */
#include "api.h"
#include "api_check.h"
#include "daemon.h"
#include "files/tokencfg.h"
#include "ipc.h"
#include "ucfg.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char user_cfg[] =
    "user:root@pam:1:0::::::\n"
    "user:u@pve:1:0::::::\n"
    "token:u@pve!tok:0:1::\n"
    "acl:1:/vms:u@pve!tok:PVEVMUser:\n";

static const char token_cfg[] =
    "u@pve!tok 0b0e5a5c-6b5e-4f4e-9d7a-3c2d1e0f9a8b\n";

static struct ucfg *cfg;
static struct tokencfg *tokens;

/* authd's reply_result, then the front's parse of it. */
static void
reply(uint32_t id, unsigned status, const char *message, const json_t *errors)
{
	struct ipc_msg m, back;
	struct err err;
	uint8_t *frame;
	char *text;
	uint32_t st;

	ipc_msg_init(&m, IPC_RESULT, id);
	ipc_add_u32(&m, IPC_T_STATUS, status);
	if (message != NULL)
		ipc_add_str(&m, IPC_T_MESSAGE, message);
	if (errors != NULL) {
		text = json_dumps(errors, JSON_COMPACT);
		if (text != NULL)
			ipc_add_str(&m, IPC_T_ERRORS, text);
		free(text);
	}
	if (m.too_big)
		abort();
	frame = malloc(8 + m.body.len);
	if (frame == NULL)
		abort();
	frame[0] = 0;
	frame[1] = 0;
	frame[2] = 0;
	frame[3] = IPC_RESULT;
	frame[4] = (uint8_t)(id >> 24);
	frame[5] = (uint8_t)(id >> 16);
	frame[6] = (uint8_t)(id >> 8);
	frame[7] = (uint8_t)id;
	memcpy(frame + 8, m.body.data, m.body.len);
	if (ipc_parse(frame, 8 + m.body.len, &back, &err) < 0 ||
	    back.id != id || !ipc_get_u32(&back, IPC_T_STATUS, &st) ||
	    st != status)
		abort();
	ipc_msg_clear(&back);
	ipc_msg_clear(&m);
	free(frame);
}

static void
handle_call(const struct ipc_msg *m)
{
	char *method = ipc_get_str(m, IPC_T_METHOD);
	char *path = ipc_get_str(m, IPC_T_PATH);
	char *ptext = ipc_get_str(m, IPC_T_PARAMS);
	char *authid = ipc_get_str(m, IPC_T_AUTHID);
	char *client = ipc_get_str(m, IPC_T_CLIENT);
	const struct api_method *am;
	json_t *params = NULL;
	struct api_env env;
	struct err err;

	api_env_init(&env, "/nonexistent", authid);
	env.client = client != NULL && *client != '\0' ? client : NULL;
	if (method == NULL || path == NULL || ptext == NULL || authid == NULL) {
		reply(m->id, 400, "malformed request", NULL);
		goto out;
	}
	params = json_loads(ptext, 0, NULL);
	if (!json_is_object(params) ||
	    (am = api_find(method, path, params)) == NULL) {
		reply(m->id, 501, "method not implemented", NULL);
		goto out;
	}
	if (api_verify(am, &env, params, &err) < 0) {
		if (env.param_errors == NULL)
			abort();
		reply(m->id, 400, err.msg, env.param_errors);
		goto out;
	}
	if (api_check(cfg, authid, method, am->path, params, &err) < 0)
		reply(m->id, http_status_for(&err, false), err.msg, NULL);
	else
		reply(m->id, 200, NULL, NULL);
out:
	json_decref(params);
	api_env_clear(&env);
	free(method);
	free(path);
	free(ptext);
	free(authid);
	free(client);
}

static void
handle_token(const struct ipc_msg *m)
{
	char *tokenid = ipc_get_str(m, IPC_T_TOKENID);
	char *secret = ipc_get_str(m, IPC_T_SECRET);
	const char *want;
	bool ok = false;

	if (tokenid != NULL && secret != NULL) {
		ok = tokencfg_verify(tokens, tokenid, secret);
		want = tokencfg_get(tokens, tokenid);
		if (ok != (want != NULL && strcmp(want, secret) == 0))
			abort();
	}
	reply(m->id, ok ? 200 : 401, NULL, NULL);
	free(tokenid);
	free(secret);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int sv[2], sndbuf = 1 << 20;
	struct ipc_msg m;
	struct err err;

	if (cfg == NULL) {
		cfg = ucfg_parse(user_cfg, sizeof(user_cfg) - 1, "user.cfg",
		    NULL);
		tokens = tokencfg_parse(token_cfg, sizeof(token_cfg) - 1,
		    "token.cfg", NULL);
	}
	if (size > 100000 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return 0;
	(void)setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf,
	    sizeof(sndbuf));
	if (size > 0 && write(sv[0], data, size) != (ssize_t)size)
		abort();
	close(sv[0]);
	for (;;) {
		if (ipc_recv(sv[1], &m, &err) < 0) {
			if (err.code != ERR_IO && err.code != ERR_INVALID)
				abort();
			ipc_msg_clear(&m);
			break;
		}
		if (m.type == IPC_CALL)
			handle_call(&m);
		else if (m.type == IPC_TOKEN)
			handle_token(&m);
		else
			reply(m.id, 400, "unknown request", NULL);
		ipc_msg_clear(&m);
	}
	close(sv[1]);
	return 0;
}
