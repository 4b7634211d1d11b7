/*
 * `realmgate serve`: prepare the config directory (ticket keys, the CSRF
 * key, the TLS certificate), then split into authd (root, keeps the
 * secrets) and the front (drops to an unprivileged user and serves HTTP),
 * joined by a socketpair.  Each watches the other: if one goes, both go.
 * SIGTERM and SIGINT shut down cleanly, SIGHUP makes the front drop its
 * cached config.
 */
#include "daemon.h"
#include "audit.h"
#include "files/lock.h"
#include "ticket/authkey.h"
#include "tls.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile pid_t front_pid;

static void
forward_signal(int sig)
{
	if (front_pid > 0)
		kill(front_pid, sig);
}

static int
usage(void)
{
	fputs("usage: realmgate [--config-dir DIR] serve [--listen ADDR:PORT]..."
	      " [--plain-http]\n"
	      "       [--user USER] [--cert FILE --key FILE] [--www DIR]"
	      " [--audit-log FILE] [--threads N]\n", stderr);
	return 2;
}

static int
parse_opts(int argc, char **argv, struct serve_opts *o)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--plain-http") == 0) {
			o->plain_http = true;
			continue;
		}
		if (v == NULL)
			return -1;
		if (strcmp(a, "--listen") == 0) {
			if (o->listen_count == SERVE_MAX_LISTEN)
				return -1;
			o->listen[o->listen_count++] = v;
		} else if (strcmp(a, "--user") == 0) {
			o->user = v;
		} else if (strcmp(a, "--cert") == 0) {
			o->cert = v;
		} else if (strcmp(a, "--key") == 0) {
			o->key = v;
		} else if (strcmp(a, "--www") == 0) {
			o->www = v;
		} else if (strcmp(a, "--audit-log") == 0) {
			o->audit_log = v;
		} else if (strcmp(a, "--threads") == 0) {
			o->threads = (unsigned)strtoul(v, NULL, 10);
		} else {
			return -1;
		}
		i++;
	}
	if (o->listen_count == 0)
		o->listen[o->listen_count++] = DEFAULT_LISTEN;
	if ((o->cert == NULL) != (o->key == NULL))
		return -1;
	return 0;
}

/* Ticket keys exist and are fresh before the first login. */
static int
prepare_keys(const char *dir, struct err *err)
{
	struct authkey_store *ks = authkey_store_new(dir);
	struct cfg_lock *lock = NULL;
	bool rotated;
	int rc = 0;

	if (authkey_needs_rotation(ks, time(NULL))) {
		rc = cfg_lock(dir, "authkey", CFG_LOCK_TIMEOUT, &lock, err);
		if (rc == 0)
			rc = authkey_rotate(ks, time(NULL), &rotated, err);
		if (lock != NULL)
			cfg_unlock(lock);
	}
	authkey_store_free(ks);
	return rc;
}

/*
 * The front's user and what it may read: the config directory and the
 * non-private files get its group (directories setgid, so that files
 * written later inherit it); priv/ stays root's alone.
 */
static int
share_with_front(const struct serve_opts *o, gid_t gid, struct err *err)
{
	static const char *const dirs[] = {"", "/local", "/realmgate"};
	static const char *const files[] = {"/user.cfg", "/domains.cfg",
	    "/realmgate/domains.cfg", "/authkey.pub", "/authkey.pub.old",
	    "/local/realmgate-ssl.pem", "/local/realmgate-ssl.key"};
	char path[4096];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path), "%s%s", o->config_dir, dirs[i]);
		mkdir(path, 0750);
		if (chown(path, (uid_t)-1, gid) < 0 ||
		    chmod(path, 02750) < 0)
			return err_set(err, ERR_IO, "unable to share '%s' - %s",
			    path, strerror(errno));
	}
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		struct stat st;

		snprintf(path, sizeof(path), "%s%s", o->config_dir, files[i]);
		if (stat(path, &st) < 0)
			continue;
		if (chown(path, (uid_t)-1, gid) < 0 ||
		    chmod(path, (st.st_mode & 07777) | 0040) < 0)
			return err_set(err, ERR_IO, "unable to share '%s' - %s",
			    path, strerror(errno));
	}
	return 0;
}

static int
drop_privileges(const struct passwd *pw, struct err *err)
{
	if (setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 ||
	    setuid(pw->pw_uid) < 0)
		return err_set(err, ERR_IO, "unable to become '%s' - %s",
		    pw->pw_name, strerror(errno));
	if (setuid(0) == 0)
		return err_set(err, ERR_INTERNAL, "could regain root");
	return 0;
}

static const struct passwd *
front_user(const struct serve_opts *o)
{
	const struct passwd *pw;

	if (o->user != NULL)
		return getpwnam(o->user);
	pw = getpwnam("realmgate");
	return pw != NULL ? pw : getpwnam("nobody");
}

int
serve_main(const char *config_dir, int argc, char **argv)
{
	struct serve_opts o = {0};
	struct buf cert = BUF_INIT, key = BUF_INIT;
	const struct passwd *pw = NULL;
	struct sigaction sa;
	struct err err;
	char *dir;
	int sv[2], status, rc;

	if (parse_opts(argc, argv, &o) < 0)
		return usage();
	dir = realpath(config_dir, NULL);
	if (dir == NULL) {
		fprintf(stderr, "realmgate: config directory '%s' - %s\n",
		    config_dir, strerror(errno));
		return 1;
	}
	o.config_dir = dir;
	if (o.www == NULL)
		o.www = getenv("REALMGATE_WWW") != NULL ?
		    getenv("REALMGATE_WWW") : RG_WWW_DIR;
	if (geteuid() == 0) {
		pw = front_user(&o);
		if (pw == NULL) {
			fprintf(stderr, "realmgate: no such user '%s'\n",
			    o.user != NULL ? o.user : "realmgate/nobody");
			return 1;
		}
	}
	if (prepare_keys(dir, &err) < 0 ||
	    tls_ensure_cert(dir, o.cert, o.key, &cert, &key, &err) < 0 ||
	    (pw != NULL && share_with_front(&o, pw->pw_gid, &err) < 0) ||
	    auditlog_open(o.audit_log, &err) < 0) {
		fprintf(stderr, "realmgate: %s\n", err.msg);
		return 1;
	}
	if (pw != NULL && o.audit_log != NULL &&
	    chown(o.audit_log, pw->pw_uid, pw->pw_gid) < 0)
		fprintf(stderr, "realmgate: audit log owner - %s\n",
		    strerror(errno));
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		perror("realmgate: socketpair");
		return 1;
	}
	front_pid = fork();
	if (front_pid < 0) {
		perror("realmgate: fork");
		return 1;
	}
	if (front_pid == 0) {
		close(sv[0]);
		if (pw != NULL && drop_privileges(pw, &err) < 0) {
			fprintf(stderr, "realmgate: %s\n", err.msg);
			_exit(1);
		}
		_exit(front_run(&o, &cert, &key, sv[1]));
	}
	close(sv[1]);
	buf_clear_secret(&key);
	buf_clear(&cert);
	prctl(PR_SET_DUMPABLE, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = forward_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	rc = authd_run(&o, sv[0]);
	close(sv[0]);
	kill(front_pid, SIGTERM);
	while (waitpid(front_pid, &status, 0) < 0 && errno == EINTR)
		;
	auditlog_close();
	free(dir);
	if (rc != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "realmgate: the HTTP front ended (status %d); "
		    "shutting down\n", WIFEXITED(status) ? WEXITSTATUS(status) :
		    128 + WTERMSIG(status));
		return 1;
	}
	return 0;
}
