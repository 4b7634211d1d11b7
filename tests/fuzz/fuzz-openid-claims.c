/*
 * Fuzz target: what an OpenID login makes of the provider's claims
 * (src/api/api_openid.c): the user id from the username claim, the user
 * record (autocreate, names and e-mail from the claims) and the group
 * memberships from the groups claim, applied to a small user.cfg.  The
 * claims come from the provider, and users can often edit their own
 * there (name, e-mail, preferred_username).
 *
 * Input: one flag byte choosing the realm's options (autocreate,
 * groups-autocreate, groups-overwrite, username-claim, groups-claim),
 * then the claims as JSON.
 *
 * Checks: the user id is one of the claims' values (whole: not cut at a
 * NUL) with "@oidc"; on the user.cfg text written afterwards and read as Proxmox
 * reads it (fields split at ':', lists at ','): the only user that may
 * appear is the one the claims name, the only member that may join a
 * group is that user, the ACL lines do not change, and the file reads
 * back without a warning and settles from the second write (names keep
 * trailing spaces unescaped and the reader trims them, as in Proxmox).
 * A refused login changes nothing.
 */
#include "api.h"
#include "api_openid.h"
#include "files/domains.h"
#include "ids.h"
#include "ucfg.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* login warnings go to syslog: not from a fuzzer */
void
syslog(int prio, const char *fmt, ...)
{
	(void)prio;
	(void)fmt;
}

static const char user_cfg[] =
    "user:root@pam:1:0::::::\n"
    "user:alice@oidc:1:0:Alice::a@example.com:::\n"
    "user:off@oidc:0:0::::::\n"
    "user:admin@pve:1:0::::::\n"
    "group:admins:admin@pve::\n"
    "group:staff-oidc:alice@oidc::\n"
    "acl:1:/:@admins,admin@pve:Administrator:\n"
    "acl:1:/vms:@staff-oidc:PVEVMUser:\n";

static const char *const username_claims[] = {NULL, "username", "email",
	"subject"};

#define MAX_ITEMS 64

struct cfg_text {
	char *users[MAX_ITEMS];
	size_t nusers;
	char *groups[MAX_ITEMS];	/* "id:members" */
	size_t ngroups;
	struct buf acls;
};

/* user.cfg text as Proxmox splits it. */
static void
split(const char *text, struct cfg_text *t)
{
	const char *p = text, *nl, *c;

	memset(t, 0, sizeof(*t));
	buf_init(&t->acls, 0);
	for (; *p != '\0'; p = *nl != '\0' ? nl + 1 : nl) {
		nl = p + strcspn(p, "\n");
		if (strncmp(p, "user:", 5) == 0 && t->nusers < MAX_ITEMS) {
			c = p + 5 + strcspn(p + 5, ":\n");
			t->users[t->nusers++] = strndup(p + 5,
			    (size_t)(c - p - 5));
		} else if (strncmp(p, "group:", 6) == 0 &&
		    t->ngroups < MAX_ITEMS) {
			c = p + 6 + strcspn(p + 6, ":\n");
			if (*c == ':')
				c += 1 + strcspn(c + 1, ":\n");
			t->groups[t->ngroups++] = strndup(p + 6,
			    (size_t)(c - p - 6));
		} else if (strncmp(p, "acl:", 4) == 0) {
			buf_put(&t->acls, p, (size_t)(nl - p));
			buf_putc(&t->acls, '\n');
		}
	}
}

static void
split_clear(struct cfg_text *t)
{
	size_t i;

	for (i = 0; i < t->nusers; i++)
		free(t->users[i]);
	for (i = 0; i < t->ngroups; i++)
		free(t->groups[i]);
	buf_clear(&t->acls);
}

static bool
has_user(const struct cfg_text *t, const char *id, size_t len)
{
	size_t i;

	for (i = 0; i < t->nusers; i++)
		if (strlen(t->users[i]) == len &&
		    memcmp(t->users[i], id, len) == 0)
			return true;
	return false;
}

/* Was member (len bytes) in group gid (glen bytes) before? */
static bool
was_member(const struct cfg_text *t, const char *gid, size_t glen,
    const char *member, size_t len)
{
	size_t i;

	for (i = 0; i < t->ngroups; i++) {
		const char *g = t->groups[i], *m;

		if (strncmp(g, gid, glen) != 0 || g[glen] != ':')
			continue;
		for (m = g + glen + 1; *m != '\0'; m += strcspn(m, ",")) {
			size_t n;

			if (*m == ',')
				m++;
			n = strcspn(m, ",");
			if (n == len && memcmp(m, member, len) == 0)
				return true;
		}
	}
	return false;
}

static void
check_after(const struct cfg_text *before, const char *after_text,
    const char *userid)
{
	struct cfg_text after;
	size_t i, ulen = strlen(userid);

	split(after_text, &after);
	for (i = 0; i < after.nusers; i++)
		if (!has_user(before, after.users[i],
		    strlen(after.users[i])) && strcmp(after.users[i], userid))
			abort();
	for (i = 0; i < after.ngroups; i++) {
		const char *g = after.groups[i], *colon = strchr(g, ':'), *m;
		size_t glen = colon != NULL ? (size_t)(colon - g) : strlen(g);

		if (colon == NULL)
			continue;
		for (m = colon + 1; *m != '\0'; m += strcspn(m, ",")) {
			size_t n;

			if (*m == ',')
				m++;
			n = strcspn(m, ",");
			if (n == 0)
				continue;
			if (!(n == ulen && memcmp(m, userid, n) == 0) &&
			    !was_member(before, g, glen, m, n))
				abort();
		}
	}
	if (strcmp(buf_str(&after.acls), buf_str(&before->acls)) != 0)
		abort();
	split_clear(&after);
}

/* The user part of userid is exactly one of the claims' strings. */
static bool
claimed(const json_t *claims, const struct buf *userid)
{
	const char *at = strrchr(buf_str(userid), '@'), *k;
	size_t n = at != NULL ? (size_t)(at - userid->data) : 0;
	json_t *v;

	json_object_foreach((json_t *)(uintptr_t)claims, k, v)
		if (json_is_string(v) && json_string_length(v) == n &&
		    memcmp(json_string_value(v), userid->data, n) == 0)
			return true;
	return false;
}

static struct domains_cfg *
realm_for(uint8_t flags)
{
	struct buf text = BUF_INIT;
	struct domains_cfg *d;
	const char *uc = username_claims[(flags >> 3) & 3];

	buf_puts(&text, "openid: oidc\n\tissuer-url https://op.example\n"
	    "\tclient-id pve\n");
	buf_putf(&text, "\tautocreate %d\n", flags & 1);
	buf_putf(&text, "\tgroups-autocreate %d\n", (flags >> 1) & 1);
	buf_putf(&text, "\tgroups-overwrite %d\n", (flags >> 2) & 1);
	if (uc != NULL)
		buf_putf(&text, "\tusername-claim %s\n", uc);
	if (flags & 32)
		buf_puts(&text, "\tgroups-claim groups\n");
	d = domains_parse(buf_str(&text), text.len, "domains.cfg", NULL);
	buf_clear(&text);
	return d;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf userid = BUF_INIT, before = BUF_INIT, after = BUF_INIT,
	    again = BUF_INIT;
	struct cfg_text base;
	struct domains_cfg *d;
	const struct domains_realm *r;
	struct ucfg *cfg, *cfg2;
	struct api_env env;
	struct diag diag;
	struct err err;
	json_t *claims;
	bool created, changed;

	if (size < 1)
		return 0;
	claims = json_loadb((const char *)data + 1, size - 1,
	    JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(claims)) {
		json_decref(claims);
		return 0;
	}
	d = realm_for(data[0]);
	r = domains_realm_find(d, "oidc");
	if (r == NULL)
		abort();
	cfg = ucfg_parse(user_cfg, sizeof(user_cfg) - 1, "user.cfg", NULL);
	ucfg_write(cfg, &before);
	split(buf_str(&before), &base);
	api_env_init(&env, "/nonexistent", NULL);
	env.now = 1800000000;
	if (api_openid_userid(r, claims, &userid, &err) < 0) {
		if (err.code != ERR_AUTH && err.code != ERR_INVALID)
			abort();
		goto out;
	}
	if (!id_user_valid(userid.data, userid.len, NULL) ||
	    !claimed(claims, &userid))
		abort();
	if (api_openid_apply(&env, cfg, r, buf_str(&userid), claims, &created,
	    &changed, &err) < 0) {
		ucfg_write(cfg, &after);
		if (strcmp(buf_str(&before), buf_str(&after)) != 0)
			abort();	/* a refused login changes nothing */
		goto out;
	}
	ucfg_write(cfg, &after);
	check_after(&base, buf_str(&after), buf_str(&userid));
	/* as in fuzz-user-cfg.c: the text settles from the second write */
	diag_init(&diag);
	cfg2 = ucfg_parse(buf_str(&after), after.len, "again", &diag);
	ucfg_write(cfg2, &again);
	ucfg_free(cfg2);
	if (diag.count != 0)
		abort();
	cfg2 = ucfg_parse(buf_str(&again), again.len, "again", NULL);
	buf_reset(&after);
	ucfg_write(cfg2, &after);
	if (strcmp(buf_str(&after), buf_str(&again)) != 0)
		abort();
	diag_clear(&diag);
	ucfg_free(cfg2);
out:
	api_env_clear(&env);
	split_clear(&base);
	ucfg_free(cfg);
	domains_free(d);
	json_decref(claims);
	buf_clear(&userid);
	buf_clear(&before);
	buf_clear(&after);
	buf_clear(&again);
	return 0;
}
