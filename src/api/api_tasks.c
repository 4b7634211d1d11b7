/*
 * GET /nodes/{node}/tasks/{upid}/status and .../log: what Proxmox's web
 * page and API clients read after POST /access/domains/{realm}/sync
 * answered with a task id.  realmgate runs syncs to the end before it
 * answers, so every task it knows has stopped; its log is the file
 * local/tasks/<UPID> written by the sync.  As in Proxmox, the task's owner
 * may read it, anyone else needs Sys.Audit on /nodes/{node}.
 *
 * Each saved log prunes the others, so a job that runs every minute cannot
 * fill the disk: per node the newest TASK_LOG_KEEP are kept (Proxmox's
 * task index, which its task list reads, rotates at about 1000 entries),
 * and none older than TASK_LOG_MAX_AGE.
 */
#include "api_check.h"
#include "api_int.h"
#include "fileio.h"
#include "store.h"
#include "str.h"
#include "xalloc.h"
#include "task_upid.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TASK_LOG_MAX (4u << 20)

struct task_file {
	char *name;
	char node[128];
	unsigned long long start;
};

/* Per node, newest first. */
static int
task_cmp(const void *a, const void *b)
{
	const struct task_file *x = a, *y = b;
	int c = strcmp(x->node, y->node);

	if (c != 0)
		return c;
	if (x->start != y->start)
		return x->start < y->start ? 1 : -1;
	return strcmp(x->name, y->name);
}

void
api_task_logs_prune(const char *dir, size_t keep, time_t max_age,
    time_t now)
{
	struct task_file *v = NULL;
	size_t n = 0, cap = 0, i, kept = 0;
	struct dirent *de;
	char f[UPID_FIELDS][UPID_FIELD_MAX];
	DIR *d;

	d = opendir(dir);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char *end;

		if (!upid_split(de->d_name, f))
			continue;	/* not a task log: not ours to remove */
		if (n == cap) {
			cap = cap != 0 ? cap * 2 : 64;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[n].name = xstrdup(de->d_name);
		memcpy(v[n].node, f[0], sizeof(v[n].node));
		v[n].start = strtoull(f[3], &end, 16);
		n++;
	}
	if (n > 0)
		qsort(v, n, sizeof(*v), task_cmp);
	for (i = 0; i < n; i++) {
		if (i > 0 && strcmp(v[i].node, v[i - 1].node) != 0)
			kept = 0;
		if (kept < keep && (long long)v[i].start + (long long)max_age >=
		    (long long)now)
			kept++;
		else
			(void)unlinkat(dirfd(d), v[i].name, 0);
		free(v[i].name);
	}
	free(v);
	closedir(d);
}

void
api_task_log_save(const struct api_env *env, const char *upid,
    const struct buf *log)
{
	struct buf path = BUF_INIT, file = BUF_INIT;
	struct err err;

	store_path(env, "local/tasks", &path);
	if (file_mkdirs(buf_str(&path), 0700, &err) == 0) {
		buf_putf(&file, "%s/%s", buf_str(&path), upid);
		/* a lost log must not fail the sync it describes */
		(void)!file_write_atomic(buf_str(&file), log->data, log->len,
		    0600, &err);
		api_task_logs_prune(buf_str(&path), TASK_LOG_KEEP,
		    TASK_LOG_MAX_AGE, env->now);
	}
	buf_clear(&path);
	buf_clear(&file);
}

/* The task's fields and log, after the permission check. */
static int
load_task(struct api_call *c, char f[UPID_FIELDS][UPID_FIELD_MAX],
    struct buf *log, struct err *err)
{
	const char *upid = param_str(c, "upid"), *node = param_str(c, "node");
	const char *const audit[] = {"Sys.Audit", NULL};
	struct buf path = BUF_INIT, npath = BUF_INIT, owner = BUF_INIT;
	struct ucfg *cfg = NULL;
	const char *bang;
	int rc = -1;

	if (!upid_split(upid, f))
		return api_param_error(c->env, err, "upid", "unable to parse "
		    "worker upid '%s'", upid);
	/* a token's tasks belong to its user too */
	bang = strchr(c->env->authid, '!');
	buf_put(&owner, c->env->authid, bang != NULL
	    ? (size_t)(bang - c->env->authid) : strlen(c->env->authid));
	if (strcmp(f[6], buf_str(&owner)) != 0) {
		buf_putf(&npath, "/nodes/%s", node);
		if (store_read_user(c->env, &cfg, err) < 0 ||
		    api_check_privs(cfg, c->env->authid, buf_str(&npath), audit,
		    false, err) < 0)
			goto out;
	}
	store_path(c->env, "local/tasks/", &path);
	buf_puts(&path, upid);
	if (file_read(buf_str(&path), TASK_LOG_MAX, log, err) < 0) {
		if (err->code == ERR_NOT_FOUND)
			err_set(err, ERR_NOT_FOUND, "no such task '%s'", upid);
		goto out;
	}
	rc = 0;
out:
	store_release_user(cfg);
	buf_clear(&path);
	buf_clear(&npath);
	buf_clear(&owner);
	return rc;
}

static int
task_status(struct api_call *c, json_t **result_r, struct err *err)
{
	char f[UPID_FIELDS][UPID_FIELD_MAX];
	struct buf log = BUF_INIT;
	json_t *o;
	const char *es;
	size_t n;

	if (load_task(c, f, &log, err) < 0) {
		buf_clear(&log);
		return -1;
	}
	o = json_object();
	json_object_set_new(o, "upid", json_string(param_str(c, "upid")));
	json_object_set_new(o, "node", json_string(f[0]));
	json_object_set_new(o, "pid", json_integer(strtol(f[1], NULL, 16)));
	json_object_set_new(o, "pstart", json_integer(strtol(f[2], NULL,
	    16)));
	json_object_set_new(o, "starttime", json_integer(strtoll(f[3], NULL,
	    16)));
	json_object_set_new(o, "type", json_string(f[4]));
	json_object_set_new(o, "id", json_string(f[5]));
	json_object_set_new(o, "user", json_string(f[6]));
	json_object_set_new(o, "status", json_string("stopped"));
	es = task_exit_status(&log);
	n = strcspn(es, "\n");
	json_object_set_new(o, "exitstatus", json_stringn(es, n));
	buf_clear(&log);
	*result_r = o;
	return 0;
}

static int
task_log(struct api_call *c, json_t **result_r, struct err *err)
{
	long long start = param_int(c, "start", 0);
	long long limit = param_int(c, "limit", 50);
	char f[UPID_FIELDS][UPID_FIELD_MAX];
	struct buf log = BUF_INIT;
	json_t *list;
	size_t pos = 0, plen;
	const char *line;
	long long n = 0;

	if (load_task(c, f, &log, err) < 0) {
		buf_clear(&log);
		return -1;
	}
	list = json_array();
	while (str_next_line(log.data, log.len, &pos, &line, &plen)) {
		json_t *o;

		n++;
		if (n <= start || (limit > 0 && n > start + limit))
			continue;
		o = json_object();
		json_object_set_new(o, "n", json_integer(n));
		json_object_set_new(o, "t", json_stringn(line, plen));
		json_array_append_new(list, o);
	}
	buf_clear(&log);
	*result_r = list;
	return 0;
}

static const struct param_def task_params[] = {
	{"node", PT_STRING, false, .max_len = 64},
	{"upid", PT_STRING, false, .max_len = 512},
	{NULL},
};

static const struct param_def log_params[] = {
	{"node", PT_STRING, false, .max_len = 64},
	{"upid", PT_STRING, false, .max_len = 512},
	{"start", PT_INT, true, .min = 0, .max = 1LL << 40},
	{"limit", PT_INT, true, .min = 0, .max = 1LL << 40},
	{NULL},
};

const struct api_method api_tasks_methods[] = {
	{"GET", "/nodes/{node}/tasks/{upid}/status", task_status, task_params,
	    NULL, "Read task status.", .reads_priv = true},
	{"GET", "/nodes/{node}/tasks/{upid}/log", task_log, log_params, NULL,
	    "Read task log.", .reads_priv = true},
	{NULL},
};
