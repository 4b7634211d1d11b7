/*
 * authd against a hostile front (src/daemon/authd.c): the test plays the
 * front, speaking the IPC protocol to authd_run over a socketpair, and
 * forges what a compromised front could send.  authd must take nobody's
 * word for who calls: no credential, a made-up or forged ticket, a valid
 * ticket of a user without the privilege, a privilege-separated token, a
 * wrong token secret are all refused before any file changes; a valid
 * credential with the privilege goes through.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "daemon.h"
#include "fileio.h"
#include "ipc.h"
#include "ticket/authkey.h"
#include "ticket/pveticket.h"

#include <ftw.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FULL_SECRET "11111111-2222-4333-8444-555555555555"
#define SEP_SECRET  "66666666-7777-4888-8999-aaaaaaaaaaaa"

/*
 * root@pam passes everything; alice is an auditor on / (no User.Modify);
 * dis is disabled; root's token "full" shares root's privileges, "sep" is
 * privilege-separated with only PVEAuditor on /.
 */
static const char user_cfg[] =
    "user:root@pam:1:0:::::::\n"
    "user:alice@pve:1:0:::::::\n"
    "user:bob@pve:1:0:::::::\n"
    "user:dis@pve:0:0:::::::\n"
    "token:root@pam!full:0:0::\n"
    "token:root@pam!sep:0:1::\n"
    "token:root@pam!old:1:0::\n"
    "\n"
    "acl:1:/:alice@pve:PVEAuditor:\n"
    "acl:1:/:root@pam!sep:PVEAuditor:\n";

struct fixture {
	char dir[64];
	struct serve_opts opts;
	pthread_t thread;
	int fd;			/* our end: we are "the front" */
	int authd_fd;
	int rc;
	uint32_t next_id;
};

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static void
put_file(const struct fixture *f, const char *rel, const char *text,
    mode_t mode)
{
	char path[256];
	struct err err;

	snprintf(path, sizeof(path), "%s/%s", f->dir, rel);
	assert_int_equal(file_write_atomic(path, text, strlen(text), mode,
	    &err), 0);
}

static char *
slurp(const struct fixture *f, const char *rel)
{
	char path[256];
	struct buf b = BUF_INIT;
	struct err err;

	snprintf(path, sizeof(path), "%s/%s", f->dir, rel);
	assert_int_equal(file_read(path, 1 << 20, &b, &err), 0);
	return buf_steal(&b);
}

static void *
authd_thread(void *arg)
{
	struct fixture *f = arg;

	f->rc = authd_run(&f->opts, f->authd_fd);
	return NULL;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct authkey_store *ks;
	struct ipc_msg hello;
	struct err err;
	char path[128];
	bool rotated;
	int sv[2];

	snprintf(f->dir, sizeof(f->dir), "/tmp/rg-authd-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(path, sizeof(path), "%s/priv", f->dir);
	assert_int_equal(mkdir(path, 0700), 0);
	ks = authkey_store_new(f->dir);
	assert_int_equal(authkey_rotate(ks, time(NULL), &rotated, &err), 0);
	authkey_store_free(ks);
	put_file(f, "user.cfg", user_cfg, 0640);
	put_file(f, "priv/token.cfg", "root@pam!full " FULL_SECRET "\n"
	    "root@pam!sep " SEP_SECRET "\n"
	    "root@pam!old " FULL_SECRET "\n", 0600);
	f->opts.config_dir = f->dir;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	f->fd = sv[0];
	f->authd_fd = sv[1];
	f->next_id = 1;
	assert_int_equal(pthread_create(&f->thread, NULL, authd_thread, f),
	    0);
	ipc_msg_init(&hello, 0, 0);
	assert_int_equal(ipc_recv(f->fd, &hello, &err), 0);
	assert_int_equal(hello.type, IPC_HELLO);
	ipc_msg_clear(&hello);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	close(f->fd);		/* the front is gone: authd returns */
	pthread_join(f->thread, NULL);
	close(f->authd_fd);
	assert_int_equal(f->rc, 0);
	nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* A login ticket for userid, signed with the directory's key. */
static char *
ticket_for(const struct fixture *f, const char *userid)
{
	struct authkey_store *ks = authkey_store_new(f->dir);
	EVP_PKEY *key = NULL;
	struct err err;
	char *t = NULL;

	assert_int_equal(authkey_get_privkey(ks, &key, &err), 0);
	assert_int_equal(pve_ticket_create(key, TICKET_PAD_PKCS1, userid,
	    time(NULL), &t, &err), 0);
	EVP_PKEY_free(key);
	authkey_store_free(ks);
	return t;
}

struct answer {
	uint32_t status;
	char *message;
	uint64_t tokencfg;
	bool has_tokencfg;
};

static void
answer_clear(struct answer *a)
{
	free(a->message);
	memset(a, 0, sizeof(*a));
}

static void
exchange(struct fixture *f, struct ipc_msg *req, struct answer *a)
{
	struct ipc_msg rep;
	struct err err;

	memset(a, 0, sizeof(*a));
	assert_int_equal(ipc_send(f->fd, req, &err), 0);
	ipc_msg_init(&rep, 0, 0);
	assert_int_equal(ipc_recv(f->fd, &rep, &err), 0);
	assert_int_equal(rep.type, IPC_RESULT);
	assert_int_equal(rep.id, req->id);
	assert_true(ipc_get_u32(&rep, IPC_T_STATUS, &a->status));
	a->message = ipc_get_str(&rep, IPC_T_MESSAGE);
	a->has_tokencfg = ipc_get_u64(&rep, IPC_T_TOKENCFG, &a->tokencfg);
	ipc_msg_clear(&rep);
	ipc_msg_clear(req);
}

/*
 * An IPC_CALL as a front would build it; extra_tag/extra adds one more
 * field (0: none), for what a forging front might send.
 */
static void
call(struct fixture *f, const char *method, const char *path,
    const char *params, const char *ticket, const char *tokenid,
    const char *secret, uint16_t extra_tag, const char *extra,
    struct answer *a)
{
	struct ipc_msg req;

	ipc_msg_init(&req, IPC_CALL, f->next_id++);
	ipc_add_str(&req, IPC_T_METHOD, method);
	ipc_add_str(&req, IPC_T_PATH, path);
	ipc_add_str(&req, IPC_T_PARAMS, params);
	if (ticket != NULL)
		ipc_add_str(&req, IPC_T_TICKET, ticket);
	if (tokenid != NULL)
		ipc_add_str(&req, IPC_T_TOKENID, tokenid);
	if (secret != NULL)
		ipc_add_str(&req, IPC_T_SECRET, secret);
	if (extra_tag != 0)
		ipc_add_str(&req, extra_tag, extra);
	ipc_add_str(&req, IPC_T_CLIENT, "127.0.0.1");
	exchange(f, &req, a);
}

/* The write every case attempts: a comment on bob. */
#define WRITE_METHOD "PUT"
#define WRITE_PATH   "/access/users/bob@pve"
#define WRITE_PARAMS "{\"comment\":\"written\"}"

static void
assert_not_written(const struct fixture *f)
{
	char *now = slurp(f, "user.cfg");

	assert_string_equal(now, user_cfg);
	free(now);
}

static void
assert_written(const struct fixture *f)
{
	char *now = slurp(f, "user.cfg");

	assert_non_null(strstr(now, "user:bob@pve:1:0::::written::"));
	free(now);
}

/*
 * The old protocol: the front named the caller (tag 9 was the authid).  A
 * front that names root@pam without any credential gets nothing.
 */
static void
test_forged_authid_refused(void **state)
{
	struct fixture *f = *state;
	struct answer a;

	call(f, WRITE_METHOD, WRITE_PATH, WRITE_PARAMS, NULL, NULL, NULL,
	    IPC_T_TICKET, "root@pam", &a);
	assert_int_equal(a.status, 401);
	answer_clear(&a);
	call(f, WRITE_METHOD, WRITE_PATH, WRITE_PARAMS, NULL, NULL, NULL, 0,
	    NULL, &a);
	assert_int_equal(a.status, 401);
	assert_string_equal(a.message, "No ticket");
	answer_clear(&a);
	/* a token id without its secret is no credential either */
	call(f, WRITE_METHOD, WRITE_PATH, WRITE_PARAMS, NULL, "root@pam!full",
	    NULL, 0, NULL, &a);
	assert_int_equal(a.status, 401);
	answer_clear(&a);
	assert_not_written(f);
}

/* A ticket naming root@pam that was not signed with the key. */
static void
test_forged_ticket_refused(void **state)
{
	struct fixture *f = *state;
	char *good = ticket_for(f, "alice@pve"), forged[1024];
	const char *sig = strstr(good, "::");
	struct answer a;

	assert_non_null(sig);
	/* alice's signature under root's name */
	snprintf(forged, sizeof(forged), "PVE:root@pam:%.8s%s",
	    strchr(good + 4, ':') + 1, sig);
	call(f, WRITE_METHOD, WRITE_PATH, WRITE_PARAMS, forged, NULL, NULL, 0,
	    NULL, &a);
	assert_int_equal(a.status, 401);
	assert_string_equal(a.message,
	    "permission denied - invalid PVE ticket");
	answer_clear(&a);
	free(good);
	assert_not_written(f);
}

/*
 * A valid ticket of a user who may not write: refused by authd's own
 * permission check even though a compromised front forwards it.
 */
static void
test_narrow_user_refused(void **state)
{
	struct fixture *f = *state;
	char *t = ticket_for(f, "alice@pve");
	struct answer a;

	call(f, WRITE_METHOD, WRITE_PATH, WRITE_PARAMS, t, NULL, NULL, 0,
	    NULL, &a);
	assert_int_equal(a.status, 403);
	assert_string_equal(a.message,
	    "Permission check failed (/access/groups, User.Modify)");
	answer_clear(&a);
	free(t);
	assert_not_written(f);
}

/* A validly signed ticket of a disabled user. */
static void
test_disabled_user_refused(void **state)
{
	struct fixture *f = *state;
	char *t = ticket_for(f, "dis@pve");
	struct answer a;

	call(f, WRITE_METHOD, WRITE_PATH, WRITE_PARAMS, t, NULL, NULL, 0,
	    NULL, &a);
	assert_int_equal(a.status, 401);
	assert_string_equal(a.message, "user 'dis@pve' is disabled");
	answer_clear(&a);
	free(t);
	assert_not_written(f);
}

static void
test_root_ticket_writes(void **state)
{
	struct fixture *f = *state;
	char *t = ticket_for(f, "root@pam");
	struct answer a;

	call(f, WRITE_METHOD, WRITE_PATH, WRITE_PARAMS, t, NULL, NULL, 0,
	    NULL, &a);
	assert_int_equal(a.status, 200);
	answer_clear(&a);
	free(t);
	assert_written(f);
}

/* Parameters are verified by authd too. */
static void
test_bad_params_refused(void **state)
{
	struct fixture *f = *state;
	char *t = ticket_for(f, "root@pam");
	struct answer a;

	call(f, WRITE_METHOD, WRITE_PATH, "{\"expire\":\"soon\"}", t, NULL,
	    NULL, 0, NULL, &a);
	assert_int_equal(a.status, 400);
	assert_string_equal(a.message, "Parameter verification failed.");
	answer_clear(&a);
	free(t);
	assert_not_written(f);
}

/*
 * Tokens: the secret is checked against priv/token.cfg, privilege
 * separation holds, tokens are refused where Proxmox refuses them, and an
 * expired token is refused.
 */
static void
test_tokens(void **state)
{
	struct fixture *f = *state;
	struct answer a;

	call(f, WRITE_METHOD, WRITE_PATH, WRITE_PARAMS, NULL, "root@pam!full",
	    SEP_SECRET, 0, NULL, &a);
	assert_int_equal(a.status, 401);
	assert_string_equal(a.message,
	    "invalid token value for 'root@pam!full'");
	answer_clear(&a);
	call(f, WRITE_METHOD, WRITE_PATH, WRITE_PARAMS, NULL, "root@pam!sep",
	    SEP_SECRET, 0, NULL, &a);
	assert_int_equal(a.status, 403);
	assert_string_equal(a.message,
	    "Permission check failed (/access/groups, User.Modify)");
	answer_clear(&a);
	call(f, WRITE_METHOD, WRITE_PATH, WRITE_PARAMS, NULL, "root@pam!old",
	    FULL_SECRET, 0, NULL, &a);
	assert_int_equal(a.status, 401);
	assert_string_equal(a.message, "token 'root@pam!old' access expired");
	answer_clear(&a);
	call(f, WRITE_METHOD, WRITE_PATH, WRITE_PARAMS, NULL, "nobody@pve!x",
	    FULL_SECRET, 0, NULL, &a);
	assert_int_equal(a.status, 401);
	answer_clear(&a);
	call(f, "PUT", "/access/password",
	    "{\"userid\":\"bob@pve\",\"password\":\"new-password-1\"}", NULL,
	    "root@pam!full", FULL_SECRET, 0, NULL, &a);
	assert_int_equal(a.status, 403);
	assert_string_equal(a.message, "URI '/access/password' not available "
	    "with API token, need proper ticket.");
	answer_clear(&a);
	/* both a ticket and a token: which one? neither */
	call(f, WRITE_METHOD, WRITE_PATH, WRITE_PARAMS, "PVE:x", "root@pam!full",
	    FULL_SECRET, 0, NULL, &a);
	assert_int_equal(a.status, 400);
	answer_clear(&a);
	assert_not_written(f);
	call(f, WRITE_METHOD, WRITE_PATH, WRITE_PARAMS, NULL, "root@pam!full",
	    FULL_SECRET, 0, NULL, &a);
	assert_int_equal(a.status, 200);
	answer_clear(&a);
	assert_written(f);
}

/* World methods need no credential (a login is the authentication). */
static void
test_world_needs_no_credential(void **state)
{
	struct fixture *f = *state;
	struct answer a;

	call(f, "GET", "/access/domains", "{}", NULL, NULL, NULL, 0, NULL, &a);
	assert_int_equal(a.status, 200);
	answer_clear(&a);
	call(f, "POST", "/access/ticket",
	    "{\"username\":\"bob@pve\",\"password\":\"wrong-password\"}", NULL,
	    NULL, NULL, 0, NULL, &a);
	assert_int_equal(a.status, 401);
	assert_string_not_equal(a.message, "No ticket");
	answer_clear(&a);
}

/* Every answer names token.cfg's identity; a rewrite changes it. */
static void
test_tokencfg_identity(void **state)
{
	struct fixture *f = *state;
	struct ipc_msg req;
	struct answer a;
	uint64_t before;

	ipc_msg_init(&req, IPC_TOKEN, f->next_id++);
	ipc_add_str(&req, IPC_T_TOKENID, "root@pam!full");
	ipc_add_str(&req, IPC_T_SECRET, FULL_SECRET);
	exchange(f, &req, &a);
	assert_int_equal(a.status, 200);
	assert_true(a.has_tokencfg);
	before = a.tokencfg;
	answer_clear(&a);
	put_file(f, "priv/token.cfg", "root@pam!full " SEP_SECRET "\n", 0600);
	ipc_msg_init(&req, IPC_TOKEN, f->next_id++);
	ipc_add_str(&req, IPC_T_TOKENID, "root@pam!full");
	ipc_add_str(&req, IPC_T_SECRET, FULL_SECRET);
	exchange(f, &req, &a);
	assert_int_equal(a.status, 401);
	assert_true(a.has_tokencfg);
	assert_true(a.tokencfg != before);
	answer_clear(&a);
	call(f, "GET", "/access/domains", "{}", NULL, NULL, NULL, 0, NULL, &a);
	assert_true(a.has_tokencfg);
	answer_clear(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_forged_authid_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_forged_ticket_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_narrow_user_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_disabled_user_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_root_ticket_writes,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_params_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
		cmocka_unit_test_setup_teardown(test_world_needs_no_credential,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_tokencfg_identity, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
