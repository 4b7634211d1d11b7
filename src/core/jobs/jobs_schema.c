/*
 * The realm-sync job properties and the checks Proxmox's JSON schema
 * applies to them: PVE::Job::Registry's enabled/schedule/comment, the
 * realm, and realm-sync-options without the legacy full/purge.  Checks run
 * in check_prop's order (format, pattern, length, enum), so the first
 * complaint is the one Proxmox would give.
 */
#include "calendar.h"
#include "ids.h"
#include "jobs_cfg.h"

#include <string.h>

enum job_vtype { JV_BOOL, JV_STRING, JV_ENUM };
enum job_fmt { JF_NONE, JF_REALM, JF_CALENDAR, JF_VANISHED };

struct job_prop_def {
	const char *name;
	enum job_vtype vtype;
	enum job_fmt fmt;
	size_t max_len;		/* 0: none */
	bool required;
};

static const char *const scopes[] = {"users", "groups", "both", NULL};

/* sorted by name: the writer relies on it */
static const struct job_prop_def props[JP_COUNT] = {
	[JP_COMMENT] = {"comment", JV_STRING, JF_NONE, 512, false},
	[JP_ENABLE_NEW] = {"enable-new", JV_BOOL, JF_NONE, 0, false},
	[JP_ENABLED] = {"enabled", JV_BOOL, JF_NONE, 0, false},
	[JP_REALM] = {"realm", JV_STRING, JF_REALM, REALMID_MAX, true},
	[JP_REMOVE_VANISHED] = {"remove-vanished", JV_STRING, JF_VANISHED, 0,
	    false},
	[JP_SCHEDULE] = {"schedule", JV_STRING, JF_CALENDAR, 128, true},
	[JP_SCOPE] = {"scope", JV_ENUM, JF_NONE, 0, true},
};

const char *
jobs_prop_name(enum job_prop p)
{
	return props[p].name;
}

int
jobs_prop_find(const char *name)
{
	int i;

	for (i = 0; i < JP_COUNT; i++)
		if (strcmp(props[i].name, name) == 0)
			return i;
	return -1;
}

bool
jobs_prop_required(enum job_prop p)
{
	return props[p].required;
}

bool
jobs_prop_is_bool(enum job_prop p)
{
	return props[p].vtype == JV_BOOL;
}

static bool
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool
jobs_id_valid(const char *id)
{
	const char *p;

	if (!is_alpha(id[0]) || id[1] == '\0')
		return false;
	for (p = id + 1; *p != '\0'; p++)
		if (!is_alpha(*p) && !(*p >= '0' && *p <= '9') && *p != '_' &&
		    *p != '-')
			return false;
	return true;
}

/* (?:(?:(?:acl|properties|entry);)*(?:acl|properties|entry))|none */
static bool
vanished_valid(const char *v)
{
	static const char *const words[] = {"acl", "properties", "entry"};
	const char *p = v;
	size_t n, i;

	if (strcmp(v, "none") == 0)
		return true;
	for (;;) {
		n = strcspn(p, ";");
		for (i = 0; i < ARRAY_SIZE(words); i++)
			if (strlen(words[i]) == n &&
			    strncmp(p, words[i], n) == 0)
				break;
		if (i == ARRAY_SIZE(words))
			return false;
		if (p[n] == '\0')
			return true;
		p += n + 1;
	}
}

static int
check_format(const struct job_prop_def *def, const char *v, struct err *err)
{
	struct err cerr;

	switch (def->fmt) {
	case JF_NONE:
		return 0;
	case JF_REALM:
		if (!id_realm_valid(v, strlen(v)))
			return err_set(err, ERR_INVALID, "invalid format - "
			    "value does not look like a valid realm");
		return 0;
	case JF_CALENDAR:
		if (calendar_check(v, &cerr) < 0)
			return err_set(err, ERR_INVALID, "invalid format - "
			    "invalid calendar event '%s' - %s", v, cerr.msg);
		return 0;
	case JF_VANISHED:
		if (!vanished_valid(v))
			return err_set(err, ERR_INVALID,
			    "value does not match the regex pattern");
		return 0;
	}
	return 0;
}

int
jobs_value_check(enum job_prop p, const char *v, struct buf *norm,
    struct err *err)
{
	const struct job_prop_def *def = &props[p];
	const char *const *e;

	if (strpbrk(v, "\r\n") != NULL)
		return err_set(err, ERR_INVALID,
		    "property contains a line feed");
	if (def->vtype == JV_BOOL) {
		if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0)
			return err_set(err, ERR_INVALID,
			    "type check ('boolean') failed - got '%s'", v);
		buf_puts(norm, v);
		return 0;
	}
	if (check_format(def, v, err) < 0)
		return -1;
	if (def->max_len > 0 && strlen(v) > def->max_len)
		return err_set(err, ERR_INVALID,
		    "value may only be %zu characters long", def->max_len);
	if (def->vtype == JV_ENUM) {
		for (e = scopes; *e != NULL; e++)
			if (strcmp(*e, v) == 0)
				break;
		if (*e == NULL)
			return err_set(err, ERR_INVALID, "value '%s' does not "
			    "have a value in the enumeration 'users, groups, "
			    "both'", v);
	}
	buf_puts(norm, v);
	return 0;
}
