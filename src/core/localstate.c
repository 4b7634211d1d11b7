/*
 * Login state files under their lock (see localstate.h).
 */
#include "localstate.h"
#include "cfs/cfs.h"
#include "fileio.h"
#include "secret.h"

#include <string.h>
#include <unistd.h>

#define LOCK_WAIT_MS 10000

int
localstate_open(const char *config_dir, const char *dir, const char *name,
    struct localstate *s, struct err *err)
{
	struct buf lock = BUF_INIT, text = BUF_INIT;
	int rc = -1;

	memset(s, 0, sizeof(*s));
	if (name[0] == '\0' || name[0] == '.' || strchr(name, '/') != NULL)
		return err_set(err, ERR_INVALID, "invalid state file name");
	s->config_dir = config_dir;
	buf_putf(&lock, "local/%s/%s.lck", dir, name);
	buf_putf(&s->rel, "local/%s/%s.json", dir, name);
	if (cfs_flock(config_dir, buf_str(&lock), LOCK_WAIT_MS, &s->lock,
	    err) < 0)
		goto out;
	if (cfs_read(config_dir, buf_str(&s->rel), LOCALSTATE_MAX, &text,
	    err) < 0 && err->code != ERR_NOT_FOUND)
		goto out;
	s->root = json_loadb(text.data != NULL ? text.data : "", text.len, 0,
	    NULL);
	rc = 0;
out:
	buf_clear(&lock);
	buf_clear_secret(&text);
	return rc;
}

int
localstate_save(struct localstate *s, size_t json_flags, bool durable,
    struct err *err)
{
	char *text = json_dumps(s->root, json_flags);
	int rc;

	if (text == NULL)
		return err_set(err, ERR_NOMEM, "json_dumps failed");
	rc = cfs_write(s->config_dir, buf_str(&s->rel), text, strlen(text),
	    0600, durable ? 0 : CFS_VOLATILE, err);
	secret_free_str(text);
	return rc;
}

void
localstate_close(struct localstate *s)
{
	cfs_unlock(s->lock);
	buf_clear(&s->rel);
	json_decref(s->root);
	memset(s, 0, sizeof(*s));
}
