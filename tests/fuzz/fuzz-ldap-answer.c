/*
 * Fuzz target: what an LDAP server answers, as far as realm sync and login
 * look at it without a connection - DNs and their first RDN value, group
 * names and the realm's name map, AD's ranged attribute names, filter
 * escaping - and the whole answer merged into user.cfg.
 *
 * The input is used several ways at once:
 *  - all of it (up to the first NUL) as a DN and as a ranged attribute
 *    name; split at the first NUL or newline into a group name and a name
 *    map; all of it, NULs included, escaped for a filter;
 *  - as lines describing a directory answer for realm "corp":
 *      u <userid> [<dn>]   a user           f<digit><value>  a field of it
 *      d                   it is disabled   g <dn>           a group
 *      m <dn>              a member DN of the last group
 *    applied with sync_apply() to an empty user.cfg and to a small one,
 *    with the options taken from the first byte.
 * Beyond "no crash, no leak" it checks the filter escaping byte for byte,
 * that a refused sync leaves user.cfg untouched, and that an accepted one
 * holds every synced user and group.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ids.h"
#include "ldapc_filter.h"
#include "ldapc_search.h"
#include "sync/sync.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_GROUPS 200

static const char group_map[] = "Domain Users=users;a b=ab";

static const char small_cfg[] =
    "user:a@corp:1:0:A:Z:a@x.org:note:x:\n"
    "token:a@corp!tok:0:1::\n"
    "user:b@corp:0:0::::::\n"
    "user:c@corpXnet:1:0::::::\n"
    "group:g-corp:a@corp,b@corp:keep:\n"
    "group:h-corp:b@corp::\n"
    "group:local:a@corp::\n"
    "acl:1:/vms:a@corp,a@corp!tok,@g-corp:PVEVMUser:\n"
    "acl:0:/storage:b@corp,@h-corp:PVEDatastoreUser:\n";

static void
check_escape(const uint8_t *data, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	struct buf out = BUF_INIT;
	size_t i, o = 0;

	ldapc_filter_escape(&out, (const char *)data, size);
	for (i = 0; i < size; i++) {
		uint8_t c = data[i];

		if (c == '*' || c == '(' || c == ')' || c == '\\' || c == 0) {
			if (o + 3 > out.len || out.data[o] != '\\' ||
			    out.data[o + 1] != hex[c >> 4] ||
			    out.data[o + 2] != hex[c & 15])
				abort();
			o += 3;
		} else {
			if (o >= out.len || (uint8_t)out.data[o] != c)
				abort();
			o++;
		}
	}
	if (o != out.len)
		abort();
	buf_clear(&out);
}

static void
check_names(const char *text, const uint8_t *data, size_t size)
{
	struct buf out = BUF_INIT;
	const char *map = NULL;
	size_t cut, i;
	bool mapped, more = false;
	unsigned long next = 0;

	if (sync_dn_first_value(text, &out) && out.len == 0)
		abort();
	for (cut = 0; cut < size && data[cut] != '\0' && data[cut] != '\n';
	    cut++)
		;
	if (cut < size)
		map = text + cut + 1;
	if (sync_group_name((const char *)data, cut, map, &out, &mapped)) {
		if (out.len == 0)
			abort();
		/* without a table, the name is made of group characters */
		if (map == NULL)
			for (i = 0; i < out.len; i++)
				if (!isalnum((unsigned char)out.data[i]) &&
				    out.data[i] != '.' && out.data[i] != '_' &&
				    out.data[i] != '-')
					abort();
	}
	if (ldapc_range_parse(text, "member", &more, &next) && more &&
	    next == 0)
		abort();
	(void)ldapc_range_parse(text, "Member", &more, &next);
	buf_clear(&out);
}

/* The next space-separated word of *p (NUL-terminated, in place). */
static char *
word(char **p)
{
	char *w = *p, *e;

	while (*w == ' ')
		w++;
	if (*w == '\0')
		return NULL;
	e = strchr(w, ' ');
	if (e != NULL) {
		*e = '\0';
		*p = e + 1;
	} else {
		*p = w + strlen(w);
	}
	return w;
}

/* Directory answer lines into d, the way realm_ldap_sync.c fills it. */
static void
build(struct sync_data *d, char *text)
{
	struct sync_user *u = NULL;
	struct sync_group *g = NULL;
	struct buf name = BUF_INIT, id = BUF_INIT;
	char *line, *next;

	for (line = text; line != NULL; line = next) {
		char *p, *w;
		bool mapped;
		int field;

		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		p = line + 1;
		switch (line[0]) {
		case 'u':
			w = word(&p);
			if (w != NULL)
				u = sync_add_user(d, w, *p != '\0' ? p : NULL);
			break;
		case 'f':
			field = (line[1] - '0') % SF_COUNT;
			if (u != NULL && line[1] >= '0' && line[1] <= '9')
				sync_user_set(d, u, (enum sync_field)field,
				    line + 2, strlen(line + 2));
			break;
		case 'd':
			if (u != NULL)
				u->disabled = true;
			break;
		case 'g':
			g = NULL;
			if (d->ngroups >= MAX_GROUPS)
				break;
			while (*p == ' ')
				p++;
			if (!sync_dn_first_value(p, &name) ||
			    !sync_group_name(name.data, name.len, group_map,
			    &id, &mapped))
				break;
			buf_puts(&id, "-corp");
			if (!id_group_valid(id.data, id.len))
				break;
			g = sync_add_group(d, buf_str(&id), p);
			break;
		case 'm':
			while (*p == ' ')
				p++;
			if (g != NULL)
				sync_group_member_dn(d, g, p, strlen(p));
			break;
		default:
			break;
		}
	}
	buf_clear(&name);
	buf_clear(&id);
	sync_resolve_nested(d);
}

static void
apply(const char *cfg_text, const struct sync_data *d, uint8_t flags)
{
	struct ucfg *cfg = ucfg_parse(cfg_text, strlen(cfg_text), "user.cfg",
	    NULL);
	struct buf before = BUF_INIT, after = BUF_INIT, log = BUF_INIT,
	    diff = BUF_INIT;
	struct sync_opts o;
	struct sync_stats st;
	struct err err;
	size_t i;
	int rc;

	memset(&o, 0, sizeof(o));
	o.realm = "corp";
	o.users = (flags & 3) != 1;
	o.groups = (flags & 3) != 0;
	o.enable_new = flags & 4;
	o.rv_acl = flags & 8;
	o.rv_entry = flags & 16;
	o.rv_properties = flags & 32;
	o.rv_text = "fuzz";
	o.dry_run = flags & 64;
	o.override_guard = false;
	o.max_remove_pct = flags & 128 ? 100 : 50;
	ucfg_write(cfg, &before);
	rc = sync_apply(cfg, d, &o, &log, &diff, &st, &err);
	ucfg_write(cfg, &after);
	if (rc < 0) {
		if (err.code != ERR_INVALID || before.len != after.len ||
		    memcmp(before.data, after.data, before.len) != 0)
			abort();
	} else {
		for (i = 0; o.users && i < d->nusers; i++)
			if (ucfg_user(cfg, d->users[i].id) == NULL)
				abort();
		for (i = 0; o.groups && i < d->ngroups; i++)
			if (ucfg_group(cfg, d->groups[i].id) == NULL)
				abort();
	}
	sync_stats_clear(&st);
	ucfg_free(cfg);
	buf_clear(&before);
	buf_clear(&after);
	buf_clear(&log);
	buf_clear(&diff);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct sync_data d;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	check_escape(data, size);
	check_names(text, data, size);

	sync_data_init(&d);
	build(&d, text);
	apply("", &d, size > 0 ? data[0] : 0);
	apply(small_cfg, &d, size > 0 ? data[0] : 0);
	sync_data_clear(&d);
	free(text);
	return 0;
}
