/*
 * cfg_lock: an flock for realmgate processes on the same host, then
 * Proxmox's mkdir lock directory for everyone else (see lock.h).
 *
 * While we hold the flock, no other live realmgate process on this host
 * is making, holding or removing the directory, so one that exists
 * belongs either to a Proxmox process (another node, through pmxcfs) or
 * to a realmgate process that died.  To tell them apart the holder keeps
 * an owner record in the flock file: its intent before the mkdir, the
 * directory's identity after it (see rec_*).  A successor that finds the
 * directory its dead predecessor recorded, or one made after its
 * predecessor's intent, removes it at once; any other directory is left
 * to expire as Proxmox's do.  The one case this misjudges needs a
 * foreign process to create the directory in the microseconds between
 * our lstat and our mkdir and us to be killed in the microseconds after
 * the failed mkdir.  Where the flock file cannot be created or locked,
 * only the directory protocol is used.  On pmxcfs (a FUSE mount) waiting
 * touches the directory with utime(0, 0) as Proxmox does, which asks
 * pmxcfs to expire it if it is old; elsewhere a directory older than
 * 120 s is stale.
 */
#include "lock.h"
#include "monoclock.h"
#include "buf.h"
#include "fileio.h"
#include "testpoint.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#define FUSE_MAGIC 0x65735546

struct cfg_lock {
	char *dir;	/* priv/lock/<lockid> */
	int fd;		/* flock file, -1 if unsupported */
	bool flocked;	/* we hold the flock on fd */
	bool fuse;	/* priv/lock is on a FUSE mount (pmxcfs) */
};


static void
nap(unsigned *ms)
{
	struct timespec ts = {0, (long)*ms * 1000000L};

	nanosleep(&ts, NULL);
	if (*ms < 100)
		*ms *= 2;
}

static bool
lockid_valid(const char *id)
{
	return *id != '\0' && strchr(id, '/') == NULL &&
	    strcmp(id, ".") != 0 && strcmp(id, "..") != 0 && id[0] != '.';
}

static int
flock_wait(int fd, long long deadline)
{
	unsigned ms = 5;

	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		if (errno != EWOULDBLOCK && errno != EINTR)
			return -2;	/* unsupported: fall back */
		if (mono_ms() >= deadline)
			return -1;
		nap(&ms);
	}
}

/*
 * The owner record in the flock file: one fixed-size line, written with
 * one pwrite so a kill leaves the old line or the new one, never a mix.
 *   "free"                                  no directory in flight
 *   "intent T0 PID START BOOT"              about to mkdir (T0: coarse
 *                                           wall time before the mkdir)
 *   "held DEV INO CTIME PID START BOOT"     the directory is ours
 * PID, START (the process's start time in clock ticks since boot) and
 * BOOT (the kernel's boot id) name the process, so a reused pid or a
 * reboot is never taken for the holder.
 */
#define REC_LEN 192

enum rec_kind { REC_NONE, REC_INTENT, REC_HELD };

struct owner {
	long pid;
	unsigned long long start;
	char boot[40];
};

struct rec {
	enum rec_kind kind;
	unsigned long long dev, ino;
	long long sec;		/* T0 or the directory's ctime */
	long nsec;
	struct owner who;
};

static bool
read_line(const char *path, char *out, size_t size)
{
	FILE *f = fopen(path, "re");
	bool ok;

	if (f == NULL)
		return false;
	ok = fgets(out, (int)size, f) != NULL;
	fclose(f);
	return ok;
}

/* Start time (field 22 of /proc/PID/stat), 0 if the process is gone. */
static unsigned long long
proc_start(long pid)
{
	char path[64], line[1024], *p;
	unsigned long long start = 0;
	int field;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if (!read_line(path, line, sizeof(line)) ||
	    (p = strrchr(line, ')')) == NULL)
		return 0;
	/* field 2 ends at the last ')'; count the spaces up to field 22 */
	for (field = 2; field < 22 && p != NULL; field++)
		p = strchr(p + 1, ' ');
	if (p != NULL)
		start = strtoull(p + 1, NULL, 10);
	return start;
}

static void
boot_id(char out[40])
{
	char line[64];

	out[0] = '\0';
	if (read_line("/proc/sys/kernel/random/boot_id", line, sizeof(line)))
		snprintf(out, 40, "%.*s", (int)strcspn(line, "\n"), line);
	if (out[0] == '\0')
		snprintf(out, 40, "-");
}

static void
self_owner(struct owner *o)
{
	o->pid = (long)getpid();
	o->start = proc_start(o->pid);
	boot_id(o->boot);
}

/*
 * Is the recorded process still running?  Only answerable on the same
 * boot; a record from another boot (or without /proc) is dead, which the
 * free flock has already shown.
 */
static bool
owner_alive(const struct owner *o)
{
	char boot[40];

	boot_id(boot);
	if (strcmp(boot, "-") == 0 || strcmp(boot, o->boot) != 0 ||
	    o->pid <= 0 || o->start == 0)
		return false;
	return proc_start(o->pid) == o->start;
}

static void
rec_write(const struct cfg_lock *l, const char *text)
{
	char line[REC_LEN];
	size_t n = strlen(text);

	if (l->fd < 0 || !l->flocked || n >= sizeof(line))
		return;
	memset(line, ' ', sizeof(line));
	memcpy(line, text, n);
	line[sizeof(line) - 1] = '\n';
	/* a failed write only costs the fast recovery after a crash */
	if (pwrite(l->fd, line, sizeof(line), 0) != (ssize_t)sizeof(line))
		return;
}

static void
rec_free(const struct cfg_lock *l)
{
	rec_write(l, "free");
}

static void
rec_intent(const struct cfg_lock *l)
{
	struct owner o;
	struct timespec ts;
	char text[REC_LEN];

	/* coarse: the clock the kernel stamps new directories with */
	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	self_owner(&o);
	snprintf(text, sizeof(text), "intent %lld.%09ld %ld %llu %s",
	    (long long)ts.tv_sec, ts.tv_nsec, o.pid, o.start, o.boot);
	rec_write(l, text);
}

static void
rec_held(const struct cfg_lock *l)
{
	struct owner o;
	struct stat st;
	char text[REC_LEN];

	if (lstat(l->dir, &st) < 0)
		return;
	self_owner(&o);
	snprintf(text, sizeof(text), "held %llu %llu %lld.%09ld %ld %llu %s",
	    (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
	    (long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec, o.pid, o.start,
	    o.boot);
	rec_write(l, text);
}

static bool
rec_read(const struct cfg_lock *l, struct rec *r)
{
	char line[REC_LEN + 1], kind[8];
	ssize_t n;

	memset(r, 0, sizeof(*r));
	if (l->fd < 0 || (n = pread(l->fd, line, REC_LEN, 0)) <= 0)
		return false;
	line[n] = '\0';
	if (sscanf(line, "%7s", kind) != 1)
		return false;
	if (strcmp(kind, "intent") == 0 &&
	    sscanf(line, "intent %lld.%ld %ld %llu %39s", &r->sec, &r->nsec,
	    &r->who.pid, &r->who.start, r->who.boot) == 5)
		r->kind = REC_INTENT;
	else if (strcmp(kind, "held") == 0 &&
	    sscanf(line, "held %llu %llu %lld.%ld %ld %llu %39s", &r->dev,
	    &r->ino, &r->sec, &r->nsec, &r->who.pid, &r->who.start,
	    r->who.boot) == 7)
		r->kind = REC_HELD;
	return r->kind != REC_NONE;
}

/*
 * With the flock in our hands, is the existing directory st one that a
 * realmgate process made and then died (or was killed) holding?  "held":
 * the very directory it recorded.  "intent": it died between its record
 * and its next one, and the directory is not older than the record (an
 * older one was there before it tried: someone else's).  Filesystems that
 * stamp seconds only (pmxcfs) compare seconds; pmxcfs's inode numbers are
 * never reused, and its utime requests may change the times, so there the
 * held directory is known by its inode alone.
 */
static bool
holder_died(const struct cfg_lock *l, const struct stat *st)
{
	struct rec r;
	long long csec = (long long)st->st_ctim.tv_sec;
	long cnsec = st->st_ctim.tv_nsec;
	bool ours;

	if (!l->flocked || !rec_read(l, &r))
		return false;
	if (r.kind == REC_HELD)
		ours = r.dev == (unsigned long long)st->st_dev &&
		    r.ino == (unsigned long long)st->st_ino &&
		    (l->fuse || (r.sec == csec && r.nsec == cnsec));
	else
		ours = csec > r.sec ||
		    (csec == r.sec && (cnsec >= r.nsec || cnsec == 0));
	return ours && !owner_alive(&r.who);
}

static bool
on_fuse(const char *path)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 && (unsigned long)sf.f_type ==
	    (unsigned long)FUSE_MAGIC;
}

/* Remove a lock directory; false if it is still there. */
static bool
break_dir(const char *dir)
{
	return rmdir(dir) == 0 || errno == ENOENT;
}

static int
mkdir_wait(struct cfg_lock *l, long long deadline, struct err *err,
    const char *lockid)
{
	unsigned ms = 5;
	struct stat st;
	int e;

	for (;;) {
		if (lstat(l->dir, &st) < 0) {
			if (errno != ENOENT)
				return err_set(err, ERR_LOCK, "cfs-lock '%s' "
				    "error: %s", lockid, strerror(errno));
			rec_intent(l);
			testpoint("lock-intent", lockid);
			if (mkdir(l->dir, 0700) == 0) {
				testpoint("lock-mkdir", lockid);
				rec_held(l);
				return 0;
			}
			e = errno;
			rec_free(l);
			if (e != EEXIST)
				return err_set(err, ERR_LOCK, "cfs-lock '%s' "
				    "error: %s", lockid, strerror(e));
			if (mono_ms() >= deadline)
				return err_set(err, ERR_LOCK, "cfs-lock '%s' "
				    "error: got lock request timeout", lockid);
			continue;	/* someone else's, made just now */
		}
		if (S_ISDIR(st.st_mode) && holder_died(l, &st) &&
		    break_dir(l->dir)) {
			rec_free(l);
			continue;
		}
		if (S_ISDIR(st.st_mode) &&
		    st.st_mtime + CFG_LOCK_STALE < time(NULL) &&
		    break_dir(l->dir))
			continue;
		if (l->fuse)
			utime(l->dir, &(struct utimbuf){0, 0});
		if (mono_ms() >= deadline)
			return err_set(err, ERR_LOCK, "cfs-lock '%s' error: "
			    "got lock request timeout", lockid);
		nap(&ms);
	}
}

int
cfg_lock(const char *config_dir, const char *lockid, int timeout_sec,
    struct cfg_lock **lock_r, struct err *err)
{
	long long deadline = mono_ms() + (long long)timeout_sec * 1000;
	struct buf path = BUF_INIT;
	struct cfg_lock *l;
	int rc;

	if (!lockid_valid(lockid))
		return err_set(err, ERR_INVALID, "cfs-lock '%s' error: "
		    "invalid lock id", lockid);
	buf_putf(&path, "%s/priv/lock", config_dir);
	if (file_mkdirs(buf_str(&path), 0700, err) < 0) {
		buf_clear(&path);
		return err_prefix(err, "cfs-lock '%s' error: ", lockid);
	}
	l = xcalloc(1, sizeof(*l));
	l->fuse = on_fuse(buf_str(&path));
	buf_putf(&path, "/.%s.flock", lockid);
	l->fd = open(buf_str(&path), O_RDWR | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	buf_clear(&path);
	buf_putf(&path, "%s/priv/lock/%s", config_dir, lockid);
	l->dir = buf_steal(&path);
	if (l->fd >= 0) {
		rc = flock_wait(l->fd, deadline);
		if (rc == -1) {
			free(l->dir);
			l->dir = NULL;
			cfg_unlock(l);
			return err_set(err, ERR_LOCK, "cfs-lock '%s' error: "
			    "got lock request timeout", lockid);
		}
		if (rc == -2) {
			close(l->fd);
			l->fd = -1;
		}
		l->flocked = rc == 0;
	}
	if (mkdir_wait(l, deadline, err, lockid) < 0) {
		free(l->dir);
		l->dir = NULL;
		cfg_unlock(l);
		return -1;
	}
	*lock_r = l;
	return 0;
}

void
cfg_unlock(struct cfg_lock *l)
{
	if (l == NULL)
		return;
	/* killed in between: the record names a directory now gone */
	if (l->dir != NULL && rmdir(l->dir) == 0) {
		testpoint("lock-rmdir", NULL);
		rec_free(l);
	}
	if (l->fd >= 0)
		close(l->fd);
	free(l->dir);
	free(l);
}

char *
cfg_lockid_for_file(const char *path)
{
	struct buf b = BUF_INIT;

	buf_puts(&b, "file-");
	for (; *path != '\0'; path++)
		buf_putc(&b, *path == '.' || *path == '/' ? '_' : *path);
	return buf_steal(&b);
}
