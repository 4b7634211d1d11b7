/*
 * `realmgate serve`: prepare the config directory (ticket keys, the CSRF
 * key, the TLS certificate), then start the processes: the front (drops
 * to an unprivileged user and serves HTTP) and one authd worker per CPU
 * (root, keeps the secrets), each worker joined to the front by its own
 * socketpair.  This process stays as their supervisor: if any of them
 * ends unexpectedly, all do.  SIGTERM and SIGINT shut down cleanly, SIGHUP
 * makes the front drop its cached config.
 */
#include "daemon.h"
#include "audit.h"
#include "fileio.h"
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

static volatile pid_t front_pid, sched_pid;
static volatile sig_atomic_t stopping;

static void
forward_signal(int sig)
{
	if (sig != SIGHUP)
		stopping = 1;
	if (front_pid > 0)
		kill(front_pid, sig == SIGHUP ? SIGHUP : SIGTERM);
	if (sched_pid > 0 && sig != SIGHUP)
		kill(sched_pid, SIGTERM);
}

static int
usage(void)
{
	fputs("usage: realmgate [--config-dir DIR] serve [--listen ADDR:PORT]..."
	      " [--plain-http]\n"
	      "       [--user USER] [--cert FILE --key FILE] [--www DIR]"
	      " [--audit-log FILE] [--threads N] [--workers N]\n", stderr);
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
		} else if (strcmp(a, "--workers") == 0) {
			o->workers = (unsigned)strtoul(v, NULL, 10);
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
 * The temp files of writers killed before their rename (a CLI process,
 * a worker of a daemon that died): every directory realmgate writes in.
 */
static void
clean_temps(const char *dir)
{
	static const char *const sub[] = {"", "/priv", "/priv/realm",
	    "/priv/jobs", "/realmgate", "/local", "/local/tasks",
	    "/local/openid"};
	char path[4096];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sub); i++) {
		snprintf(path, sizeof(path), "%s%s", dir, sub[i]);
		file_clean_temps_dir(path);
	}
}

/*
 * The front's user and what it may read: the config directory and the
 * non-private files get its group (directories setgid, so that files
 * written later inherit it); priv/ stays root's alone, and so does the
 * TLS key, which the front gets in memory before it drops root.  Where ownership
 * cannot be changed (pmxcfs on a Proxmox node, whose files already belong
 * to www-data's group), say so and go on: the admin runs the front as
 * that group's user (--user www-data).
 */
static void
share_warn(const char *path)
{
	fprintf(stderr, "realmgate: warning: cannot give the front access to "
	    "'%s' - %s\n", path, strerror(errno));
}

static int
share_with_front(const struct serve_opts *o, gid_t gid, struct err *err)
{
	static const char *const dirs[] = {"", "/local", "/realmgate"};
	static const char *const files[] = {"/user.cfg", "/domains.cfg",
	    "/realmgate/domains.cfg", "/authkey.pub", "/authkey.pub.old",
	    "/local/realmgate-ssl.pem"};
	char path[4096];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path), "%s%s", o->config_dir, dirs[i]);
		mkdir(path, 0750);
		if (chown(path, (uid_t)-1, gid) < 0 ||
		    chmod(path, 02750) < 0)
			share_warn(path);
	}
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		struct stat st;

		snprintf(path, sizeof(path), "%s%s", o->config_dir, files[i]);
		if (stat(path, &st) < 0)
			continue;
		if (chown(path, (uid_t)-1, gid) < 0 ||
		    chmod(path, (st.st_mode & 07777) | 0040) < 0)
			share_warn(path);
	}
	(void)err;
	return 0;
}

/* The generated TLS key stays root's (0600) where the filesystem lets us. */
static void
restrict_key(const struct serve_opts *o)
{
	struct err err;

	if (o->key == NULL && tls_restrict_key(o->config_dir, &err) < 0)
		fprintf(stderr, "realmgate: warning: %s\n", err.msg);
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

/*
 * The front's user when started as root: --user, else the dedicated
 * system user "realmgate" (scripts/install-user.sh, contrib/), never
 * "nobody", which other daemons share, and never root itself.
 */
static const struct passwd *
front_user(const struct serve_opts *o, struct err *err)
{
	const char *name = o->user != NULL ? o->user : FRONT_USER;
	const struct passwd *pw = getpwnam(name);

	if (pw == NULL && o->user != NULL) {
		err_set(err, ERR_NOT_FOUND, "no such user '%s'", name);
		return NULL;
	}
	if (pw == NULL) {
		err_set(err, ERR_NOT_FOUND, "refusing to run the HTTP front as "
		    "root: there is no user '%s' (create it with `adduser "
		    "--system --no-create-home --group %s`, or name one with "
		    "--user USER)", name, name);
		return NULL;
	}
	if (pw->pw_uid == 0) {
		err_set(err, ERR_INVALID, "refusing to run the HTTP front as "
		    "'%s': it is root (uid 0)", name);
		return NULL;
	}
	return pw;
}

static unsigned
worker_count(const struct serve_opts *o)
{
	long n = o->workers != 0 ? (long)o->workers :
	    sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > AUTHD_MAX_WORKERS ? AUTHD_MAX_WORKERS :
	    (unsigned)n;
}

static void
stop_all(const pid_t *workers, unsigned n)
{
	unsigned i;

	if (front_pid > 0)
		kill(front_pid, SIGTERM);
	if (sched_pid > 0)
		kill(sched_pid, SIGTERM);
	for (i = 0; i < n; i++)
		if (workers[i] > 0)
			kill(workers[i], SIGTERM);
}

/*
 * Start the front and the workers and wait for them.  0 after a clean
 * shutdown (SIGTERM/SIGINT), 1 if any process ended on its own.
 */
static int
supervise(const struct serve_opts *o, const struct passwd *pw,
    struct buf *cert, struct buf *key)
{
	int sv[AUTHD_MAX_WORKERS][2], front_fds[AUTHD_MAX_WORKERS];
	pid_t workers[AUTHD_MAX_WORKERS] = {0};
	unsigned n = worker_count(o), i, j, alive;
	struct sigaction sa;
	struct err err;
	int status, rc = 0;
	pid_t pid;

	for (i = 0; i < n; i++) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
		    sv[i]) < 0) {
			perror("realmgate: socketpair");
			return 1;
		}
		front_fds[i] = sv[i][1];
	}
	front_pid = fork();
	if (front_pid < 0) {
		perror("realmgate: fork");
		return 1;
	}
	if (front_pid == 0) {
		for (i = 0; i < n; i++)
			close(sv[i][0]);
		if (pw != NULL && drop_privileges(pw, &err) < 0) {
			fprintf(stderr, "realmgate: %s\n", err.msg);
			_exit(1);
		}
		_exit(front_run(o, cert, key, front_fds, n));
	}
	for (i = 0; i < n; i++) {
		workers[i] = fork();
		if (workers[i] == 0) {
			for (j = 0; j < n; j++) {
				close(sv[j][1]);
				if (j != i)
					close(sv[j][0]);
			}
			prctl(PR_SET_PDEATHSIG, SIGTERM);
			prctl(PR_SET_DUMPABLE, 0);
			signal(SIGPIPE, SIG_IGN);
			_exit(authd_run(o, sv[i][0]));
		}
	}
	sched_pid = fork();
	if (sched_pid == 0) {
		for (j = 0; j < n; j++) {
			close(sv[j][0]);
			close(sv[j][1]);
		}
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		prctl(PR_SET_DUMPABLE, 0);
		buf_clear_secret(key);
		_exit(scheduler_run(o->config_dir));
	}
	for (i = 0; i < n; i++) {
		close(sv[i][0]);
		close(sv[i][1]);
	}
	/* the supervisor needs neither the TLS key nor a core dump */
	buf_clear_secret(key);
	buf_clear(cert);
	prctl(PR_SET_DUMPABLE, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = forward_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	for (alive = n + (sched_pid > 0 ? 2 : 1); alive > 0;) {
		pid = waitpid(-1, &status, 0);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		alive--;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && stopping)
			continue;
		if (pid == front_pid && WIFEXITED(status) &&
		    WEXITSTATUS(status) == 0) {
			/* the front was told to stop: so are the workers */
			stopping = 1;
			continue;
		}
		if (rc == 0) {
			fprintf(stderr, "realmgate: %s %ld ended (status %d); "
			    "shutting down\n", pid == front_pid ? "the HTTP front"
			    : pid == sched_pid ? "the job scheduler"
			    : "authd worker", (long)pid, WIFEXITED(status) ?
			    WEXITSTATUS(status) : 128 + WTERMSIG(status));
			rc = 1;
		}
		stop_all(workers, n);
	}
	return stopping && rc == 0 ? 0 : rc;
}

int
serve_main(const char *config_dir, int argc, char **argv)
{
	struct serve_opts o = {0};
	struct buf cert = BUF_INIT, key = BUF_INIT;
	const struct passwd *pw = NULL;
	struct err err;
	char *dir;
	int rc;

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
		pw = front_user(&o, &err);
		if (pw == NULL) {
			fprintf(stderr, "realmgate: %s\n", err.msg);
			free(dir);
			return 1;
		}
	}
	clean_temps(dir);
	if (prepare_keys(dir, &err) < 0 ||
	    tls_ensure_cert(dir, o.cert, o.key, &cert, &key, &err) < 0 ||
	    (pw != NULL && share_with_front(&o, pw->pw_gid, &err) < 0) ||
	    auditlog_open(o.audit_log, &err) < 0) {
		fprintf(stderr, "realmgate: %s\n", err.msg);
		return 1;
	}
	if (pw != NULL)
		restrict_key(&o);
	rc = supervise(&o, pw, &cert, &key);
	buf_clear_secret(&key);
	buf_clear(&cert);
	auditlog_close();
	free(dir);
	return rc;
}
