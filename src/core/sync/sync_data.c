/*
 * Building a struct sync_data: users and groups as the directory returned
 * them, with every string in one pool (one free at the end), and the
 * lower-cased DN maps that turn group member DNs into user ids.
 */
#include "sync.h"
#include "ids.h"
#include "xalloc.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const field_names[SF_COUNT] = {
	"enable", "expire", "firstname", "lastname", "email", "comment",
	"keys",
};

const char *
sync_field_name(enum sync_field f)
{
	return (unsigned)f < SF_COUNT ? field_names[f] : "?";
}

int
sync_field_find(const char *name)
{
	int i;

	for (i = 0; i < SF_COUNT; i++)
		if (strcmp(field_names[i], name) == 0)
			return i;
	return -1;
}

void
sync_data_init(struct sync_data *d)
{
	memset(d, 0, sizeof(*d));
	strpool_init(&d->pool);
	hmap_init(&d->user_by_dn);
	hmap_init(&d->user_by_id);
	hmap_init(&d->group_by_id);
	hmap_init(&d->group_by_dn);
	buf_init(&d->warnings, 0);
}

void
sync_data_clear(struct sync_data *d)
{
	size_t i;

	for (i = 0; i < d->ngroups; i++) {
		free(d->groups[i].members);
		free(d->groups[i].subgroups);
	}
	free(d->groups);
	free(d->users);
	hmap_clear(&d->user_by_dn);
	hmap_clear(&d->user_by_id);
	hmap_clear(&d->group_by_id);
	hmap_clear(&d->group_by_dn);
	buf_clear(&d->warnings);
	strpool_clear(&d->pool);
	memset(d, 0, sizeof(*d));
}

void
sync_warn(struct sync_data *d, const char *fmt, ...)
{
	char line[SYNC_WARNING_MAX];
	va_list ap;
	int n;

	/* a hostile directory must not fill memory and the task log */
	if (d->nwarnings++ >= SYNC_MAX_WARNINGS) {
		if (d->nwarnings == SYNC_MAX_WARNINGS + 1)
			buf_putf(&d->warnings, "(more than %u warnings: the "
			    "rest are not shown)\n", SYNC_MAX_WARNINGS);
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	buf_puts(&d->warnings, line);
	if ((size_t)n >= sizeof(line))
		buf_puts(&d->warnings, "...");
	buf_putc(&d->warnings, '\n');
}

/* A lower-cased pool copy of (p, len). */
static const char *
lower_copy(struct sync_data *d, const char *p, size_t len)
{
	char *tmp = xmalloc(len + 1);
	const char *r;
	size_t i;

	for (i = 0; i < len; i++)
		tmp[i] = (char)tolower((unsigned char)p[i]);
	tmp[len] = '\0';
	r = strpool_copy(&d->pool, tmp, len);
	free(tmp);
	return r;
}

struct sync_user *
sync_add_user(struct sync_data *d, const char *userid, const char *dn)
{
	struct sync_user *u;
	struct err err;

	if (id_user_check_new(userid, &err) < 0) {
		sync_warn(d, "skipping user '%s': %s", userid, err.msg);
		return NULL;
	}
	if (hmap_has(&d->user_by_id, userid)) {
		sync_warn(d, "skipping duplicate user '%s' (%s)", userid, dn);
		return NULL;
	}
	if (d->nusers == d->ucap) {
		d->ucap = d->ucap ? d->ucap * 2 : 256;
		d->users = xreallocarray(d->users, d->ucap, sizeof(*d->users));
	}
	u = &d->users[d->nusers++];
	memset(u, 0, sizeof(*u));
	u->id = strpool_add(&d->pool, userid);
	hmap_put(&d->user_by_id, u->id, (void *)(uintptr_t)d->nusers);
	if (dn != NULL)
		hmap_put(&d->user_by_dn, lower_copy(d, dn, strlen(dn)),
		    (void *)(uintptr_t)d->nusers);
	return u;
}

void
sync_user_set(struct sync_data *d, struct sync_user *u, enum sync_field f,
    const char *value, size_t len)
{
	struct buf msg = BUF_INIT;
	const char *v = strpool_copy(&d->pool, value, len);
	const char *why = NULL;

	if (memchr(value, '\0', len) != NULL || memchr(value, '\n', len) !=
	    NULL)
		why = "value contains a NUL or newline";
	else if (d->validate != NULL && f != SF_ENABLE)
		why = d->validate(f, v, &msg);
	if (why != NULL)
		sync_warn(d, "skipping attribute mapping %s for user '%s': %s",
		    sync_field_name(f), u->id, why);
	else
		u->val[f] = v;
	buf_clear(&msg);
}

struct sync_group *
sync_add_group(struct sync_data *d, const char *groupid, const char *dn)
{
	struct sync_group *g;

	if (hmap_has(&d->group_by_id, groupid)) {
		sync_warn(d, "skipping group '%s' (%s): another directory group "
		    "has the same name", groupid, dn);
		return NULL;
	}
	if (d->ngroups == d->gcap) {
		d->gcap = d->gcap ? d->gcap * 2 : 64;
		d->groups = xreallocarray(d->groups, d->gcap,
		    sizeof(*d->groups));
	}
	g = &d->groups[d->ngroups++];
	memset(g, 0, sizeof(*g));
	g->id = strpool_add(&d->pool, groupid);
	g->dn = lower_copy(d, dn, strlen(dn));
	hmap_put(&d->group_by_id, g->id, (void *)(uintptr_t)d->ngroups);
	hmap_put(&d->group_by_dn, g->dn, (void *)(uintptr_t)d->ngroups);
	return g;
}

void
sync_group_add_member(struct sync_data *d, struct sync_group *g,
    const char *userid)
{
	(void)d;
	if (g->nmembers == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 16;
		g->members = xreallocarray(g->members, g->cap,
		    sizeof(*g->members));
	}
	g->members[g->nmembers++] = userid;
}

void
sync_group_member_dn(struct sync_data *d, struct sync_group *g,
    const char *dn, size_t len)
{
	char stack[512], *tmp = len < sizeof(stack) ? stack : xmalloc(len + 1);
	uintptr_t ui;
	size_t i;

	for (i = 0; i < len; i++)
		tmp[i] = (char)tolower((unsigned char)dn[i]);
	tmp[len] = '\0';
	ui = (uintptr_t)hmap_get(&d->user_by_dn, tmp);
	if (ui != 0) {
		sync_group_add_member(d, g, d->users[ui - 1].id);
	} else {
		/* maybe a group: kept for nested resolution */
		if (g->nsub == g->subcap) {
			g->subcap = g->subcap ? g->subcap * 2 : 8;
			g->subgroups = xreallocarray(g->subgroups, g->subcap,
			    sizeof(*g->subgroups));
		}
		g->subgroups[g->nsub++] = strpool_copy(&d->pool, tmp, len);
	}
	if (tmp != stack)
		free(tmp);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void
sort_unique(const char **v, size_t *n)
{
	size_t i, o = 0;

	if (*n == 0)
		return;
	qsort(v, *n, sizeof(*v), cmp_str);
	for (i = 0; i < *n; i++)
		if (o == 0 || strcmp(v[o - 1], v[i]) != 0)
			v[o++] = v[i];
	*n = o;
}

void
sync_data_finish(struct sync_data *d)
{
	size_t i;

	for (i = 0; i < d->ngroups; i++)
		sort_unique(d->groups[i].members, &d->groups[i].nmembers);
}
