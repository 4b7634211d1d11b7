/*
 * Applying a directory's answer to user.cfg, step for step as Proxmox's
 * realm sync (spec 6.3): vanished users first (entry, acl), then every
 * synced user added, overwritten (new or `properties`) or updated, then
 * the same for groups, with Proxmox's task log lines in the same order.
 *
 * Before anything changes, the guard looks at the answer as a whole: an
 * empty directory, or one that would remove more than max_remove_pct of
 * the realm's users, stops the sync (a dry run reports it instead).  A
 * directory outage that answers "no entries" therefore cannot wipe a realm.
 */
#include "sync.h"
#include "str.h"
#include "xalloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool
sync_in_realm(const char *id, char sep, const char *realm)
{
	size_t n = strlen(id), r = strlen(realm);

	return n > r + 1 && id[n - r - 1] == sep &&
	    strcmp(id + n - r, realm) == 0;
}

/* Sorted ids of the users (or groups) of the realm in cfg. */
static const char **
realm_ids(const struct hmap *m, char sep, const char *realm, size_t *n_r)
{
	const char **v = NULL, *k;
	size_t n = 0, it = 0;

	while (hmap_next(m, &it, &k, NULL)) {
		if (!sync_in_realm(k, sep, realm))
			continue;
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n++] = k;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), str_cmp_ptr);
	*n_r = n;
	return v;
}

static size_t
count_vanished(const char **ids, size_t n, const struct hmap *synced)
{
	size_t i, v = 0;

	for (i = 0; i < n; i++)
		if (!hmap_has(synced, ids[i]))
			v++;
	return v;
}

/*
 * Why the answer looks wrong, into why (empty when it does not).  The
 * sentence is the same for the error and for the warnings of dry runs
 * and overrides.
 */
static void
guard_reason(const struct ucfg *cfg, const struct sync_data *d,
    const struct sync_opts *o, struct buf *why)
{
	const char **ids;
	size_t n, gone;

	if (d->nusers == 0) {
		buf_putf(why, "the directory returned no users for realm '%s'",
		    o->realm);
		return;
	}
	ids = realm_ids(&cfg->users, '@', o->realm, &n);
	gone = count_vanished(ids, n, &d->user_by_id);
	free(ids);
	if (o->users && o->rv_entry && n > 0 &&
	    gone * 100 > (size_t)o->max_remove_pct * n) {
		buf_putf(why, "the sync would remove %zu of the %zu users of "
		    "realm '%s', more than the %u%% allowed (sync-max-remove)",
		    gone, n, o->realm, o->max_remove_pct);
		return;
	}
	ids = realm_ids(&cfg->groups, '-', o->realm, &n);
	free(ids);
	if (o->groups && o->rv_entry && n > 0 && d->ngroups == 0)
		buf_putf(why, "the directory returned no groups for realm '%s' "
		    "but %zu synced groups exist", o->realm, n);
}

/* The guard; 0 when the sync may go on. */
static int
guard(const struct ucfg *cfg, const struct sync_data *d,
    const struct sync_opts *o, struct buf *log, struct err *err)
{
	struct buf why = BUF_INIT;
	int rc = 0;

	guard_reason(cfg, d, o, &why);
	if (why.len == 0)
		;
	else if (o->override_guard)
		buf_putf(log, "WARNING: %s (applied: override-guard 1)\n",
		    buf_str(&why));
	else if (o->dry_run)
		buf_putf(log, "WARNING: %s (a real run would stop here; "
		    "override-guard 1 applies it)\n", buf_str(&why));
	else
		rc = err_set(err, ERR_INVALID, "%s: refusing, nothing was "
		    "changed (if that is really the directory's state, run "
		    "again with override-guard 1)", buf_str(&why));
	buf_clear(&why);
	return rc;
}

/* Diff lines for every ACL entry of subject, then remove them. */
static size_t
purge_acl(struct ucfg *cfg, struct acl_node *n, enum acl_kind kind,
    const char *subject, struct buf *diff)
{
	const struct acl_entry *first;
	size_t i, count = 0, c;

	c = acl_node_entries(n, kind, subject, &first);
	for (i = 0; i < c; i++)
		buf_putf(diff, "- acl %s %s%s %s%s\n", n->path[0] ? n->path
		    : "/", kind == ACL_GROUP ? "@" : "", subject,
		    first[i].role, first[i].propagate ? "" :
		    " (propagate 0)");
	count += c;
	for (i = 0; i < n->child_count; i++)
		count += purge_acl(cfg, n->children[i], kind, subject, diff);
	if (n->parent == NULL && count > 0)
		ucfg_acl_purge_subject(cfg, NULL, kind, subject);
	return count;
}

static size_t
purge_subject(struct ucfg *cfg, enum acl_kind kind, const char *id,
    struct buf *diff)
{
	const char *s = strpool_find(&cfg->pool, id);

	if (s == NULL || cfg->acl_root == NULL)
		return 0;
	return purge_acl(cfg, cfg->acl_root, kind, s, diff);
}

/* --- users --- */

static const char *
user_field(const struct ucfg_user *u, enum sync_field f, char *num,
    size_t size)
{
	switch (f) {
	case SF_ENABLE:
		return u->enable ? "1" : "0";
	case SF_EXPIRE:
		snprintf(num, size, "%lld", u->expire);
		return num;
	case SF_FIRSTNAME:
		return u->firstname;
	case SF_LASTNAME:
		return u->lastname;
	case SF_EMAIL:
		return u->email;
	case SF_COMMENT:
		return u->comment;
	case SF_KEYS:
		return u->keys;
	case SF_COUNT:
		break;
	}
	return NULL;
}

static void
set_field(struct ucfg *cfg, struct ucfg_user *u, enum sync_field f,
    const char *v)
{
	const char *t = v != NULL ? ucfg_text(cfg, v, strlen(v)) : NULL;

	switch (f) {
	case SF_ENABLE:
		u->enable = v != NULL && str_truthy(v, strlen(v));
		break;
	case SF_EXPIRE:
		u->expire = v != NULL ? strtoll(v, NULL, 10) : 0;
		break;
	case SF_FIRSTNAME:
		u->firstname = t;
		break;
	case SF_LASTNAME:
		u->lastname = t;
		break;
	case SF_EMAIL:
		u->email = t;
		break;
	case SF_COMMENT:
		u->comment = t;
		break;
	case SF_KEYS:
		u->keys = t;
		break;
	case SF_COUNT:
		break;
	}
}

/* Apply the wanted values; diff lines for what changed.  true if any. */
static bool
set_fields(struct ucfg *cfg, struct ucfg_user *u, const char *const *want,
    bool all, bool keep_enable, struct buf *diff)
{
	bool changed = false;
	int f;

	for (f = 0; f < SF_COUNT; f++) {
		char a[24], b[24];
		const char *old, *now;

		if ((!all && want[f] == NULL) || (keep_enable && f == SF_ENABLE))
			continue;
		old = user_field(u, (enum sync_field)f, a, sizeof(a));
		set_field(cfg, u, (enum sync_field)f, want[f]);
		now = user_field(u, (enum sync_field)f, b, sizeof(b));
		if ((old == NULL) != (now == NULL) ||
		    (old != NULL && strcmp(old, now) != 0)) {
			buf_putf(diff, "~ user %s: %s '%s' -> '%s'\n", u->id,
			    sync_field_name((enum sync_field)f),
			    old != NULL ? old : "", now != NULL ? now : "");
			changed = true;
		}
	}
	return changed;
}

/*
 * What differs between removing vanished users and vanished groups: the
 * id suffix, the tables, Proxmox's log words, the ACL kind and the delete.
 */
struct vanish {
	const char *what;	/* "users" / "groups" (log) */
	const char *one;	/* "user" / "group" (log, diff) */
	const char *purge;	/* "users" / "group" (Proxmox's purge line) */
	bool users;
	char sep;
	enum acl_kind kind;
	void (*del)(struct ucfg *cfg, const char *id);
};

static const struct vanish vanish_users = {"users", "user", "users", true,
	'@', ACL_USER, ucfg_user_del};
static const struct vanish vanish_groups = {"groups", "group", "group",
	false, '-', ACL_GROUP, ucfg_group_del};

static void
remove_vanished(struct ucfg *cfg, const struct vanish *v,
    const struct hmap *existing, const struct hmap *synced,
    const struct sync_opts *o, struct buf *log, struct buf *diff,
    size_t *removed, size_t *acl_removed, struct str_list *token_users)
{
	const char **ids;
	size_t n, i;

	if (!o->rv_entry && !o->rv_acl)
		return;
	if (o->rv_entry)
		buf_putf(log, "deleting outdated existing %s first\n", v->what);
	ids = realm_ids(existing, v->sep, o->realm, &n);
	for (i = 0; i < n; i++) {
		if (hmap_has(synced, ids[i]))
			continue;
		if (o->rv_entry) {
			buf_putf(log, "remove %s '%s'\n", v->one, ids[i]);
			buf_putf(diff, "- %s %s\n", v->one, ids[i]);
			(*removed)++;
			if (v->users && ucfg_user(cfg, ids[i])->tokens.count > 0)
				str_list_add(token_users, ids[i],
				    strlen(ids[i]));
		}
		if (o->rv_acl) {
			buf_putf(log, "purge %s '%s' ACL entries\n", v->purge,
			    ids[i]);
			*acl_removed += purge_subject(cfg, v->kind, ids[i], diff);
		}
		/* last: ids[i] may be the key of the record */
		if (o->rv_entry)
			v->del(cfg, ids[i]);
	}
	free(ids);
}

static void
sync_user(struct ucfg *cfg, const struct sync_user *su,
    const struct sync_opts *o, struct buf *log, struct buf *diff,
    struct sync_stats *st)
{
	struct ucfg_user *u = ucfg_user(cfg, su->id);
	bool changed;

	if (u == NULL) {
		u = ucfg_user_add(cfg, su->id);
		struct buf none = BUF_INIT;

		set_fields(cfg, u, su->val, true, true, &none);
		buf_clear(&none);
		u->enable = o->enable_new && !su->disabled;
		buf_putf(log, "adding user '%s'\n", su->id);
		buf_putf(diff, "+ user %s%s\n", su->id, u->enable ? ""
		    : " (disabled)");
		st->users_added++;
		return;
	}
	if (o->rv_properties) {
		/* the record is replaced, but enable and tokens stay */
		changed = set_fields(cfg, u, su->val, true, true, diff);
		buf_putf(log, "overwriting user '%s'\n", su->id);
	} else {
		changed = set_fields(cfg, u, su->val, false, false, diff);
		buf_putf(log, "updating user '%s'\n", su->id);
	}
	if (su->disabled && u->enable) {
		u->enable = false;
		buf_putf(diff, "~ user %s: disabled in the directory\n",
		    su->id);
		changed = true;
	}
	if (changed)
		st->users_changed++;
	else
		st->users_unchanged++;
}

static int
cmp_user(const void *a, const void *b)
{
	return strcmp((*(const struct sync_user *const *)a)->id,
	    (*(const struct sync_user *const *)b)->id);
}

static void
update_users(struct ucfg *cfg, const struct sync_data *d,
    const struct sync_opts *o, struct buf *log, struct buf *diff,
    struct sync_stats *st)
{
	const struct sync_user **v = xcalloc(d->nusers + 1, sizeof(*v));
	size_t i;

	buf_putf(log, "syncing users (remove-vanished opts: %s)\n",
	    o->rv_text);
	remove_vanished(cfg, &vanish_users, &cfg->users, &d->user_by_id, o, log,
	    diff, &st->users_removed, &st->acl_removed, &st->token_users);
	for (i = 0; i < d->nusers; i++)
		v[i] = &d->users[i];
	qsort(v, d->nusers, sizeof(*v), cmp_user);
	for (i = 0; i < d->nusers; i++)
		sync_user(cfg, v[i], o, log, diff, st);
	free(v);
}

/* --- groups --- */

/* The keys of a member set, sorted (the values are only markers). */
static const char **
member_ids(const struct hmap *m, size_t *n_r)
{
	const char **v = xcalloc(m->count + 1, sizeof(*v)), *k;
	size_t n = 0, it = 0;

	while (hmap_next(m, &it, &k, NULL))
		v[n++] = k;
	qsort(v, n, sizeof(*v), str_cmp_ptr);
	*n_r = n;
	return v;
}

/* Replace g's members by the synced ones; diff lines for the changes. */
static bool
set_members(struct ucfg *cfg, struct ucfg_group *g,
    const struct sync_group *sg, struct buf *diff)
{
	const char **old;
	size_t nold, i, j;
	bool changed = false;

	old = member_ids(&g->members, &nold);
	for (i = 0, j = 0; i < nold || j < sg->nmembers;) {
		int c = i == nold ? 1 : j == sg->nmembers ? -1
		    : strcmp(old[i], sg->members[j]);

		if (c < 0) {
			buf_putf(diff, "~ group %s: - member %s\n", g->id,
			    old[i]);
			i++;
			changed = true;
		} else if (c > 0) {
			buf_putf(diff, "~ group %s: + member %s\n", g->id,
			    sg->members[j]);
			j++;
			changed = true;
		} else {
			i++;
			j++;
		}
	}
	free(old);
	if (!changed)
		return false;
	hmap_clear(&g->members);
	for (j = 0; j < sg->nmembers; j++)
		ucfg_group_add_member(cfg, g, sg->members[j]);
	cfg->index_valid = false;
	return true;
}

static void
sync_group(struct ucfg *cfg, const struct sync_group *sg,
    const struct sync_opts *o, struct buf *log, struct buf *diff,
    struct sync_stats *st)
{
	struct ucfg_group *g = ucfg_group(cfg, sg->id);
	size_t j;

	if (g == NULL) {
		g = ucfg_group_add(cfg, sg->id);
		for (j = 0; j < sg->nmembers; j++)
			ucfg_group_add_member(cfg, g, sg->members[j]);
		buf_putf(log, "adding group '%s'\n", sg->id);
		buf_putf(diff, "+ group %s (%zu members)\n", sg->id,
		    sg->nmembers);
		st->groups_added++;
		return;
	}
	if (o->rv_properties) {
		bool changed = false;

		if (g->comment != NULL) {
			buf_putf(diff, "~ group %s: comment '%s' -> ''\n",
			    sg->id, g->comment);
			g->comment = NULL;
			changed = true;
		}
		if (set_members(cfg, g, sg, diff) || changed)
			st->groups_changed++;
		buf_putf(log, "overwriting group '%s'\n", sg->id);
		return;
	}
	if (set_members(cfg, g, sg, diff))
		st->groups_changed++;
	buf_putf(log, "updating group '%s'\n", sg->id);
}

static int
cmp_group(const void *a, const void *b)
{
	return strcmp((*(const struct sync_group *const *)a)->id,
	    (*(const struct sync_group *const *)b)->id);
}

static void
update_groups(struct ucfg *cfg, const struct sync_data *d,
    const struct sync_opts *o, struct buf *log, struct buf *diff,
    struct sync_stats *st)
{
	const struct sync_group **v = xcalloc(d->ngroups + 1, sizeof(*v));
	size_t i;

	buf_putf(log, "syncing groups (remove-vanished opts: %s)\n",
	    o->rv_text);
	remove_vanished(cfg, &vanish_groups, &cfg->groups, &d->group_by_id, o,
	    log, diff, &st->groups_removed, &st->acl_removed, NULL);
	for (i = 0; i < d->ngroups; i++)
		v[i] = &d->groups[i];
	qsort(v, d->ngroups, sizeof(*v), cmp_group);
	for (i = 0; i < d->ngroups; i++)
		sync_group(cfg, v[i], o, log, diff, st);
	free(v);
}

int
sync_apply(struct ucfg *cfg, const struct sync_data *d,
    const struct sync_opts *o, struct buf *log, struct buf *diff,
    struct sync_stats *st, struct err *err)
{
	memset(st, 0, sizeof(*st));
	if (guard(cfg, d, o, log, err) < 0)
		return -1;
	if (o->users)
		update_users(cfg, d, o, log, diff, st);
	if (o->groups)
		update_groups(cfg, d, o, log, diff, st);
	ucfg_reindex(cfg);
	return 0;
}

void
sync_stats_clear(struct sync_stats *st)
{
	str_list_clear(&st->token_users);
}
