/*
 * The realm-sync job scheduler of `realmgate serve`: a root child of the
 * supervisor (the syncs read priv/realm/<realm>.pw) that wakes at each
 * job's next run and at least every few seconds to notice new jobs, and
 * runs due jobs one after the other through the same API call as
 * `pveum realm sync`, as root@pam.  State is Proxmox's: a job first seen
 * counts from that moment; a run records its start, then its UPID or its
 * error, in priv/jobs/realm-sync-<id>.json.  As under Proxmox's scheduler,
 * which looks once a minute, a job runs at most once in a minute
 * (jobs_next_run), whatever its schedule.
 *
 * With a shared store every node's scheduler sees the job; exactly one
 * runs it: the one that takes the job's lock and, reading the state as of
 * the lock, still finds it due.  The run's writes are fenced by that lock
 * (cfs.h), so a node that lost it while paused cannot write afterwards.
 * In etcd mode this process also keeps the node's mirror current
 * (cfs_watch_start).
 */
#include "daemon.h"
#include "api.h"
#include "cfs/cfs.h"
#include "jobs/calendar.h"
#include "jobs/jobs_state.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define SCHED_MAX_SLEEP 5	/* seconds between looks at jobs.cfg */

static volatile sig_atomic_t sched_stop;

static void
on_term(int sig)
{
	(void)sig;
	sched_stop = 1;
}

static void
run_job(const char *config_dir, const struct jobs_sync *j, time_t now)
{
	const struct api_method *m = api_find_template("POST",
	    "/access/domains/{realm}/sync");
	struct jobs_state st = {.time = now, .ran = true};
	json_t *params = json_object(), *result = NULL;
	struct api_env env;
	struct err err;
	int p;

	if (jobs_state_write(config_dir, j->id, &st, &err) < 0)
		syslog(LOG_WARNING, "realm-sync job %s: state not saved: %s",
		    j->id, err.msg);
	json_object_set_new(params, "realm",
	    json_string(jobs_sync_get(j, JP_REALM)));
	for (p = JP_ENABLE_NEW; p < JP_COUNT; p++) {
		const char *v = jobs_sync_get(j, (enum job_prop)p);

		if (v != NULL && (p == JP_SCOPE || p == JP_ENABLE_NEW ||
		    p == JP_REMOVE_VANISHED))
			json_object_set_new(params,
			    jobs_prop_name((enum job_prop)p), json_string(v));
	}
	api_env_init(&env, config_dir, "root@pam");
	if (m != NULL && api_call(m, &env, params, &result, &err) == 0 &&
	    json_is_string(result)) {
		snprintf(st.upid, sizeof(st.upid), "%s",
		    json_string_value(result));
		syslog(LOG_INFO, "realm-sync job %s: %s", j->id, st.upid);
	} else {
		snprintf(st.error, sizeof(st.error), "%s",
		    m == NULL ? "sync is not available" : err.msg);
		syslog(LOG_WARNING, "realm-sync job %s failed: %s", j->id,
		    st.error);
	}
	if (jobs_state_write(config_dir, j->id, &st, &err) < 0)
		syslog(LOG_WARNING, "realm-sync job %s: state not saved: %s",
		    j->id, err.msg);
	api_env_clear(&env);
	json_decref(params);
	json_decref(result);
}

/*
 * In a shared store: run j only under its lock, and only if, as of the
 * lock, no other node has run it since it fell due.
 */
static void
run_due(const char *config_dir, const struct jobs_sync *j,
    const struct calendar_event *ev, time_t now)
{
	struct cfs_lock *l = NULL;
	struct jobs_state st;
	char name[128];
	struct err err;
	time_t next;

	if (!cfs_is_etcd()) {
		run_job(config_dir, j, now);
		return;
	}
	snprintf(name, sizeof(name), "jobs/realm-sync-%s", j->id);
	if (cfs_flock(config_dir, name, 0, &l, &err) < 0)
		return;		/* another node runs it */
	if (jobs_state_read(config_dir, j->id, &st) < 0 ||
	    jobs_next_run(ev, &st, now, &next) < 0 || next <= now)
		run_job(config_dir, j, now);
	cfs_unlock(l);
}

/*
 * Run what is due at now; return the earliest next run of any job (or
 * now + SCHED_MAX_SLEEP).
 */
static time_t
tick(const char *config_dir, time_t now)
{
	struct jobs_cfg *cfg = NULL;
	time_t wake = now + SCHED_MAX_SLEEP;
	struct err err;
	size_t i;

	if (jobs_load(config_dir, NULL, &cfg, &err) < 0)
		return wake;
	for (i = 0; i < jobs_sync_count(cfg) && !sched_stop; i++) {
		const struct jobs_sync *j = jobs_sync_at(cfg, i);
		struct calendar_event *ev = NULL;
		struct jobs_state st;
		time_t next;

		if (!jobs_sync_enabled(j) ||
		    calendar_parse(jobs_sync_get(j, JP_SCHEDULE), &ev, &err) < 0)
			continue;
		if (jobs_state_read(config_dir, j->id, &st) < 0) {
			/* a new job counts from now */
			st = (struct jobs_state){.time = now};
			if (jobs_state_write(config_dir, j->id, &st, &err) < 0)
				syslog(LOG_WARNING, "realm-sync job %s: state "
				    "not saved: %s", j->id, err.msg);
		}
		if (jobs_next_run(ev, &st, now, &next) == 0) {
			if (next <= now) {
				run_due(config_dir, j, ev, now);
				st = (struct jobs_state){.time = now,
				    .ran = true};
				if (jobs_next_run(ev, &st, now, &next) < 0)
					next = 0;
			}
			if (next > now && next < wake)
				wake = next;
		}
		calendar_free(ev);
	}
	jobs_cfg_free(cfg);
	return wake;
}

int
scheduler_run(const char *config_dir)
{
	struct sigaction sa;
	struct err err;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGHUP, SIG_IGN);
	if (cfs_watch_start(config_dir, &err) < 0)
		syslog(LOG_ERR, "%s", err.msg);
	while (!sched_stop) {
		time_t now, wake;

		cfs_refresh();
		now = time(NULL);
		wake = tick(config_dir, now);
		struct timespec ts;

		now = time(NULL);
		if (wake <= now)
			continue;
		ts.tv_sec = wake - now;
		ts.tv_nsec = 0;
		while (!sched_stop && nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
	return 0;
}
