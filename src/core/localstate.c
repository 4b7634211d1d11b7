/*
 * Node-local JSON state under an flock (see localstate.h).
 */
#include "localstate.h"
#include "fileio.h"
#include "secret.h"

#include <string.h>
#include <unistd.h>

#define LOCK_WAIT_MS 10000

int
localstate_open(const char *config_dir, const char *dir, const char *name,
    struct localstate *s, struct err *err)
{
	struct buf d = BUF_INIT, lock = BUF_INIT, text = BUF_INIT;
	int rc = -1;

	memset(s, 0, sizeof(*s));
	s->lock_fd = -1;
	if (name[0] == '\0' || name[0] == '.' || strchr(name, '/') != NULL)
		return err_set(err, ERR_INVALID, "invalid state file name");
	buf_putf(&d, "%s/local/%s", config_dir, dir);
	if (file_mkdirs(buf_str(&d), 0700, err) < 0)
		goto out;
	buf_putf(&lock, "%s/%s.lck", buf_str(&d), name);
	buf_putf(&s->path, "%s/%s.json", buf_str(&d), name);
	if (file_flock(buf_str(&lock), LOCK_WAIT_MS, &s->lock_fd, err) < 0)
		goto out;
	if (file_read(buf_str(&s->path), LOCALSTATE_MAX, &text, err) < 0 &&
	    err->code != ERR_NOT_FOUND)
		goto out;
	s->root = json_loadb(text.data != NULL ? text.data : "", text.len, 0,
	    NULL);
	rc = 0;
out:
	buf_clear(&d);
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
	if (durable)
		rc = file_write_atomic(buf_str(&s->path), text, strlen(text),
		    0600, err);
	else
		rc = file_write_volatile(buf_str(&s->path), text,
		    strlen(text), 0600, err);
	secret_free_str(text);
	return rc;
}

void
localstate_close(struct localstate *s)
{
	if (s->lock_fd >= 0)
		close(s->lock_fd);	/* drops the flock */
	buf_clear(&s->path);
	json_decref(s->root);
	memset(s, 0, sizeof(*s));
	s->lock_fd = -1;
}
