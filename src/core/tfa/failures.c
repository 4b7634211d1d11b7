/*
 * The failure counters (see failures.h): one JSON object per node,
 * {"<userid>": {"tfa_failures": n, "totp_failures": m}} with Proxmox's
 * field names, zeros left out and users at zero removed, so the file
 * holds only users who failed since their last success.  Every change
 * takes an flock on the .lck beside it, reads, changes, and replaces the
 * file (rename, no fsync: a crash loses at most the last count, as
 * Proxmox's /run does on every reboot).
 */
#include "failures.h"
#include "buf.h"
#include "cfs/cfs.h"
#include "fileio.h"
#include "ids.h"

#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LOCK_WAIT_MS 10000

struct counters {
	const char *config_dir;
	struct cfs_lock *lock;
	json_t *all;
};

static int
open_counters(const char *config_dir, const char *userid, struct counters *c,
    struct err *err)
{
	struct buf text = BUF_INIT;
	int rc = -1;

	memset(c, 0, sizeof(*c));
	c->config_dir = config_dir;
	if (!id_user_valid(userid, strlen(userid), NULL))
		return err_set(err, ERR_INVALID, "invalid user id");
	if (cfs_flock(config_dir, "local/tfa-failures.lck", LOCK_WAIT_MS,
	    &c->lock, err) < 0) {
		if (err->code == ERR_LOCK)
			err_set(err, ERR_LOCK, "failed to lock tfa user "
			    "challenge data");
		goto out;
	}
	if (cfs_read(config_dir, TFA_FAILURES_FILE, 1 << 24, &text, err) < 0 &&
	    err->code != ERR_NOT_FOUND)
		goto out;
	c->all = json_loadb(buf_str(&text), text.len, 0, NULL);
	if (!json_is_object(c->all)) {
		json_decref(c->all);	/* unreadable: start again */
		c->all = json_object();
	}
	rc = 0;
out:
	buf_clear(&text);
	return rc;
}

static void
close_counters(struct counters *c)
{
	cfs_unlock(c->lock);
	c->lock = NULL;
	json_decref(c->all);
}

static unsigned
count_of(const json_t *user, const char *key)
{
	json_int_t v = json_integer_value(json_object_get(user, key));

	return v <= 0 ? 0 : v >= UINT_MAX ? UINT_MAX : (unsigned)v;
}

static void
read_user(const struct counters *c, const char *userid,
    struct tfa_failures *f)
{
	const json_t *u = json_object_get(c->all, userid);

	memset(f, 0, sizeof(*f));
	f->tfa = count_of(u, "tfa_failures");
	f->totp = count_of(u, "totp_failures");
}

static int
save_user(struct counters *c, const char *userid,
    const struct tfa_failures *f, struct err *err)
{
	json_t *u = json_object();
	char *text;
	int rc;

	if (f->totp > 0)
		json_object_set_new(u, "totp_failures",
		    json_integer(f->totp));
	if (f->tfa > 0)
		json_object_set_new(u, "tfa_failures", json_integer(f->tfa));
	if (json_object_size(u) > 0)
		json_object_set_new(c->all, userid, u);
	else {
		json_decref(u);
		json_object_del(c->all, userid);
	}
	text = json_dumps(c->all, JSON_COMPACT);
	if (text == NULL)
		return err_set(err, ERR_NOMEM, "json_dumps failed");
	rc = cfs_write(c->config_dir, TFA_FAILURES_FILE, text, strlen(text),
	    0600, CFS_VOLATILE, err);
	free(text);
	return rc;
}

int
tfa_failures_record(const char *config_dir, const char *userid, bool totp,
    struct tfa_failures *f, struct err *err)
{
	struct counters c;
	int rc = -1;

	memset(f, 0, sizeof(*f));
	if (open_counters(config_dir, userid, &c, err) < 0)
		goto out;
	read_user(&c, userid, f);
	if (f->tfa < UINT_MAX)
		f->tfa++;
	if (totp && f->totp < UINT_MAX)
		f->totp++;
	rc = save_user(&c, userid, f, err);
	f->tfa_limit = f->tfa >= TFA_FAILURE_LIMIT;
	f->totp_limit = totp && f->totp >= TFA_TOTP_FAILURE_LIMIT;
out:
	close_counters(&c);
	return rc;
}

static int
reset(const char *config_dir, const char *userid, bool tfa, bool totp,
    struct err *err)
{
	struct tfa_failures f;
	struct counters c;
	int rc = -1;

	if (open_counters(config_dir, userid, &c, err) < 0)
		goto out;
	read_user(&c, userid, &f);
	if ((!tfa || f.tfa == 0) && (!totp || f.totp == 0)) {
		rc = 0;		/* nothing to write */
		goto out;
	}
	if (tfa)
		f.tfa = 0;
	if (totp)
		f.totp = 0;
	rc = save_user(&c, userid, &f, err);
out:
	close_counters(&c);
	return rc;
}

int
tfa_failures_success(const char *config_dir, const char *userid,
    bool reset_totp, struct err *err)
{
	return reset(config_dir, userid, true, reset_totp, err);
}

int
tfa_failures_reset(const char *config_dir, const char *userid,
    struct err *err)
{
	return reset(config_dir, userid, true, true, err);
}

int
tfa_failures_get(const char *config_dir, const char *userid,
    struct tfa_failures *f, struct err *err)
{
	struct counters c;
	int rc = -1;

	memset(f, 0, sizeof(*f));
	if (open_counters(config_dir, userid, &c, err) == 0) {
		read_user(&c, userid, f);
		rc = 0;
	}
	close_counters(&c);
	return rc;
}
