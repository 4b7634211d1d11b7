/*
 * Scheduled realm-sync jobs: /cluster/jobs/realm-sync (spec 8.7), the
 * jobs.cfg sections Proxmox 8 keeps for them and their run state.  The
 * jobs run inside `realmgate serve` (src/daemon/scheduler.c); this file
 * only manages them.  Realms must exist and be ldap or ad, as in Proxmox.
 */
#include "api_int.h"
#include "files/domains.h"
#include "jobs/calendar.h"
#include "jobs/jobs_state.h"
#include "realm.h"
#include "store.h"
#include "str.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JOBS_LOCK_TIMEOUT 10

/* The next run of a job as the scheduler computes it, or 0. */
static time_t
next_run(const struct api_env *env, const struct jobs_sync *j,
    const struct jobs_state *st)
{
	struct calendar_event *ev = NULL;
	struct err err;
	time_t next = 0;

	if (calendar_parse(jobs_sync_get(j, JP_SCHEDULE), &ev, &err) < 0)
		return 0;
	if (jobs_next_run(ev, st, env->now, &next) < 0)
		next = 0;
	calendar_free(ev);
	return next;
}

static json_t *
job_json(const struct api_env *env, const struct jobs_sync *j, bool runs)
{
	json_t *o = json_object();
	struct jobs_state st;
	int p;

	json_object_set_new(o, "id", json_string(j->id));
	json_object_set_new(o, "type", json_string(JOBS_SYNC_TYPE));
	for (p = 0; p < JP_COUNT; p++) {
		const char *v = jobs_sync_get(j, (enum job_prop)p);

		if (v == NULL)
			continue;
		if (jobs_prop_is_bool((enum job_prop)p))
			json_object_set_new(o, jobs_prop_name((enum job_prop)p),
			    json_integer(strcmp(v, "0") != 0));
		else
			json_set_str(o, jobs_prop_name((enum job_prop)p), v);
	}
	if (!runs)
		return o;
	if (jobs_state_read(env->config_dir, j->id, &st) == 0) {
		json_object_set_new(o, "last-run", json_integer(st.time));
		if (st.error[0] != '\0')
			json_set_str(o, "last-error", st.error);
	}
	if (jobs_sync_enabled(j)) {
		time_t n = next_run(env, j, jobs_state_read(env->config_dir,
		    j->id, &st) == 0 ? &st : NULL);

		if (n > 0)
			json_object_set_new(o, "next-run", json_integer(n));
	}
	return o;
}

static int
jobs_index(struct api_call *c, json_t **result_r, struct err *err)
{
	struct jobs_cfg *cfg = NULL;
	json_t *list;
	size_t i;

	if (jobs_load(c->env->config_dir, NULL, &cfg, err) < 0)
		return -1;
	list = json_array();
	for (i = 0; i < jobs_sync_count(cfg); i++)
		json_array_append_new(list, job_json(c->env,
		    jobs_sync_at(cfg, i), true));
	jobs_cfg_free(cfg);
	*result_r = list;
	return 0;
}

static int
jobs_read(struct api_call *c, json_t **result_r, struct err *err)
{
	struct jobs_cfg *cfg = NULL;
	const struct jobs_sync *j;

	if (jobs_load(c->env->config_dir, NULL, &cfg, err) < 0)
		return -1;
	j = jobs_sync_find(cfg, param_str(c, "id"));
	if (j == NULL) {
		jobs_cfg_free(cfg);
		return err_set(err, ERR_NOT_FOUND, "No such job '%s'",
		    param_str(c, "id"));
	}
	*result_r = job_json(c->env, j, false);
	jobs_cfg_free(cfg);
	return 0;
}

static int
check_realm(struct api_env *env, const char *realm, struct err *err)
{
	const char *type = realm != NULL ? api_realm_type(env, realm) : NULL;

	if (realm == NULL)
		return 0;
	if (type == NULL)
		return err_set(err, ERR_INVALID, "realm '%s' does not exist",
		    realm);
	if (!realm_has_caps(type, REALM_CAP_SYNC))
		return err_set(err, ERR_INVALID, "Cannot sync realm type '%s'! "
		    "Only LDAP/AD realms can be synced.", type);
	return 0;
}

/* The job parameters of the request, borrowed from it. */
static size_t
job_params(const struct api_call *c, struct jobs_param *out)
{
	size_t n = 0;
	int p;

	for (p = 0; p < JP_COUNT; p++) {
		const char *name = jobs_prop_name((enum job_prop)p);
		json_t *v = json_object_get(c->params, name);

		if (v == NULL)
			continue;
		out[n].key = name;
		out[n].value = json_is_true(v) ? "1" : json_is_false(v) ? "0"
		    : json_is_string(v) ? json_string_value(v) : NULL;
		if (out[n].value != NULL)
			n++;
	}
	return n;
}

enum change { CREATE, UPDATE, DELETE };

static int
jobs_change(struct api_call *c, enum change what, struct err *err)
{
	const char *id = param_str(c, "id");
	struct jobs_param params[JP_COUNT];
	struct store_tx tx;
	struct jobs_cfg *cfg = NULL;
	struct diag diag;
	size_t n = job_params(c, params);
	bool missing = false;
	int rc = -1;

	memset(&tx, 0, sizeof(tx));
	diag_init(&diag);
	/* createSchema: what a new job needs is a parameter error (400) */
	for (int p = 0; what == CREATE && p < JP_COUNT; p++) {
		const char *name = jobs_prop_name((enum job_prop)p);

		if (jobs_prop_required((enum job_prop)p) &&
		    !param_has(c, name)) {
			api_param_error(c->env, err, name,
			    "property is missing and it is not optional");
			missing = true;
		}
	}
	if (missing)
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct buf norm = BUF_INIT;
		int p = jobs_prop_find(params[i].key), bad;

		bad = p >= 0 && jobs_value_check((enum job_prop)p,
		    params[i].value, &norm, err) < 0;
		buf_clear(&norm);
		if (bad) {
			/* a schema error: 400 with the parameter named */
			char msg[ERR_MSG_MAX];

			snprintf(msg, sizeof(msg), "%s", err->msg);
			rc = api_param_error(c->env, err, params[i].key, "%s",
			    msg);
			goto out;
		}
	}
	if (what == CREATE && check_realm(c->env, param_str(c, "realm"),
	    err) < 0)
		goto out;
	if (store_lock(c->env, JOBS_FILE, JOBS_LOCK_TIMEOUT, &tx, err) < 0 ||
	    jobs_load(c->env->config_dir, &diag, &cfg, err) < 0 ||
	    store_check_dropped(c->env, JOBS_FILE, &diag, err) < 0)
		goto out;
	if (what == CREATE) {
		rc = jobs_sync_create(cfg, id, params, n, err);
	} else if (what == UPDATE) {
		struct str_list dels = {NULL, 0};

		str_list_split(&dels, param_str(c, "delete"));
		rc = jobs_sync_update(cfg, id, params, n,
		    (const char *const *)dels.v, dels.n, err);
		str_list_clear(&dels);
	} else {
		rc = jobs_sync_delete(cfg, id, err);
	}
	if (rc == 0)
		rc = jobs_save(c->env->config_dir, cfg, err);
	if (rc == 0 && what == DELETE)
		jobs_state_delete(c->env->config_dir, id);
out:
	store_end(&tx);
	jobs_cfg_free(cfg);
	diag_clear(&diag);
	return rc;
}

static int
jobs_create(struct api_call *c, json_t **result_r, struct err *err)
{
	*result_r = json_null();
	return jobs_change(c, CREATE, err);
}

static int
jobs_update(struct api_call *c, json_t **result_r, struct err *err)
{
	*result_r = json_null();
	return jobs_change(c, UPDATE, err);
}

static int
jobs_delete(struct api_call *c, json_t **result_r, struct err *err)
{
	*result_r = json_null();
	return jobs_change(c, DELETE, err);
}

#define JOB_PARAMS                                                         \
	{"id", PT_STRING, false, .format = "pve-configid",                 \
	    .max_len = JOBS_ID_MAX},                                        \
	{"schedule", PT_STRING, true, .max_len = 128},                      \
	{"scope", PT_ENUM, true, .enum_values = "users|groups|both"},       \
	{"enabled", PT_BOOL, true},                                         \
	{"enable-new", PT_BOOL, true},                                      \
	{"remove-vanished", PT_STRING, true, .max_len = 64},                \
	{"comment", PT_STRING, true, .max_len = 512}

static const struct param_def create_params[] = {
	JOB_PARAMS,
	{"realm", PT_STRING, false, .format = "pve-realm", .max_len = 32},
	{NULL},
};

static const struct param_def update_params[] = {
	JOB_PARAMS,
	{"delete", PT_LIST, true},
	{"digest", PT_STRING, true, .max_len = 64},
	{NULL},
};

static const struct param_def id_param[] = {
	{"id", PT_STRING, false, .format = "pve-configid",
	    .max_len = JOBS_ID_MAX},
	{NULL},
};

static const struct param_def no_params[] = {{NULL}};

const struct api_method api_jobs_methods[] = {
	/* last-run comes from priv/jobs/ */
	{"GET", "/cluster/jobs/realm-sync", jobs_index, no_params, NULL,
	    "List configured realm-sync-jobs.", .reads_priv = true},
	{"GET", "/cluster/jobs/realm-sync/{id}", jobs_read, id_param, NULL,
	    "Read realm-sync job definition."},
	{"POST", "/cluster/jobs/realm-sync/{id}", jobs_create, create_params,
	    NULL, "Create new realm-sync job."},
	{"PUT", "/cluster/jobs/realm-sync/{id}", jobs_update, update_params,
	    NULL, "Update realm-sync job definition."},
	{"DELETE", "/cluster/jobs/realm-sync/{id}", jobs_delete, id_param,
	    NULL, "Delete realm-sync job definition."},
	{NULL},
};
