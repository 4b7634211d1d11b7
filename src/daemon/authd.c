/*
 * authd: the root helper of `realmgate serve`.  It holds what the front
 * must not: the ticket-signing key, priv/ (password hashes, token secrets,
 * bind passwords) and PAM.  It answers typed requests from the front one
 * at a time: API calls that change files or log in (run through the same
 * handlers the CLI uses, as the caller whose ticket or token it verified
 * itself, after its own permission check), and token-secret checks.  It
 * never sees raw HTTP and trusts nothing the front says about who calls.
 */
#include "daemon.h"
#include "cfs/cfs.h"
#include "api.h"
#include "api_auth.h"
#include "api_check.h"
#include "files/tokencfg.h"
#include "ipc.h"
#include "store.h"
#include "secret.h"
#include "ticket/csrf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/*
 * The identity of priv/token.cfg as it is now (device, inode, size,
 * mtime), FNV-1a hashed: sent with every answer, so that the front, which
 * cannot look into priv/, drops the token secrets it verified through us
 * as soon as it learns the file changed (front_auth.c).  Taken before the
 * file is read, so a secret is never labelled newer than what it was
 * checked against.
 */
static uint64_t
tokencfg_identity(const char *config_dir)
{
	struct buf path = BUF_INIT;
	struct stat st;
	uint64_t v[5], h = UINT64_C(14695981039346656037);
	size_t i;
	const unsigned char *p = (const unsigned char *)v;

	cfs_path(config_dir, TOKENCFG_FILE, &path);
	if (stat(buf_str(&path), &st) < 0)
		memset(&st, 0, sizeof(st));
	buf_clear(&path);
	v[0] = (uint64_t)st.st_dev;
	v[1] = (uint64_t)st.st_ino;
	v[2] = (uint64_t)st.st_size;
	v[3] = (uint64_t)st.st_mtim.tv_sec;
	v[4] = (uint64_t)st.st_mtim.tv_nsec;
	for (i = 0; i < sizeof(v); i++) {
		h ^= p[i];
		h *= UINT64_C(1099511628211);
	}
	return h;
}

static void
reply_result(int fd, uint32_t id, uint64_t tokencfg, unsigned status,
    const json_t *data, const char *message, const json_t *errors)
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
	ipc_add_u64(&m, IPC_T_TOKENCFG, tokencfg);
	if (ipc_send(fd, &m, &err) < 0)
		fprintf(stderr, "realmgate authd: %s\n", err.msg);
	ipc_msg_clear(&m);
}

/*
 * Who is calling, by the credential the client presented, verified here:
 * the front's word is not taken for it.  A ticket is checked against our
 * keys, a token's secret against priv/token.cfg, and either's user (and
 * token) against cfg, our snapshot.  A token may not call a method that
 * refuses tokens.  0 with the caller in authid, or -1 with err and the
 * HTTP status in *status_r.
 */
static int
caller_identity(struct api_env *env, const struct ucfg *cfg,
    const struct ipc_msg *m, const char *method, const char *tmpl,
    const char *path, struct buf *authid, unsigned *status_r,
    struct err *err)
{
	char *ticket = ipc_get_str(m, IPC_T_TICKET);
	char *tokenid = ipc_get_str(m, IPC_T_TOKENID);
	char *secret = ipc_get_str(m, IPC_T_SECRET);
	int rc = -1;

	*status_r = 401;
	if (ticket != NULL && (tokenid != NULL || secret != NULL)) {
		*status_r = 400;
		err_set(err, ERR_INVALID, "malformed request");
	} else if (ticket != NULL) {
		rc = api_auth_ticket(env, cfg, ticket, strlen(ticket), authid,
		    err);
	} else if (tokenid != NULL && secret != NULL) {
		if (api_auth_token(env, cfg, tokenid, secret, err) < 0)
			goto out;
		if (!api_check_allows_token(method, tmpl)) {
			*status_r = 403;
			err_set(err, ERR_DENIED, "URI '%s' not available with "
			    "API token, need proper ticket.", path);
			goto out;
		}
		buf_reset(authid);
		buf_puts(authid, tokenid);
		rc = 0;
	} else {
		err_set(err, ERR_AUTH, "No ticket");
	}
out:
	secret_free_str(ticket);
	free(tokenid);
	secret_free_str(secret);
	return rc;
}

/*
 * An API call.  Everything the front checked is checked again, on our own
 * snapshot: the caller's credential, the parameters, the method's
 * permission check, the token restrictions; only then the handler runs.
 * Logins and other world methods need no credential (they are the
 * authentication, or need none).  The CSRF token stays the front's
 * business: it protects browsers, not against the front.
 */
static void
handle_call(const struct serve_opts *opts, int fd, const struct ipc_msg *m)
{
	char *method = ipc_get_str(m, IPC_T_METHOD);
	char *path = ipc_get_str(m, IPC_T_PATH);
	char *ptext = ipc_get_str(m, IPC_T_PARAMS);
	char *client = ipc_get_str(m, IPC_T_CLIENT);
	char *host = ipc_get_str(m, IPC_T_HOST);
	uint64_t tcfg = tokencfg_identity(opts->config_dir);
	const struct api_method *am = NULL;
	json_t *params = NULL, *result = NULL;
	struct buf authid = BUF_INIT;
	struct ucfg *cfg = NULL;
	struct api_env env;
	struct err err;
	unsigned status;

	api_env_init(&env, opts->config_dir, NULL);
	env.client = client != NULL && *client != '\0' ? client : NULL;
	env.host = host;
	if (method == NULL || path == NULL || ptext == NULL) {
		reply_result(fd, m->id, tcfg, 400, NULL, "malformed request",
		    NULL);
		goto out;
	}
	params = json_loads(ptext, 0, NULL);
	if (!json_is_object(params) ||
	    (am = api_find(method, path, params)) == NULL) {
		reply_result(fd, m->id, tcfg, 501, NULL,
		    "method not implemented", NULL);
		goto out;
	}
	if (store_read_user(&env, &cfg, &err) < 0) {
		reply_result(fd, m->id, tcfg, 500, NULL, err.msg, NULL);
		goto out;
	}
	if (api_check_access(method, am->path) != API_WORLD) {
		if (caller_identity(&env, cfg, m, method, am->path, path,
		    &authid, &status, &err) < 0) {
			fprintf(stderr, "realmgate authd: refused %s %s: %s\n",
			    method, path, err.msg);
			reply_result(fd, m->id, tcfg, status, NULL, err.msg,
			    NULL);
			goto out;
		}
		env.authid = buf_str(&authid);
	}
	if (api_verify(am, &env, params, &err) < 0) {
		reply_result(fd, m->id, tcfg, 400, NULL, err.msg,
		    env.param_errors);
		goto out;
	}
	if (env.authid != NULL && api_check(cfg, env.authid, method,
	    am->path, params, &err) < 0) {
		reply_result(fd, m->id, tcfg, http_status_for(&err, false),
		    NULL, err.msg, NULL);
		goto out;
	}
	if (api_run(am, &env, params, &result, &err) < 0)
		reply_result(fd, m->id, tcfg, http_status_for(&err,
		    env.param_errors != NULL), NULL, err.msg, env.param_errors);
	else
		reply_result(fd, m->id, tcfg, 200, result, NULL, NULL);
out:
	json_decref(result);
	json_decref(params);
	store_release_user(cfg);
	api_env_clear(&env);
	buf_clear(&authid);
	free(method);
	free(path);
	secret_free_str(ptext);
	free(client);
	free(host);
}

static void
handle_token(const struct serve_opts *opts, int fd, const struct ipc_msg *m)
{
	char *tokenid = ipc_get_str(m, IPC_T_TOKENID);
	char *secret = ipc_get_str(m, IPC_T_SECRET);
	uint64_t tcfg = tokencfg_identity(opts->config_dir);
	struct tokencfg *t = NULL;
	struct err err;
	bool ok = false;

	if (tokenid != NULL && secret != NULL &&
	    tokencfg_load(opts->config_dir, NULL, &t, &err) == 0)
		ok = tokencfg_verify(t, tokenid, secret);
	tokencfg_free(t);
	reply_result(fd, m->id, tcfg, ok ? 200 : 401, NULL, NULL, NULL);
	free(tokenid);
	secret_free_str(secret);
}

void
authd_handle(const struct serve_opts *opts, int fd, const struct ipc_msg *m)
{
	cfs_refresh();	/* each request reads the newest snapshot */
	if (m->type == IPC_CALL)
		handle_call(opts, fd, m);
	else if (m->type == IPC_TOKEN)
		handle_token(opts, fd, m);
	else
		reply_result(fd, m->id, tokencfg_identity(opts->config_dir),
		    400, NULL, "unknown request", NULL);
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
		authd_handle(opts, fd, &m);
		ipc_msg_clear(&m);
	}
}
