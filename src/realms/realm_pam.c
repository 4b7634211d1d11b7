/*
 * The pam realm (spec 5.3): run the PAM service (proxmox-ve-auth unless
 * configured) for the user, answering every prompt with the password, then
 * pam_authenticate and pam_acct_mgmt.
 *
 * The conversation runs in a forked child, as Proxmox does: PAM modules are
 * third-party code loaded into our process, they may leak, keep state, hang
 * or crash, and the caller (the root helper) must survive all of that.  The
 * child sends one fixed-size reply over a pipe and leaves with _exit, so no
 * atexit handler or library destructor of the parent runs twice.  The
 * parent waits at most realm->timeout_ms, then kills the child.
 *
 * Fork in a threaded caller is safe enough here because the child only
 * calls PAM and libc (glibc keeps malloc usable across fork); the design
 * puts PAM in the single-threaded root helper anyway.
 *
 * PAM's failure delay (pam_unix sleeps about 2 s after a failure) is turned
 * off with a no-op PAM_FAIL_DELAY: the HTTP layer delays failed logins
 * itself without blocking a thread, and a sleeping child would serialise
 * logins in the helper.
 */
#include "realm.h"
#include "monoclock.h"
#include "str.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <security/pam_appl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* What the child writes to the pipe, all of it in one write. */
struct pam_reply {
	int32_t result;		/* enum realm_result */
	int32_t code;		/* enum err_code */
	char msg[ERR_MSG_MAX];
};
_Static_assert(sizeof(struct pam_reply) <= PIPE_BUF,
    "the reply must fit one atomic pipe write");

static int
conv_answer(int n, const struct pam_message **msg,
    struct pam_response **resp_r, void *arg)
{
	const char *password = arg;
	struct pam_response *resp;
	int i;

	if (n <= 0 || n > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	if ((resp = calloc((size_t)n, sizeof(*resp))) == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		/* Info and error texts need no answer. */
		if (msg[i]->msg_style != PAM_PROMPT_ECHO_OFF &&
		    msg[i]->msg_style != PAM_PROMPT_ECHO_ON)
			continue;
		if ((resp[i].resp = strdup(password)) == NULL)
			goto fail;
	}
	*resp_r = resp;	/* PAM owns and frees the copies */
	return PAM_SUCCESS;
fail:
	for (i = 0; i < n; i++)
		if (resp[i].resp != NULL) {
			explicit_bzero(resp[i].resp, strlen(resp[i].resp));
			free(resp[i].resp);
		}
	free(resp);
	return PAM_BUF_ERR;
}

static void
no_fail_delay(int retval, unsigned usec_delay, void *arg)
{
	(void)retval;
	(void)usec_delay;
	(void)arg;
}

/* Is rc a verdict on the credentials or account, not a system failure? */
static enum realm_result
map_pam(int rc)
{
	switch (rc) {
	case PAM_SUCCESS:
		return REALM_OK;
	case PAM_AUTH_ERR:
	case PAM_USER_UNKNOWN:
	case PAM_CRED_INSUFFICIENT:
	case PAM_MAXTRIES:
	case PAM_PERM_DENIED:
	case PAM_ACCT_EXPIRED:
	case PAM_NEW_AUTHTOK_REQD:
	case PAM_AUTHTOK_EXPIRED:
	case PAM_CRED_EXPIRED:
		return REALM_DENIED;
	case PAM_AUTHINFO_UNAVAIL:
		return REALM_UNAVAILABLE;
	default:
		return REALM_ERROR;
	}
}

static void
reply_set(struct pam_reply *r, enum realm_result res, enum err_code code,
    const char *stage, const char *msg)
{
	struct err e;

	err_set(&e, code, "%s: %s", stage, msg);
	r->result = (int32_t)res;
	r->code = (int32_t)e.code;
	str_copy(r->msg, sizeof(r->msg), e.msg);
}

/* The PAM transaction, in the child. */
static void
pam_converse(const char *service, const char *user,
    const char *password, const char *rhost, struct pam_reply *r)
{
	struct pam_conv conv = {
		.conv = conv_answer,
		.appdata_ptr = (void *)(uintptr_t)password,
	};
	pam_handle_t *h = NULL;
	const char *stage = "pam_start";
	enum realm_result res;
	int rc;

	rc = pam_start(service, user, &conv, &h);
	if (rc != PAM_SUCCESS || h == NULL) {
		reply_set(r, REALM_ERROR, ERR_INTERNAL, stage,
		    h != NULL ? pam_strerror(h, rc) : "failed");
		if (h != NULL)
			pam_end(h, rc);
		return;
	}
	stage = "pam_set_item";
	rc = pam_set_item(h, PAM_FAIL_DELAY, (const void *)no_fail_delay);
	if (rc == PAM_SUCCESS && rhost != NULL && rhost[0] != '\0')
		rc = pam_set_item(h, PAM_RHOST, rhost);
	if (rc == PAM_SUCCESS) {
		stage = "pam_authenticate";
		rc = pam_authenticate(h,
		    PAM_SILENT | PAM_DISALLOW_NULL_AUTHTOK);
	}
	if (rc == PAM_SUCCESS) {
		stage = "pam_acct_mgmt";
		rc = pam_acct_mgmt(h, PAM_SILENT | PAM_DISALLOW_NULL_AUTHTOK);
	}
	res = map_pam(rc);
	if (res == REALM_OK) {
		r->result = REALM_OK;
		r->code = ERR_NONE;
	} else {
		reply_set(r, res, res == REALM_DENIED ? ERR_AUTH :
		    res == REALM_UNAVAILABLE ? ERR_UNAVAILABLE : ERR_INTERNAL,
		    stage, pam_strerror(h, rc));
	}
	pam_end(h, rc);
}


/*
 * Read the reply from fd until EOF, the full size or the deadline.
 * Returns the number of bytes read, or -1 on timeout.
 */
static ssize_t
read_reply(int fd, struct pam_reply *r, unsigned int timeout_ms)
{
	long long deadline = mono_ms() + timeout_ms;
	char *p = (char *)r;
	size_t got = 0;

	while (got < sizeof(*r)) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long long left = deadline - mono_ms();
		ssize_t n;
		int pr;

		if (left <= 0)
			return -1;
		pr = poll(&pfd, 1, (int)(left > INT_MAX ? INT_MAX : left));
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr == 0)
			return -1;
		n = read(fd, p + got, sizeof(*r) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* Reap the child; -1 if waitpid failed (e.g. SIGCHLD is ignored). */
static int
reap(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

static enum realm_result
child_failed(int status, bool have_status, struct err *err)
{
	if (have_status && WIFSIGNALED(status))
		err_set(err, ERR_INTERNAL, "PAM child killed by signal %d",
		    WTERMSIG(status));
	else if (have_status && WIFEXITED(status))
		err_set(err, ERR_INTERNAL, "PAM child exited with status %d "
		    "without a result", WEXITSTATUS(status));
	else
		err_set(err, ERR_INTERNAL, "PAM child gave no result");
	return REALM_ERROR;
}

static enum realm_result
pam_authenticate_user(const struct realm_ctx *realm, const char *user,
    const char *password, const char *rhost, struct err *err)
{
	const char *service = realm->pam_service != NULL &&
	    realm->pam_service[0] != '\0' ? realm->pam_service :
	    REALM_PAM_SERVICE_DEFAULT;
	unsigned int timeout = realm->timeout_ms != 0 ? realm->timeout_ms :
	    REALM_PAM_TIMEOUT_MS;
	struct pam_reply r;
	int fds[2], status = 0;
	bool have_status;
	ssize_t got;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0) {
		err_set(err, ERR_INTERNAL, "pipe: %s", strerror(errno));
		return REALM_ERROR;
	}
	if ((pid = fork()) < 0) {
		err_set(err, ERR_INTERNAL, "fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return REALM_ERROR;
	}
	if (pid == 0) {
		close(fds[0]);
		memset(&r, 0, sizeof(r));
		pam_converse(service, user, password, rhost, &r);
		/* One write of under PIPE_BUF bytes: atomic on a pipe. */
		if (write(fds[1], &r, sizeof(r)) != (ssize_t)sizeof(r))
			_exit(2);
		_exit(0);
	}
	close(fds[1]);
	memset(&r, 0, sizeof(r));
	got = read_reply(fds[0], &r, timeout);
	close(fds[0]);
	if (got < 0) {
		kill(pid, SIGKILL);
		(void)reap(pid, &status);
		err_set(err, ERR_UNAVAILABLE, "PAM service '%s' did not answer "
		    "within %u ms", service, timeout);
		return REALM_UNAVAILABLE;
	}
	have_status = reap(pid, &status) == 0;
	if ((size_t)got != sizeof(r) || r.result < REALM_OK ||
	    r.result > REALM_ERROR)
		return child_failed(status, have_status, err);
	r.msg[sizeof(r.msg) - 1] = '\0';
	if (r.result != REALM_OK) {
		err->code = r.code > ERR_NONE && r.code <= ERR_INTERNAL ?
		    (enum err_code)r.code : ERR_INTERNAL;
		str_copy(err->msg, sizeof(err->msg), r.msg);
	}
	return (enum realm_result)r.result;
}

const struct realm_ops realm_ops_pam = {
	.type = "pam",
	.caps = REALM_CAP_PASSWORD | REALM_CAP_STORE_PW,
	.authenticate = pam_authenticate_user,
	.set_password = realm_pam_set_password,
};
