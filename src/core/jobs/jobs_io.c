/*
 * jobs.cfg on disk, and the per-job run state Proxmox keeps beside it in
 * priv/jobs/realm-sync-<id>.json ({"time":…} when a run starts,
 * {"time":…,"upid":…} after it, {"time":…,"error":…} when it failed).
 * The scheduler reads the state to decide whether a job is due; the API
 * shows it as last-run.
 */
#include "jobs_state.h"
#include "calendar.h"
#include "cfs/cfs.h"
#include "fileio.h"
#include "utf8.h"

#include <jansson.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
jobs_load(const char *config_dir, struct diag *d, struct jobs_cfg **cfg_r,
    struct err *err)
{
	struct buf text = BUF_INIT;
	int rc = 0;

	if (cfs_read(config_dir, JOBS_FILE, FILE_MAX_CONFIG, &text, err) < 0) {
		if (err->code != ERR_NOT_FOUND)
			rc = -1;
		else
			err_clear(err);
	}
	if (rc == 0)
		*cfg_r = jobs_cfg_parse(buf_str(&text), text.len, JOBS_FILE, d);
	buf_clear(&text);
	return rc;
}

int
jobs_save(const char *config_dir, const struct jobs_cfg *cfg, struct err *err)
{
	struct buf text = BUF_INIT;
	int rc;

	jobs_cfg_write(cfg, &text);
	rc = cfs_write(config_dir, JOBS_FILE, buf_str(&text), text.len, 0640, 0,
	    err);
	buf_clear(&text);
	return rc;
}

static void
state_rel(const char *id, struct buf *out)
{
	buf_putf(out, "priv/jobs/realm-sync-%s.json", id);
}

/*
 * Copy a JSON string (valid UTF-8) into dst[size], cut at a character
 * boundary: a copy cut inside a character would not be UTF-8, and jansson
 * would refuse it when the state is written again.
 */
static void
copy_text(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size) {
		n = size - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

int
jobs_state_parse(const char *text, size_t len, struct jobs_state *st)
{
	json_t *j, *v;
	int rc = -1;

	memset(st, 0, sizeof(*st));
	j = json_loadb(text, len, 0, NULL);
	if (!json_is_object(j))
		goto out;
	if (json_is_integer(v = json_object_get(j, "time")))
		st->time = (time_t)json_integer_value(v);
	if (json_is_string(v = json_object_get(j, "upid")))
		copy_text(st->upid, sizeof(st->upid), json_string_value(v));
	if (json_is_string(v = json_object_get(j, "error")))
		copy_text(st->error, sizeof(st->error), json_string_value(v));
	/* files without "state" (older ones) ran if they say how it went */
	v = json_object_get(j, "state");
	st->ran = json_is_string(v) ? strcmp(json_string_value(v),
	    "created") != 0 : st->upid[0] != '\0' || st->error[0] != '\0';
	rc = st->time > 0 ? 0 : -1;
out:
	json_decref(j);
	return rc;
}

int
jobs_state_read(const char *config_dir, const char *id, struct jobs_state *st)
{
	struct buf path = BUF_INIT, text = BUF_INIT;
	struct err err;
	int rc = -1;

	memset(st, 0, sizeof(*st));
	state_rel(id, &path);
	if (cfs_read(config_dir, buf_str(&path), 65536, &text, &err) == 0)
		rc = jobs_state_parse(text.data, text.len, st);
	buf_clear(&path);
	buf_clear(&text);
	return rc;
}

/*
 * A JSON string of s, malformed UTF-8 replaced (an error message cut by
 * snprintf inside a character would make json_string fail and vanish).
 */
static json_t *
json_text(const char *s)
{
	struct buf b = BUF_INIT;
	json_t *v;

	buf_puts(&b, s);
	utf8_sanitize(&b);
	v = json_stringn(buf_str(&b), b.len);
	buf_clear(&b);
	return v;
}

int
jobs_state_write(const char *config_dir, const char *id,
    const struct jobs_state *st, struct err *err)
{
	struct buf path = BUF_INIT;
	json_t *j = json_object();
	char *text;
	int rc = -1;

	json_object_set_new(j, "time", json_integer((json_int_t)st->time));
	/* Proxmox's words: created, starting, stopped */
	json_object_set_new(j, "state", json_string(!st->ran ? "created" :
	    st->upid[0] != '\0' || st->error[0] != '\0' ? "stopped" :
	    "starting"));
	if (st->upid[0] != '\0')
		json_object_set_new(j, "upid", json_text(st->upid));
	if (st->error[0] != '\0')
		json_object_set_new(j, "error", json_text(st->error));
	text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	state_rel(id, &path);
	if (text != NULL)
		rc = cfs_write(config_dir, buf_str(&path), text, strlen(text),
		    0600, 0, err);
	else
		err_set(err, ERR_NOMEM, "out of memory");
	free(text);
	json_decref(j);
	buf_clear(&path);
	return rc;
}

void
jobs_state_delete(const char *config_dir, const char *id)
{
	struct buf path = BUF_INIT;
	struct err err;

	state_rel(id, &path);
	(void)!cfs_remove(config_dir, buf_str(&path), &err);
	buf_clear(&path);
}

int
jobs_next_run(const struct calendar_event *ev, const struct jobs_state *st,
    time_t now, time_t *next_r)
{
	time_t after = st != NULL ? st->time : now;

	/* calendar_next counts strictly after: the next minute's first */
	if (st != NULL && st->ran)
		after = st->time - st->time % 60 + 59;
	return calendar_next(ev, after, calendar_is_utc(ev), next_r);
}
