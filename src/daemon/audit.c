/*
 * The audit log.  Every value we log may come from an attacker (a user
 * name typed into the login form, a client address from a proxy header),
 * so nothing is written raw: in syslog lines control characters, C1
 * controls, backslashes, quotes and malformed UTF-8 become \xHH, so a
 * user name holding "\n...successful auth for user 'root@pam'" cannot
 * forge a line; in the JSON file jansson escapes control characters and
 * we only replace malformed UTF-8.  Each JSON line goes out in one
 * write() on an O_APPEND descriptor under a mutex, so lines from threads
 * (and from another process sharing the descriptor) never interleave.
 */
#include "audit.h"

#include "buf.h"
#include "utf8.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

/* Longer values are cut (with "...") so one line stays readable. */
#define AUDIT_VALUE_MAX 512

enum esc_mode {
	ESC_TEXT,   /* free text at the end of a line: spaces are fine */
	ESC_QUOTED, /* inside '...': the quote is escaped too */
	ESC_BARE,   /* key=value without quotes: no spaces either */
};

static pthread_mutex_t audit_lock = PTHREAD_MUTEX_INITIALIZER;
static int audit_fd = -1;
static char *audit_path;
static bool audit_write_failed;
static void (*audit_hook)(int, const char *);

void
auditlog_set_syslog_hook(void (*hook)(int priority, const char *msg))
{
	pthread_mutex_lock(&audit_lock);
	audit_hook = hook;
	pthread_mutex_unlock(&audit_lock);
}

static void
emit_syslog(int prio, const char *msg)
{
	void (*hook)(int, const char *);

	pthread_mutex_lock(&audit_lock);
	hook = audit_hook;
	pthread_mutex_unlock(&audit_lock);
	/* the facility is explicit so events are right even before openlog */
	if (hook != NULL)
		hook(LOG_AUTHPRIV | prio, msg);
	else
		syslog(LOG_AUTHPRIV | prio, "%s", msg);
}

int
auditlog_open(const char *json_path, struct err *err)
{
	struct stat st;
	int fd, old_fd;
	char *old_path;

	openlog("realmgate", LOG_PID, LOG_AUTHPRIV);
	if (json_path == NULL) {
		fd = -1;
	} else {
		fd = open(json_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
		    O_NOFOLLOW | O_NOCTTY, 0600);
		if (fd < 0)
			return err_set(err, ERR_IO,
			    "unable to open audit log '%s' - %s", json_path,
			    strerror(errno));
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			close(fd);
			return err_set(err, ERR_IO,
			    "audit log '%s' is not a regular file", json_path);
		}
		/*
		 * root's alone (earlier versions gave it to the front's
		 * user): the front appends through the descriptor it
		 * inherits, it never opens the file
		 */
		if (geteuid() == 0 && (((st.st_uid != 0 || st.st_gid != 0) &&
		    fchown(fd, 0, 0) < 0) || ((st.st_mode & 07777) != 0600 &&
		    fchmod(fd, 0600) < 0))) {
			err_set(err, ERR_IO, "unable to make audit log '%s' "
			    "root's alone (0600) - %s", json_path,
			    strerror(errno));
			close(fd);
			return -1;
		}
	}
	pthread_mutex_lock(&audit_lock);
	old_fd = audit_fd;
	old_path = audit_path;
	audit_fd = fd;
	audit_path = json_path != NULL ? xstrdup(json_path) : NULL;
	audit_write_failed = false;
	pthread_mutex_unlock(&audit_lock);
	if (old_fd >= 0)
		close(old_fd);
	free(old_path);
	return 0;
}

void
auditlog_close(void)
{
	pthread_mutex_lock(&audit_lock);
	if (audit_fd >= 0)
		close(audit_fd);
	audit_fd = -1;
	free(audit_path);
	audit_path = NULL;
	pthread_mutex_unlock(&audit_lock);
	closelog();
}

static void
put_hex(struct buf *out, unsigned char c)
{
	buf_putf(out, "\\x%02x", c);
}

static bool
needs_escape(unsigned char c, enum esc_mode mode)
{
	if (c < 0x20 || c == 0x7f || c == '\\')
		return true;
	if (mode != ESC_TEXT && c == '\'')
		return true;
	return mode == ESC_BARE && (c == ' ' || c == '"');
}

/* A value for a syslog line; NULL is written as "-". */
static void
put_syslog_value(struct buf *out, const char *s, enum esc_mode mode)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len, i = 0, n;

	if (s == NULL) {
		buf_putc(out, '-');
		return;
	}
	len = strlen(s);
	while (i < len) {
		if (i >= AUDIT_VALUE_MAX) {
			buf_puts(out, "...");
			break;
		}
		n = utf8_seq_len(p + i, len - i);
		if (n == 0) {
			put_hex(out, p[i++]);
			continue;
		}
		if (n == 1 && needs_escape(p[i], mode)) {
			put_hex(out, p[i]);
		} else if (n == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0) {
			/* U+0080..U+009F: terminals act on C1 controls */
			put_hex(out, p[i]);
			put_hex(out, p[i + 1]);
		} else {
			buf_put(out, p + i, n);
		}
		i += n;
	}
}

/*
 * A value for the JSON file: valid UTF-8 is kept (jansson escapes the
 * control characters), malformed bytes become the text \xHH because
 * jansson only accepts UTF-8.
 */
static json_t *
json_value(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	struct buf b = BUF_INIT;
	size_t len = strlen(s), i = 0, n;
	json_t *v;

	while (i < len) {
		if (i >= AUDIT_VALUE_MAX) {
			buf_puts(&b, "...");
			break;
		}
		n = utf8_seq_len(p + i, len - i);
		if (n == 0) {
			put_hex(&b, p[i++]);
			continue;
		}
		buf_put(&b, p + i, n);
		i += n;
	}
	v = json_stringn(buf_str(&b), b.len);
	buf_clear(&b);
	return v;
}

static void
json_set(json_t *obj, const char *key, const char *value)
{
	json_t *v;

	if (value == NULL)
		return;
	v = json_value(value);
	if (v != NULL)
		json_object_set_new(obj, key, v);
}

static void
iso_time(char *out, size_t size)
{
	struct timespec ts;
	struct tm tm;
	char base[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	if (gmtime_r(&ts.tv_sec, &tm) == NULL ||
	    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		snprintf(out, size, "1970-01-01T00:00:00.000Z");
		return;
	}
	snprintf(out, size, "%s.%03ldZ", base, ts.tv_nsec / 1000000);
}

static int
write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Append obj as one line; consumes the reference. */
static void
json_emit(json_t *obj)
{
	struct buf line = BUF_INIT;
	char time_str[48];
	char *text;
	bool report = false;
	int saved_errno = 0;
	char *path = NULL;

	pthread_mutex_lock(&audit_lock);
	if (audit_fd < 0) {
		pthread_mutex_unlock(&audit_lock);
		json_decref(obj);
		return;
	}
	/* taken under the lock so the file is in time order */
	iso_time(time_str, sizeof(time_str));
	json_object_set_new(obj, "time", json_string(time_str));
	text = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (text != NULL) {
		buf_puts(&line, text);
		buf_putc(&line, '\n');
		free(text);
	}
	if (text == NULL || write_all(audit_fd, line.data, line.len) < 0) {
		saved_errno = text == NULL ? ENOMEM : errno;
		/* once per failure streak, or a full disk floods syslog */
		report = !audit_write_failed;
		audit_write_failed = true;
		if (report)
			path = xstrdup(audit_path);
	} else {
		audit_write_failed = false;
	}
	pthread_mutex_unlock(&audit_lock);
	if (report) {
		struct buf msg = BUF_INIT;

		buf_puts(&msg, "unable to write audit log '");
		put_syslog_value(&msg, path, ESC_QUOTED);
		buf_putf(&msg, "' - %s", strerror(saved_errno));
		emit_syslog(LOG_ERR, buf_str(&msg));
		buf_clear(&msg);
	}
	free(path);
	buf_clear(&line);
	json_decref(obj);
}

static bool
is_verification(const char *method)
{
	return method != NULL &&
	    (strcmp(method, "ticket") == 0 || strcmp(method, "token") == 0);
}

void
auditlog_login(bool ok, const char *userid, const char *realm,
    const char *client, const char *method, const char *reason)
{
	struct buf user = BUF_INIT;
	struct buf msg = BUF_INIT;
	const char *at;
	json_t *obj;

	if (userid != NULL) {
		buf_puts(&user, userid);
		if (realm != NULL && strchr(userid, '@') == NULL)
			buf_putf(&user, "@%s", realm);
	}
	at = userid != NULL ? strrchr(userid, '@') : NULL;
	if (realm == NULL && at != NULL)
		realm = at + 1;

	if (ok) {
		buf_puts(&msg, "successful auth for user '");
		put_syslog_value(&msg, userid != NULL ? buf_str(&user) : NULL,
		    ESC_QUOTED);
		buf_puts(&msg, "'; rhost=");
		put_syslog_value(&msg, client, ESC_BARE);
		buf_puts(&msg, " method=");
		put_syslog_value(&msg, method, ESC_BARE);
	} else {
		buf_puts(&msg, is_verification(method) ?
		    "authentication verification failure; rhost=" :
		    "authentication failure; rhost=");
		put_syslog_value(&msg, client, ESC_BARE);
		buf_puts(&msg, " user=");
		put_syslog_value(&msg, userid != NULL ? buf_str(&user) : NULL,
		    ESC_BARE);
		buf_puts(&msg, " msg=");
		put_syslog_value(&msg, reason != NULL ? reason :
		    "authentication failure", ESC_TEXT);
	}
	emit_syslog(ok ? LOG_NOTICE : LOG_WARNING, buf_str(&msg));

	obj = json_object();
	json_object_set_new(obj, "time", json_null());
	json_object_set_new(obj, "event", json_string("login"));
	json_object_set_new(obj, "result",
	    json_string(ok ? "success" : "failure"));
	json_set(obj, "user", userid != NULL ? buf_str(&user) : NULL);
	json_set(obj, "realm", realm);
	json_set(obj, "client", client);
	json_set(obj, "method", method);
	if (!ok)
		json_set(obj, "reason", reason);
	json_emit(obj);

	buf_clear(&msg);
	buf_clear(&user);
}

void
auditlog_change(const char *actor, const char *client, const char *action,
    const char *object, const char *detail)
{
	struct buf msg = BUF_INIT;
	json_t *obj;

	buf_puts(&msg, "change by user '");
	put_syslog_value(&msg, actor, ESC_QUOTED);
	buf_puts(&msg, "'; rhost=");
	put_syslog_value(&msg, client, ESC_BARE);
	buf_puts(&msg, " action='");
	put_syslog_value(&msg, action, ESC_QUOTED);
	buf_puts(&msg, "' object='");
	put_syslog_value(&msg, object, ESC_QUOTED);
	buf_puts(&msg, "'");
	if (detail != NULL) {
		buf_puts(&msg, " detail='");
		put_syslog_value(&msg, detail, ESC_QUOTED);
		buf_puts(&msg, "'");
	}
	emit_syslog(LOG_INFO, buf_str(&msg));

	obj = json_object();
	json_object_set_new(obj, "time", json_null());
	json_object_set_new(obj, "event", json_string("change"));
	json_set(obj, "actor", actor);
	json_set(obj, "client", client);
	json_set(obj, "action", action);
	json_set(obj, "object", object);
	json_set(obj, "detail", detail);
	json_emit(obj);

	buf_clear(&msg);
}

void
auditlog_lockout(const char *event, const char *kind, const char *id,
    const char *client, const char *actor, const char *detail)
{
	struct buf msg = BUF_INIT;
	bool unlock = event != NULL && strcmp(event, "unlock") == 0;
	json_t *obj;

	buf_puts(&msg, "lockout: ");
	put_syslog_value(&msg, event, ESC_BARE);
	buf_puts(&msg, " of ");
	put_syslog_value(&msg, kind, ESC_BARE);
	buf_puts(&msg, " '");
	put_syslog_value(&msg, id, ESC_QUOTED);
	buf_puts(&msg, "'; rhost=");
	put_syslog_value(&msg, client, ESC_BARE);
	if (actor != NULL) {
		buf_puts(&msg, " actor='");
		put_syslog_value(&msg, actor, ESC_QUOTED);
		buf_puts(&msg, "'");
	}
	if (detail != NULL) {
		buf_puts(&msg, " detail='");
		put_syslog_value(&msg, detail, ESC_QUOTED);
		buf_puts(&msg, "'");
	}
	emit_syslog(unlock ? LOG_NOTICE : LOG_WARNING, buf_str(&msg));

	obj = json_object();
	json_object_set_new(obj, "time", json_null());
	json_object_set_new(obj, "event", json_string("lockout"));
	json_set(obj, "action", event);
	json_set(obj, "kind", kind);
	json_set(obj, "id", id);
	json_set(obj, "client", client);
	json_set(obj, "actor", actor);
	json_set(obj, "detail", detail);
	json_emit(obj);

	buf_clear(&msg);
}
