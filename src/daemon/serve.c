/*
 * `realmgate serve`: prepare the config directory (ticket keys, the CSRF
 * key, the TLS certificate), then start the processes: the front (drops
 * to an unprivileged user and serves HTTP) and one authd worker per CPU
 * (root, keeps the secrets), each worker joined to the front by its own
 * socketpair, and the job scheduler.  This process stays as their
 * supervisor and restarts any of them that dies.  SIGTERM and SIGINT shut
 * down cleanly, SIGHUP makes the front drop its cached config.
 */
#include "cfs/cfs.h"
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
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int
usage(void)
{
	fputs("usage: realmgate [--config-dir DIR] serve [--listen ADDR:PORT]..."
	      " [--plain-http]\n"
	      "       [--user USER] [--cert FILE --key FILE] [--www DIR]"
	      " [--audit-log FILE] [--threads N] [--workers N]\n"
	      "       [--max-conns N] [--max-conns-per-address N]"
	      " [--request-timeout SEC]\n"
	      "       [--idle-timeout SEC] [--max-params N]"
	      " [--max-anon-body BYTES]\n", stderr);
	return 2;
}

/* A whole decimal number in [min, max]. */
static int
parse_num(const char *v, unsigned long min, unsigned long max,
    unsigned long *out)
{
	char *end;

	errno = 0;
	if (*v < '0' || *v > '9')
		return -1;
	*out = strtoul(v, &end, 10);
	if (errno != 0 || *end != '\0' || *out < min || *out > max)
		return -1;
	return 0;
}

/* The options that bound what clients can take, as numbers. */
static int
parse_limit(const char *a, const char *v, struct serve_opts *o)
{
	unsigned long n;

	if (strcmp(a, "--max-conns") == 0 && parse_num(v, 1, 100000, &n) == 0)
		o->max_conns = (unsigned)n;
	else if (strcmp(a, "--max-conns-per-address") == 0 &&
	    parse_num(v, 1, 100000, &n) == 0)
		o->max_conns_per_addr = (unsigned)n;
	else if (strcmp(a, "--request-timeout") == 0 &&
	    parse_num(v, 1, 3600, &n) == 0)
		o->request_timeout = (unsigned)n;
	else if (strcmp(a, "--idle-timeout") == 0 &&
	    parse_num(v, 1, 3600, &n) == 0)
		o->idle_timeout = (unsigned)n;
	else if (strcmp(a, "--max-params") == 0 &&
	    parse_num(v, 1, 100000, &n) == 0)
		o->max_params = (unsigned)n;
	else if (strcmp(a, "--max-anon-body") == 0 &&
	    parse_num(v, 1024, MAX_BODY, &n) == 0)
		o->max_anon_body = n;
	else
		return -1;
	return 0;
}

static int
parse_opts(int argc, char **argv, struct serve_opts *o)
{
	int i;

	o->max_conns = DEFAULT_MAX_CONNS;
	o->max_conns_per_addr = DEFAULT_MAX_CONNS_PER_ADDR;
	o->request_timeout = DEFAULT_REQUEST_TIMEOUT;
	o->idle_timeout = DEFAULT_IDLE_TIMEOUT;
	o->max_params = DEFAULT_MAX_PARAMS;
	o->max_anon_body = DEFAULT_MAX_ANON_BODY;

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
		} else if (parse_limit(a, v, o) < 0) {
			return -1;
		}
		i++;
	}
	if (o->listen_count == 0)
		o->listen[o->listen_count++] = DEFAULT_LISTEN;
	if ((o->cert == NULL) != (o->key == NULL) ||
	    o->max_conns_per_addr > o->max_conns)
		return -1;
	return 0;
}

/* Ticket keys exist and are fresh before the first login. */
static int
prepare_keys(const char *dir, struct err *err)
{
	struct authkey_store *ks = authkey_store_new(dir);
	struct cfs_lock *lock = NULL;
	bool rotated;
	int rc = 0;

	if (authkey_needs_rotation(ks, time(NULL))) {
		rc = cfs_lock(dir, "authkey", CFG_LOCK_TIMEOUT, &lock, err);
		if (rc == 0)
			rc = authkey_rotate(ks, time(NULL), &rotated, err);
		if (lock != NULL)
			cfs_unlock(lock);
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
	static const char *const dirs[] = {"", "/local", "/realmgate",
	    "/local/mirror"};
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

/*
 * Supervision.  The supervisor restarts any process that dies while the
 * daemon runs: an authd worker gets a new socket pair whose front end is
 * handed to the front over the control socket; a dead front takes its
 * workers with it and the whole set is started again on the same
 * listening sockets; the scheduler is restarted alone.  A process that
 * lived at least RESTART_MIN_UPTIME_MS is restarted at once (killed from
 * outside, or crashed on one request: the others must not wait).  One
 * that died sooner (a crash at start, a crash loop) waits before its
 * restart, 1 s, then twice as long each time up to RESTART_MAX_DELAY, so
 * a crash loop costs one fork every 30 s and not a CPU.  Until the front has reported that
 * it is listening, a death means the daemon cannot start: all end, 1.
 */
#define RESTART_MIN_UPTIME_MS 1000
#define RESTART_MAX_DELAY 30

struct child {
	pid_t pid;
	struct timespec started;
	unsigned delay;		/* seconds before the next restart */
	bool pending;		/* a restart is due at 'at' */
	struct timespec at;
};

struct super {
	const struct serve_opts *o;
	const struct passwd *pw;
	int listen[SERVE_MAX_LISTEN];
	int sigfd;
	int ctl;		/* to the front, -1 while there is none */
	sigset_t oldmask;
	struct child front, sched, workers[AUTHD_MAX_WORKERS];
	unsigned n;
	bool ever_ready, stopping;
	int rc;
};

static void
mono_now(struct timespec *ts)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
}

/* In a new child: the signal mask and none of the supervisor's fds. */
static void
child_init(struct super *s, const char *name, bool keep_listen)
{
	size_t i;

	sigprocmask(SIG_SETMASK, &s->oldmask, NULL);
	close(s->sigfd);
	if (s->ctl >= 0)
		close(s->ctl);
	for (i = 0; i < s->o->listen_count && !keep_listen; i++)
		close(s->listen[i]);
	prctl(PR_SET_NAME, name);
}

static void
describe(int status, char *out, size_t len)
{
	if (WIFSIGNALED(status))
		snprintf(out, len, "signal %d", WTERMSIG(status));
	else
		snprintf(out, len, "status %d", WEXITSTATUS(status));
}

/* Hand a worker's socket to the front: its index, the fd alongside. */
static int
send_worker(int ctl, unsigned i, int fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} cm;
	unsigned char idx[4] = {(unsigned char)(i >> 24),
	    (unsigned char)(i >> 16), (unsigned char)(i >> 8),
	    (unsigned char)i};
	struct iovec iov = {idx, sizeof(idx)};
	struct msghdr mh;
	struct cmsghdr *c;

	memset(&cm, 0, sizeof(cm));
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cm.buf;
	mh.msg_controllen = sizeof(cm.buf);
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(ctl, &mh, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

static void
start_worker(struct super *s, unsigned i)
{
	int sv[2];
	pid_t pid;

	if (s->ctl < 0)
		return;		/* the front's restart brings new workers */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		perror("realmgate: socketpair");
		return;
	}
	pid = fork();
	if (pid == 0) {
		child_init(s, "realmgate-authd", false);
		close(sv[1]);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		prctl(PR_SET_DUMPABLE, 0);
		signal(SIGPIPE, SIG_IGN);
		_exit(authd_run(s->o, sv[0]));
	}
	if (pid < 0)
		perror("realmgate: fork");
	else {
		s->workers[i].pid = pid;
		mono_now(&s->workers[i].started);
		if (send_worker(s->ctl, i, sv[1]) < 0)
			perror("realmgate: handing a worker to the front");
	}
	close(sv[0]);
	close(sv[1]);
}

static void
start_sched(struct super *s)
{
	pid_t pid = fork();

	if (pid == 0) {
		child_init(s, "realmgate-sched", false);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		prctl(PR_SET_DUMPABLE, 0);
		_exit(scheduler_run(s->o->config_dir));
	}
	if (pid < 0)
		perror("realmgate: fork");
	s->sched.pid = pid > 0 ? pid : 0;
	mono_now(&s->sched.started);
}

/*
 * The front and its workers.  The certificate and key are read again at
 * a restart (this process keeps no copy of the key).
 */
static int
start_front(struct super *s, struct buf *cert, struct buf *key)
{
	struct buf c = BUF_INIT, k = BUF_INIT;
	struct err err;
	unsigned i;
	int ctl[2];
	pid_t pid;

	if (cert == NULL) {
		if (tls_ensure_cert(s->o->config_dir, s->o->cert, s->o->key,
		    &c, &k, &err) < 0) {
			fprintf(stderr, "realmgate: %s\n", err.msg);
			return -1;
		}
		cert = &c;
		key = &k;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl) < 0) {
		perror("realmgate: socketpair");
		buf_clear_secret(&k);
		buf_clear(&c);
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		child_init(s, "realmgate-front", true);
		close(ctl[0]);
		/* the front reads the node's mirror; the store is authd's */
		cfs_forget_store();
		if (s->pw != NULL && drop_privileges(s->pw, &err) < 0) {
			fprintf(stderr, "realmgate: %s\n", err.msg);
			_exit(1);
		}
		_exit(front_run(s->o, cert, key, s->n, ctl[1], s->listen));
	}
	buf_clear_secret(key);
	buf_clear(cert);
	close(ctl[1]);
	if (pid < 0) {
		perror("realmgate: fork");
		close(ctl[0]);
		return -1;
	}
	s->front.pid = pid;
	mono_now(&s->front.started);
	s->ctl = ctl[0];
	for (i = 0; i < s->n; i++) {
		s->workers[i].pending = false;
		start_worker(s, i);
	}
	return 0;
}

static void
schedule_restart(struct child *ch, const struct timespec *now)
{
	long long lived_ms = (long long)(now->tv_sec - ch->started.tv_sec) *
	    1000 + (now->tv_nsec - ch->started.tv_nsec) / 1000000;

	if (lived_ms >= RESTART_MIN_UPTIME_MS)
		ch->delay = 0;
	else
		ch->delay = ch->delay == 0 ? 1 : ch->delay * 2 >
		    RESTART_MAX_DELAY ? RESTART_MAX_DELAY : ch->delay * 2;
	ch->pending = true;
	ch->at = *now;
	ch->at.tv_sec += ch->delay;
}

static void
stop(struct super *s, int rc, bool workers_too)
{
	unsigned i;

	if (!s->stopping && rc != 0)
		s->rc = rc;
	s->stopping = true;
	if (s->front.pid > 0)
		kill(s->front.pid, SIGTERM);
	if (s->sched.pid > 0)
		kill(s->sched.pid, SIGTERM);
	/* workers end when the front has gone (EOF on their socket) */
	for (i = 0; i < s->n && workers_too; i++)
		if (s->workers[i].pid > 0)
			kill(s->workers[i].pid, SIGTERM);
}

static void
child_ended(struct super *s, pid_t pid, int status)
{
	const char *what = "authd worker";
	struct child *ch = NULL;
	struct timespec now;
	char how[32];
	unsigned i;

	if (pid == s->front.pid) {
		ch = &s->front;
		what = "the HTTP front";
		if (s->ctl >= 0)
			close(s->ctl);
		s->ctl = -1;
	} else if (pid == s->sched.pid) {
		ch = &s->sched;
		what = "the job scheduler";
	}
	for (i = 0; ch == NULL && i < s->n; i++)
		if (pid == s->workers[i].pid)
			ch = &s->workers[i];
	if (ch == NULL)
		return;		/* a worker of a front that died before */
	ch->pid = 0;
	if (s->stopping)
		return;
	describe(status, how, sizeof(how));
	if (ch == &s->front && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		/* the front was told to stop: so is everything */
		stop(s, 0, false);
		return;
	}
	if (!s->ever_ready) {
		fprintf(stderr, "realmgate: %s %ld ended (%s) before the "
		    "daemon was ready; shutting down\n", what, (long)pid, how);
		stop(s, 1, true);
		return;
	}
	mono_now(&now);
	schedule_restart(ch, &now);
	fprintf(stderr, "realmgate: %s %ld ended (%s); restarting it in "
	    "%u s\n", what, (long)pid, how, ch->delay);
	if (ch == &s->front) {
		/* its workers lost their peer: they end, new ones come */
		for (i = 0; i < s->n; i++) {
			if (s->workers[i].pid > 0)
				kill(s->workers[i].pid, SIGTERM);
			s->workers[i].pid = 0;
			s->workers[i].pending = false;
		}
	}
}

static bool
due(const struct child *ch, const struct timespec *now)
{
	return ch->pending && (now->tv_sec > ch->at.tv_sec ||
	    (now->tv_sec == ch->at.tv_sec && now->tv_nsec >= ch->at.tv_nsec));
}

/* Run the restarts that are due; the ms until the next one, or -1. */
static int
restarts(struct super *s)
{
	struct child *all[AUTHD_MAX_WORKERS + 2];
	struct timespec now;
	size_t i, n = 0;
	long ms, wait = -1;

	mono_now(&now);
	if (due(&s->front, &now)) {
		s->front.pending = false;
		if (start_front(s, NULL, NULL) < 0)
			schedule_restart(&s->front, &now);
		else
			fprintf(stderr, "realmgate: the HTTP front restarted "
			    "as %ld\n", (long)s->front.pid);
	}
	if (due(&s->sched, &now)) {
		s->sched.pending = false;
		start_sched(s);
		fprintf(stderr, "realmgate: the job scheduler restarted as "
		    "%ld\n", (long)s->sched.pid);
	}
	for (i = 0; i < s->n; i++) {
		if (!due(&s->workers[i], &now) || s->front.pid <= 0)
			continue;
		s->workers[i].pending = false;
		start_worker(s, (unsigned)i);
		fprintf(stderr, "realmgate: authd worker %zu restarted as %ld\n",
		    i, (long)s->workers[i].pid);
	}
	all[n++] = &s->front;
	all[n++] = &s->sched;
	for (i = 0; i < s->n; i++)
		all[n++] = &s->workers[i];
	for (i = 0; i < n; i++) {
		if (!all[i]->pending)
			continue;
		ms = (all[i]->at.tv_sec - now.tv_sec) * 1000 +
		    (all[i]->at.tv_nsec - now.tv_nsec) / 1000000 + 1;
		if (ms < 0)
			ms = 0;
		if (wait < 0 || ms < wait)
			wait = ms;
	}
	return (int)wait;
}

/* Reap what ended; false once no child is left. */
static bool
reap(struct super *s)
{
	int status;
	pid_t pid;

	for (;;) {
		pid = waitpid(-1, &status, WNOHANG);
		if (pid > 0)
			child_ended(s, pid, status);
		else if (pid == 0)
			return true;
		else if (errno != EINTR)
			return errno != ECHILD;
	}
}

static void
on_signal(struct super *s)
{
	struct signalfd_siginfo si;

	while (read(s->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			if (s->front.pid > 0)
				kill(s->front.pid, SIGHUP);
		} else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
			stop(s, 0, false);
		}
	}
}

/* The front speaks once: 'R' when it listens. */
static void
on_ctl(struct super *s)
{
	char c;
	ssize_t n = recv(s->ctl, &c, 1, MSG_DONTWAIT);

	if (n == 1 && c == 'R')
		s->ever_ready = true;
	else if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		close(s->ctl);	/* the front is going; its end is reaped */
		s->ctl = -1;
	}
}

/* Room for every connection the front may hold, and then some. */
static void
raise_nofile(const struct serve_opts *o)
{
	rlim_t want = (rlim_t)o->max_conns + 256;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= want)
		return;
	if (rl.rlim_max < want) {
		struct rlimit more = {want, want};

		if (setrlimit(RLIMIT_NOFILE, &more) == 0)
			return;
		want = rl.rlim_max;
	}
	rl.rlim_cur = want;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		perror("realmgate: open files limit");
}

/*
 * Start everything and keep it running.  0 after a clean shutdown
 * (SIGTERM/SIGINT, or the front told to stop), 1 if the daemon could not
 * start.
 */
static int
supervise(const struct serve_opts *o, const struct passwd *pw,
    struct buf *cert, struct buf *key)
{
	struct super s;
	struct pollfd p[2];
	sigset_t set;
	struct err err;
	size_t i;
	int wait;

	memset(&s, 0, sizeof(s));
	raise_nofile(o);
	s.o = o;
	s.pw = pw;
	s.n = worker_count(o);
	s.ctl = -1;
	for (i = 0; i < o->listen_count; i++)
		s.listen[i] = -1;
	for (i = 0; i < o->listen_count; i++) {
		if (serve_listen(o->listen[i], &s.listen[i], &err) < 0) {
			fprintf(stderr, "realmgate: %s\n", err.msg);
			s.rc = 1;
			goto out;
		}
	}
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, &s.oldmask);
	s.sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s.sigfd < 0) {
		perror("realmgate: signalfd");
		s.rc = 1;
		goto out;
	}
	/* the supervisor needs no core dump */
	prctl(PR_SET_DUMPABLE, 0);
	if (start_front(&s, cert, key) < 0) {
		s.rc = 1;
		goto out;
	}
	start_sched(&s);
	while (reap(&s)) {
		wait = s.stopping ? -1 : restarts(&s);
		p[0] = (struct pollfd){s.sigfd, POLLIN, 0};
		p[1] = (struct pollfd){s.ctl, POLLIN, 0};
		if (poll(p, s.ctl >= 0 ? 2 : 1, wait) <= 0)
			continue;
		if (p[0].revents != 0)
			on_signal(&s);
		if (s.ctl >= 0 && p[1].revents != 0)
			on_ctl(&s);
	}
out:
	if (s.ctl >= 0)
		close(s.ctl);
	if (s.sigfd > 0)
		close(s.sigfd);
	for (i = 0; i < o->listen_count; i++)
		if (s.listen[i] >= 0)
			close(s.listen[i]);
	buf_clear_secret(key);
	buf_clear(cert);
	return s.rc;
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
	/* a shared store: the front reads the node's mirror of it */
	cfs_set_watched(true);
	if (cfs_is_etcd() && ((pw != NULL &&
	    share_with_front(&o, pw->pw_gid, &err) < 0) ||
	    cfs_ready(dir, &err) < 0)) {
		fprintf(stderr, "realmgate: %s\n", err.msg);
		free(dir);
		return 1;
	}
	if (prepare_keys(dir, &err) < 0 ||
	    tls_ensure_cert(dir, o.cert, o.key, &cert, &key, &err) < 0 ||
	    (pw != NULL && share_with_front(&o, pw->pw_gid, &err) < 0) ||
	    auditlog_open(o.audit_log, &err) < 0) {
		fprintf(stderr, "realmgate: %s\n", err.msg);
		buf_clear_secret(&key);
		buf_clear(&cert);
		free(dir);
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
