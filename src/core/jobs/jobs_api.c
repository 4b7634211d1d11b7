/*
 * realm-sync job changes as /cluster/jobs/realm-sync makes them: the
 * parameter schema check first (its messages are what a Proxmox user
 * sees), then SectionConfig's check_config and delete_from_config rules.
 * Each call validates everything before it touches cfg, so a failed call
 * leaves cfg unchanged.
 */
#include "jobs_int.h"
#include "str.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

static void
vals_free(char **vals)
{
	size_t i;

	for (i = 0; i < JP_COUNT; i++) {
		free(vals[i]);
		vals[i] = NULL;
	}
}

/* Validate params into vals (all NULL on entry). */
static int
check_params(const struct jobs_param *params, size_t n, bool create,
    char **vals, struct err *err)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const char *k = params[i].key, *v = params[i].value;
		struct buf norm = BUF_INIT;
		int p = jobs_prop_find(k);

		if (p < 0)
			return err_set(err, ERR_INVALID, "%s: property is not "
			    "defined in schema and the schema does not allow "
			    "additional properties", k);
		if (vals[p] != NULL)
			return err_set(err, ERR_INVALID,
			    "duplicate parameter '%s'", k);
		if (!create && p == JP_REALM)
			return err_set(err, ERR_INVALID,
			    "can't change value of fixed parameter '%s'", k);
		if (v == NULL)
			return err_set(err, ERR_INVALID,
			    "got undefined value for option '%s'", k);
		if (jobs_prop_is_bool(p))
			v = str_bool01(v);
		if (jobs_value_check(p, v, &norm, err) < 0) {
			buf_clear(&norm);
			return err_prefix(err, "%s: ", k);
		}
		vals[p] = buf_steal(&norm);
	}
	return 0;
}

static int
check_id(const char *id, struct err *err)
{
	if (!jobs_id_valid(id))
		return err_set(err, ERR_INVALID, "id: invalid format - "
		    "invalid configuration ID '%s'", id);
	if (strlen(id) > JOBS_ID_MAX)
		return err_set(err, ERR_INVALID, "id: value may only be %d "
		    "characters long", JOBS_ID_MAX);
	return 0;
}

int
jobs_sync_create(struct jobs_cfg *cfg, const char *id,
    const struct jobs_param *params, size_t n, struct err *err)
{
	char *vals[JP_COUNT] = {NULL};
	struct jobs_sync *j;
	size_t i;

	if (check_id(id, err) < 0)
		return -1;
	if (check_params(params, n, true, vals, err) < 0)
		goto bad;
	for (i = 0; i < JP_COUNT; i++) {
		if (jobs_prop_required(i) && vals[i] == NULL) {
			err_set(err, ERR_INVALID, "%s: property is missing "
			    "and it is not optional", jobs_prop_name(i));
			goto bad;
		}
	}
	if (jobs_id_used(cfg, id)) {
		err_set(err, ERR_EXISTS, "Job '%s' already exists", id);
		goto bad;
	}
	j = xcalloc(1, sizeof(*j));
	j->id = xstrdup(id);
	memcpy(j->val, vals, sizeof(vals));
	jobs_section_add_sync(cfg, j);
	return 0;
bad:
	vals_free(vals);
	return -1;
}

/* delete_from_config's checks, before anything changes */
static int
check_delete(const char *const *del, size_t del_count, char **vals,
    struct err *err)
{
	size_t i;

	for (i = 0; i < del_count; i++) {
		int p = jobs_prop_find(del[i]);

		if (p < 0)
			return err_set(err, ERR_INVALID, "no such option '%s'",
			    del[i]);
		if (jobs_prop_required(p))
			return err_set(err, ERR_INVALID,
			    "unable to delete required option '%s'", del[i]);
		if (vals[p] != NULL)
			return err_set(err, ERR_INVALID, "cannot set and "
			    "delete property '%s' at the same time!", del[i]);
	}
	return 0;
}

int
jobs_sync_update(struct jobs_cfg *cfg, const char *id,
    const struct jobs_param *params, size_t n, const char *const *del,
    size_t del_count, struct err *err)
{
	char *vals[JP_COUNT] = {NULL};
	struct jobs_section *s;
	struct jobs_sync *j;
	size_t i;
	int ret = -1;

	if (n == 0)
		return err_set(err, ERR_INVALID, "no job options specified");
	if (check_params(params, n, false, vals, err) < 0)
		goto out;
	s = hmap_get(&cfg->index, id);
	j = s != NULL ? s->sync : NULL;
	if (j == NULL) {
		err_set(err, ERR_NOT_FOUND, "no such realm-sync job");
		goto out;
	}
	if (check_delete(del, del_count, vals, err) < 0)
		goto out;
	for (i = 0; i < del_count; i++) {
		int p = jobs_prop_find(del[i]);

		free(j->val[p]);
		j->val[p] = NULL;
	}
	for (i = 0; i < JP_COUNT; i++) {
		if (vals[i] == NULL)
			continue;
		free(j->val[i]);
		j->val[i] = vals[i];
		vals[i] = NULL;
	}
	ret = 0;
out:
	vals_free(vals);
	return ret;
}

int
jobs_sync_delete(struct jobs_cfg *cfg, const char *id, struct err *err)
{
	if (jobs_sync_find(cfg, id) == NULL)
		return err_set(err, ERR_NOT_FOUND, "No such job '%s'", id);
	jobs_section_remove_sync(cfg, id);
	return 0;
}
