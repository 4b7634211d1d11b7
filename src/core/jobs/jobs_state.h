/*
 * Loading and saving jobs.cfg, and the run state of each realm-sync job
 * (priv/jobs/realm-sync-<id>.json, Proxmox's file and keys).
 */
#ifndef RG_JOBS_STATE_H
#define RG_JOBS_STATE_H

#include "jobs_cfg.h"

#include <stdbool.h>
#include <time.h>

/* jobs.cfg (a missing file is an empty one); warnings go to d. */
int jobs_load(const char *config_dir, struct diag *d, struct jobs_cfg **cfg_r,
    struct err *err) RG_WARN_UNUSED;
/* Write jobs.cfg atomically (the caller holds the file-jobs_cfg lock). */
int jobs_save(const char *config_dir, const struct jobs_cfg *cfg,
    struct err *err) RG_WARN_UNUSED;

struct jobs_state {
	time_t time;		/* start of the last run (or of the job) */
	bool ran;		/* time is a run's ("state" not "created") */
	char upid[256];		/* its task id, "" while starting */
	char error[512];	/* why it failed, "" if it did not */
};

/*
 * A state file's text (len bytes; text may be NULL when len is 0): 0 with
 * *st filled, -1 when it is not a JSON object with a positive "time".
 */
int jobs_state_parse(const char *text, size_t len, struct jobs_state *st);
/* 0 with *st filled, -1 when there is no (usable) state file. */
int jobs_state_read(const char *config_dir, const char *id,
    struct jobs_state *st);
int jobs_state_write(const char *config_dir, const char *id,
    const struct jobs_state *st, struct err *err) RG_WARN_UNUSED;
void jobs_state_delete(const char *config_dir, const char *id);

/*
 * Proxmox's scheduler looks at the jobs once a minute ("Job schedule has
 * minute precision"), so a job runs at most once in a minute whatever
 * its schedule says ("*:*:0/1" included).
 */
struct calendar_event;

/*
 * The next run of a job with schedule ev and state st (NULL: a job not
 * seen before, which counts from now): the schedule's first event after
 * the job's creation, or after the minute its last run started in.  -1 if
 * there is none.
 */
int jobs_next_run(const struct calendar_event *ev,
    const struct jobs_state *st, time_t now, time_t *next_r) RG_WARN_UNUSED;

#endif
