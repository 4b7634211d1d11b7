/*
 * The ACL path whitelist (spec 1.2), enforced only when an ACL entry is
 * added through the API: the parser and ACL deletion accept any normalised
 * path, so hand-written files with other paths keep working.
 */
#include "ids.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PARTS 5

static bool
chars_ok(const char *s, const char *extra)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr(extra, *s) == NULL)
			return false;
	return true;
}

static bool
vmid_ok(const char *s)
{
	char *end;
	long v;

	if (s[0] < '1' || s[0] > '9')
		return false;
	v = strtol(s, &end, 10);
	return *end == '\0' && v >= 100;
}

static bool
vlan_ok(const char *s)
{
	char *end;
	long v;

	if (s[0] < '1' || s[0] > '9')
		return false;
	v = strtol(s, &end, 10);
	return *end == '\0' && v >= 1 && v <= 9999;
}

static bool
sdn_ok(char **p, int n)
{
	static const char *const alnum_only[] = {"dns", "fabrics", "ipams",
	    "prefix-lists", "route-maps"};
	size_t i;

	if (n == 1)
		return true;
	if (strcmp(p[1], "controllers") == 0)
		return n == 2 || (n == 3 && chars_ok(p[2], "_-"));
	for (i = 0; i < sizeof(alnum_only) / sizeof(alnum_only[0]); i++)
		if (strcmp(p[1], alnum_only[i]) == 0)
			return n == 2 || (n == 3 && chars_ok(p[2], ""));
	if (strcmp(p[1], "zones") != 0 || n > 5)
		return false;
	return (n < 3 || chars_ok(p[2], "._-")) &&
	    (n < 4 || chars_ok(p[3], "._-")) && (n < 5 || vlan_ok(p[4]));
}

static bool
parts_ok(char **p, int n)
{
	const char *top = p[0];

	if (n == 0)
		return true;
	if (strcmp(top, "access") == 0)
		return n == 1 || (n == 2 && (strcmp(p[1], "groups") == 0 ||
		    strcmp(p[1], "realm") == 0)) ||
		    (n == 3 && (strcmp(p[1], "groups") == 0 ||
		    strcmp(p[1], "realm") == 0) && chars_ok(p[2], "._-"));
	if (strcmp(top, "nodes") == 0 || strcmp(top, "storage") == 0)
		return n == 1 || (n == 2 && chars_ok(p[1], "._-"));
	if (strcmp(top, "pool") == 0) {
		int i;

		for (i = 1; i < n; i++)
			if (!chars_ok(p[i], "._-"))
				return false;
		return n <= 4;
	}
	if (strcmp(top, "sdn") == 0)
		return sdn_ok(p, n);
	if (strcmp(top, "vms") == 0)
		return n == 1 || (n == 2 && vmid_ok(p[1]));
	if (strcmp(top, "mapping") == 0)
		return n <= 3 && (n < 2 || chars_ok(p[1], "._-")) &&
		    (n < 3 || chars_ok(p[2], "._-"));
	return false;
}

bool
id_acl_path_allowed(const char *path)
{
	char copy[512], *parts[MAX_PARTS + 1], *save = NULL, *tok;
	int n = 0;

	if (strlen(path) >= sizeof(copy))
		return false;
	memcpy(copy, path, strlen(path) + 1);
	for (tok = strtok_r(copy, "/", &save); tok != NULL;
	     tok = strtok_r(NULL, "/", &save)) {
		if (n == MAX_PARTS)
			return false;
		parts[n++] = tok;
	}
	return parts_ok(parts, n);
}
