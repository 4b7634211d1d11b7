/*
 * Group names from the directory.  Proxmox takes the text between the
 * first '=' and the first ',' of the DN and skips the group when
 * "<name>-<realm>" is not a valid group id, so "Domain Admins" never
 * arrives.  We read the first RDN value with DN escapes undone, then map
 * a name Proxmox cannot store: first through the realm's table
 * (`group-name-map "Domain Admins=domain-admins;..."`), else by the rule
 * in docs/realmgate.8: every run of characters outside [A-Za-z0-9._-]
 * becomes one '-', and '-' at either end is dropped.
 */
#include "sync.h"

#include <ctype.h>
#include <string.h>

static bool
group_char(unsigned char c)
{
	return isalnum(c) || c == '.' || c == '_' || c == '-';
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

bool
sync_dn_first_value(const char *dn, struct buf *out)
{
	const char *p = strchr(dn, '=');
	size_t start;

	buf_reset(out);
	if (p == NULL)
		return false;
	for (p++; *p == ' '; p++)
		;
	for (; *p != '\0' && *p != ',' && *p != '+'; p++) {
		if (*p == '\\' && p[1] != '\0') {
			int hi = hexval(p[1]), lo = hi >= 0 && p[2] != '\0'
			    ? hexval(p[2]) : -1;

			if (hi >= 0 && lo >= 0) {
				buf_putc(out, (char)(hi * 16 + lo));
				p += 2;
			} else {
				buf_putc(out, p[1]);
				p++;
			}
			continue;
		}
		buf_putc(out, *p);
	}
	/* Proxmox needs a ',' after the first RDN: a lone RDN has no name */
	if (*p == '+') {
		/* a multi-valued RDN: the name is its first value, if a ','
		 * follows the RDN at all */
		while (*p != '\0' && *p != ',')
			p += *p == '\\' && p[1] != '\0' ? 2 : 1;
	}
	if (*p == '\0')
		return false;
	for (start = out->len; start > 0 && out->data[start - 1] == ' ';
	    start--)
		;
	out->len = start;
	if (out->data != NULL)
		out->data[out->len] = '\0';
	return out->len > 0;
}

/* Look name up in "from=to;from=to"; the target goes to out. */
static bool
map_lookup(const char *map, const char *name, size_t len, struct buf *out)
{
	const char *p = map;

	while (p != NULL && *p != '\0') {
		const char *eq = strchr(p, '='), *end;

		if (eq == NULL)
			return false;
		end = strchr(eq, ';');
		if (end == NULL)
			end = eq + strlen(eq);
		if ((size_t)(eq - p) == len && memcmp(p, name, len) == 0) {
			buf_put(out, eq + 1, (size_t)(end - eq - 1));
			return true;
		}
		p = *end == ';' ? end + 1 : NULL;
	}
	return false;
}

bool
sync_group_name(const char *name, size_t len, const char *map,
    struct buf *out, bool *mapped_r)
{
	bool gap = false;
	size_t i;

	buf_reset(out);
	*mapped_r = false;
	if (map != NULL && map_lookup(map, name, len, out)) {
		*mapped_r = true;
		return out->len > 0;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (group_char(c)) {
			if (gap && out->len > 0)
				buf_putc(out, '-');
			gap = false;
			buf_putc(out, (char)c);
		} else {
			gap = true;
			*mapped_r = true;
		}
	}
	return out->len > 0;
}
