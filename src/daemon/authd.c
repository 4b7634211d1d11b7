/*
 * authd: the root helper of `realmgate serve`.  It holds what the front
 * must not: the ticket-signing key, priv/ (password hashes, token secrets,
 * bind passwords) and PAM.  It answers typed requests from the front one
 * at a time: API calls that change files or log in (run through the same
 * handlers the CLI uses, as the caller the front authenticated), and
 * token-secret checks.  It never sees raw HTTP.
 */
#include "daemon.h"
#include "api.h"
#include "files/tokencfg.h"
#include "ipc.h"
#include "store.h"
#include "secret.h"
#include "ticket/csrf.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static void
reply_result(int fd, uint32_t id, unsigned status, const json_t *data,
    const char *message, const json_t *errors)
{
	struct ipc_msg m;
	struct err err;
	char *text;

	ipc_msg_init(&m, IPC_RESULT, id);
	ipc_add_u32(&m, IPC_T_STATUS, status);
	if (data != NULL) {
		text = json_dumps(data, JSON_COMPACT | JSON_ENCODE_ANY);
		if (text != NULL) {
			ipc_add_str(&m, IPC_T_DATA, text);
			/* a login answer carries a ticket: wipe the copy */
			secret_wipe(text, strlen(text));
			free(text);
		}
	}
	if (message != NULL)
		ipc_add_str(&m, IPC_T_MESSAGE, message);
	if (errors != NULL) {
		text = json_dumps(errors, JSON_COMPACT);
		if (text != NULL) {
			ipc_add_str(&m, IPC_T_ERRORS, text);
			free(text);
		}
	}
	if (ipc_send(fd, &m, &err) < 0)
		fprintf(stderr, "realmgate authd: %s\n", err.msg);
	ipc_msg_clear(&m);
}

static void
handle_call(const struct serve_opts *opts, int fd, const struct ipc_msg *m)
{
	char *method = ipc_get_str(m, IPC_T_METHOD);
	char *path = ipc_get_str(m, IPC_T_PATH);
	char *ptext = ipc_get_str(m, IPC_T_PARAMS);
	char *authid = ipc_get_str(m, IPC_T_AUTHID);
	char *client = ipc_get_str(m, IPC_T_CLIENT);
	const struct api_method *am = NULL;
	json_t *params = NULL, *result = NULL;
	struct api_env env;
	struct err err;

	api_env_init(&env, opts->config_dir, authid);
	env.client = client != NULL && *client != '\0' ? client : NULL;
	if (method == NULL || path == NULL || ptext == NULL || authid == NULL) {
		reply_result(fd, m->id, 400, NULL, "malformed request", NULL);
		goto out;
	}
	params = json_loads(ptext, 0, NULL);
	if (!json_is_object(params) ||
	    (am = api_find(method, path, params)) == NULL) {
		reply_result(fd, m->id, 501, NULL, "method not implemented",
		    NULL);
		goto out;
	}
	if (api_call(am, &env, params, &result, &err) < 0)
		reply_result(fd, m->id, http_status_for(&err,
		    env.param_errors != NULL), NULL, err.msg, env.param_errors);
	else
		reply_result(fd, m->id, 200, result, NULL, NULL);
out:
	json_decref(result);
	json_decref(params);
	api_env_clear(&env);
	free(method);
	free(path);
	secret_free_str(ptext);
	free(authid);
	free(client);
}

static void
handle_token(const struct serve_opts *opts, int fd, const struct ipc_msg *m)
{
	char *tokenid = ipc_get_str(m, IPC_T_TOKENID);
	char *secret = ipc_get_str(m, IPC_T_SECRET);
	struct tokencfg *t = NULL;
	struct err err;
	bool ok = false;

	if (tokenid != NULL && secret != NULL &&
	    tokencfg_load(opts->config_dir, NULL, &t, &err) == 0)
		ok = tokencfg_verify(t, tokenid, secret);
	tokencfg_free(t);
	reply_result(fd, m->id, ok ? 200 : 401, NULL, NULL, NULL);
	free(tokenid);
	secret_free_str(secret);
}

int
authd_run(const struct serve_opts *opts, int fd)
{
	struct csrf_secret csrf;
	struct ipc_msg m;
	struct err err;

	/* logins read user.cfg: parse it once per change, not per request */
	store_cache_enable();
	if (csrf_secret_load(opts->config_dir, true, &csrf, &err) < 0) {
		fprintf(stderr, "realmgate authd: %s\n", err.msg);
		return 1;
	}
	ipc_msg_init(&m, IPC_HELLO, 0);
	ipc_add_str(&m, IPC_T_CSRF_SECRET, csrf.s);
	csrf_secret_wipe(&csrf);
	if (ipc_send(fd, &m, &err) < 0) {
		ipc_msg_clear(&m);
		return 1;
	}
	ipc_msg_clear(&m);
	for (;;) {
		ipc_msg_init(&m, 0, 0);
		if (ipc_recv(fd, &m, &err) < 0) {
			ipc_msg_clear(&m);
			/* the front is gone (or spoke nonsense): so are we */
			return err.code == ERR_IO ? 0 : 1;
		}
		if (m.type == IPC_CALL)
			handle_call(opts, fd, &m);
		else if (m.type == IPC_TOKEN)
			handle_token(opts, fd, &m);
		else
			reply_result(fd, m.id, 400, NULL, "unknown request",
			    NULL);
		ipc_msg_clear(&m);
	}
}
