/*
 * jobs.cfg, Proxmox's scheduled jobs file (spec 1.12).  realmgate owns the
 * `realm-sync` sections; every other section (vzdump backup jobs and
 * whatever later Proxmox versions add) belongs to someone else and is kept
 * byte for byte, so writing the file never loses another tool's job.
 *
 *   realm-sync: nightly-corp
 *   	realm corp-ldap
 *   	schedule 02:30
 *   	scope both
 *   	enable-new 1
 *   	enabled 1
 *   	remove-vanished acl;entry
 *
 * Job ids follow Proxmox's pve-configid format: a letter, then one or more
 * of [A-Za-z0-9_-] (no '.'), at most 64 characters through the API.
 */
#ifndef RG_JOBS_CFG_H
#define RG_JOBS_CFG_H

#include "buf.h"
#include "compiler.h"
#include "diag.h"
#include "err.h"

#include <stdbool.h>
#include <stddef.h>

#define JOBS_FILE	"jobs.cfg"
#define JOBS_ID_MAX	64
#define JOBS_SYNC_TYPE	"realm-sync"

/* The keys of a realm-sync section; the writer's order is by name. */
enum job_prop {
	JP_COMMENT,
	JP_ENABLE_NEW,
	JP_ENABLED,
	JP_REALM,
	JP_REMOVE_VANISHED,
	JP_SCHEDULE,
	JP_SCOPE,
	JP_COUNT
};

struct jobs_sync {
	char *id;
	/*
	 * Values by property, NULL when unset.  Booleans are "0"/"1", the
	 * comment is decoded text.
	 */
	char *val[JP_COUNT];
};

struct jobs_cfg;

/* --- schema (jobs_schema.c) --- */

const char *jobs_prop_name(enum job_prop p);
/* Index of a realm-sync key by name, or -1 (full and purge are not keys). */
int jobs_prop_find(const char *name);
bool jobs_prop_required(enum job_prop p);
bool jobs_prop_is_bool(enum job_prop p);

/* pve-configid: [A-Za-z][A-Za-z0-9_-]+ (no length limit here) */
bool jobs_id_valid(const char *id);

/*
 * Validate a value as Proxmox's schema check does and append its stored
 * form to norm.  Booleans accept only 0/1.  Messages are Proxmox's: "value
 * may only be 128 characters long", "invalid format - invalid calendar
 * event '...' - ...", "value 'x' does not have a value in the enumeration
 * 'users, groups, both'", "value does not match the regex pattern", ...
 * The comment is checked as text; its percent-encoding is the writer's.
 */
int jobs_value_check(enum job_prop p, const char *value, struct buf *norm,
    struct err *err) RG_WARN_UNUSED;

/* --- model, parse, write (jobs_cfg.c) --- */

struct jobs_cfg *jobs_cfg_new(void);
void jobs_cfg_free(struct jobs_cfg *cfg);

/*
 * Parse jobs.cfg leniently, like Proxmox's SectionConfig reader: a
 * realm-sync section with a bad id or missing a required key is skipped, a
 * bad, duplicate or unknown key is dropped, and each such decision goes to
 * d (may be NULL) with file:line.  A missing `enabled` becomes 1, as
 * PVE::Job::Registry does after reading.  Sections of other types are
 * kept verbatim (comment and junk lines included) and never reported.  A
 * realm-sync section whose id another type also uses is skipped, since
 * the ids share one namespace and the other section must survive; of two
 * realm-sync sections with one id the later wins.  Never fails.
 */
struct jobs_cfg *jobs_cfg_parse(const char *text, size_t len,
    const char *file, struct diag *d);

/*
 * Write jobs.cfg (appends to out) as Proxmox's SectionConfig writer does:
 * sections in file order, new ones last; a realm-sync section is its
 * header, `comment` (percent-encoded) if set, the required keys (realm,
 * schedule, scope) by name, then the other set keys by name, each as
 * "\t<key> <value>", and an empty line.  Other sections are written back
 * as read, followed by an empty line.
 */
void jobs_cfg_write(const struct jobs_cfg *cfg, struct buf *out);

/* --- lookup (borrowed, valid until the next change to cfg) --- */

/* realm-sync jobs, in file order */
size_t jobs_sync_count(const struct jobs_cfg *cfg);
const struct jobs_sync *jobs_sync_at(const struct jobs_cfg *cfg, size_t i);
/* NULL if absent or not a realm-sync job */
const struct jobs_sync *jobs_sync_find(const struct jobs_cfg *cfg,
    const char *id);
/* Whether any section, of any type, uses id. */
bool jobs_id_used(const struct jobs_cfg *cfg, const char *id);
/* NULL if unset */
const char *jobs_sync_get(const struct jobs_sync *j, enum job_prop p);
/* `enabled`, default 1 */
bool jobs_sync_enabled(const struct jobs_sync *j);

/* --- changes (jobs_api.c), strict like /cluster/jobs/realm-sync --- */

struct jobs_param {
	const char *key;
	const char *value;
};

/*
 * POST /cluster/jobs/realm-sync/{id}.  Booleans also take Perl's
 * true/false/yes/no/on/off.  Errors: "invalid configuration ID '<id>'",
 * "Job '<id>' already exists" (ERR_EXISTS, whatever the other job's type),
 * "unexpected property '<k>'", "<k>: <value error>", "missing value for
 * required option '<k>'".  Whether the realm exists and is LDAP/AD is the
 * caller's check ("No such realm '<r>'", "Only LDAP/AD realms can be
 * synced.").
 */
int jobs_sync_create(struct jobs_cfg *cfg, const char *id,
    const struct jobs_param *params, size_t n,
    struct err *err) RG_WARN_UNUSED;

/*
 * PUT /cluster/jobs/realm-sync/{id}: params are validated first ("no job
 * options specified" when there are none, even with del: Proxmox's
 * check), then the job must exist ("no such realm-sync job",
 * ERR_NOT_FOUND), then the keys in del are removed ("no such option
 * '<k>'", "unable to delete required option '<k>'", "unable to delete
 * fixed option '<k>'", "cannot set and delete property '<k>' at the same
 * time!") and params set ("can't change value of fixed parameter
 * 'realm'").  A failed call leaves cfg unchanged.
 */
int jobs_sync_update(struct jobs_cfg *cfg, const char *id,
    const struct jobs_param *params, size_t n, const char *const *del,
    size_t del_count, struct err *err) RG_WARN_UNUSED;

/* DELETE: "No such job '<id>'" (ERR_NOT_FOUND) unless a realm-sync job. */
int jobs_sync_delete(struct jobs_cfg *cfg, const char *id,
    struct err *err) RG_WARN_UNUSED;

#endif
