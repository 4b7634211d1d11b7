/*
 * The lockout settings (realmgate/lockout.cfg): one "name: value" line per
 * option, the whole set written each time.  Every value goes through
 * lockout_opts_set, whether it comes from the file, the API or the CLI,
 * so there is one validation.
 */
#include "lockout.h"
#include "cfs/cfs.h"
#include "fileio.h"
#include "str.h"
#include "xalloc.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CFG_MAX (64 * 1024)

const char *const lockout_opt_names[] = {
	"user-failures", "user-window", "user-lock",
	"address-failures", "address-window", "address-lock",
	"trusted", NULL,
};

const char *
lockout_kind_name(enum lockout_kind k)
{
	return k == LOCKOUT_USER ? "user" : "address";
}

void
lockout_opts_default(struct lockout_opts *o)
{
	struct err err;

	memset(o, 0, sizeof(*o));
	o->limit[LOCKOUT_USER] = (struct lockout_limit){5, 900, 900};
	o->limit[LOCKOUT_ADDRESS] = (struct lockout_limit){50, 900, 900};
	if (lockout_opts_set(o, "trusted", "127.0.0.0/8,::1/128", &err) < 0)
		o->ntrusted = 0;	/* not reached: the text is fixed */
}

/* Which limit and which of its numbers an option names: false if none. */
static bool
limit_slot(const char *name, enum lockout_kind *k, size_t *off)
{
	const char *rest;

	if (str_has_prefix(name, "user-")) {
		*k = LOCKOUT_USER;
		rest = name + 5;
	} else if (str_has_prefix(name, "address-")) {
		*k = LOCKOUT_ADDRESS;
		rest = name + 8;
	} else {
		return false;
	}
	if (strcmp(rest, "failures") == 0)
		*off = offsetof(struct lockout_limit, failures);
	else if (strcmp(rest, "window") == 0)
		*off = offsetof(struct lockout_limit, window);
	else if (strcmp(rest, "lock") == 0)
		*off = offsetof(struct lockout_limit, lock);
	else
		return false;
	return true;
}

struct trusted_parse {
	struct lockout_opts *o;
	struct err *err;
	bool bad;
};

static void
trusted_item(const char *p, size_t len, void *arg)
{
	struct trusted_parse *t = arg;
	char text[NETADDR_KEY_MAX + 8];

	if (t->bad)
		return;
	if (len >= sizeof(text)) {
		t->bad = true;
		err_set(t->err, ERR_INVALID, "'%.*s...' is not an address or "
		    "a CIDR block", 20, p);
		return;
	}
	memcpy(text, p, len);
	text[len] = '\0';
	if (t->o->ntrusted == LOCKOUT_TRUSTED_MAX) {
		t->bad = true;
		err_set(t->err, ERR_INVALID, "more than %d trusted networks",
		    LOCKOUT_TRUSTED_MAX);
	} else if (!netaddr_cidr_parse(text, &t->o->trusted[t->o->ntrusted])) {
		t->bad = true;
		err_set(t->err, ERR_INVALID, "'%s' is not an address or a CIDR "
		    "block (with no host bits set)", text);
	} else {
		t->o->ntrusted++;
	}
}

int
lockout_opts_set(struct lockout_opts *o, const char *name, const char *value,
    struct err *err)
{
	enum lockout_kind k;
	unsigned long long v;
	size_t off;
	bool failures;

	if (strcmp(name, "trusted") == 0) {
		struct lockout_opts copy = *o;
		struct trusted_parse t = {&copy, err, false};

		copy.ntrusted = 0;
		memset(copy.trusted, 0, sizeof(copy.trusted));
		str_split_list(value, strlen(value), trusted_item, &t);
		if (t.bad)
			return -1;
		*o = copy;
		return 0;
	}
	if (!limit_slot(name, &k, &off))
		return err_set(err, ERR_INVALID, "unknown option '%s'", name);
	failures = off == offsetof(struct lockout_limit, failures);
	if (!str_to_u64(value, strlen(value), &v))
		return err_set(err, ERR_INVALID, "'%s' is not a number", value);
	if (failures && v > LOCKOUT_FAILURES_MAX)
		return err_set(err, ERR_INVALID, "value must be at most %d",
		    LOCKOUT_FAILURES_MAX);
	if (!failures && (v < 1 || v > LOCKOUT_TIME_MAX))
		return err_set(err, ERR_INVALID, "value must be between 1 and "
		    "%d (seconds)", LOCKOUT_TIME_MAX);
	*(unsigned *)(void *)((char *)&o->limit[k] + off) = (unsigned)v;
	return 0;
}

void
lockout_opts_get(const struct lockout_opts *o, const char *name,
    struct buf *out)
{
	char cidr[NETADDR_KEY_MAX + 4];
	enum lockout_kind k;
	size_t i, off;

	buf_reset(out);
	buf_puts(out, "");
	if (strcmp(name, "trusted") == 0) {
		for (i = 0; i < o->ntrusted; i++) {
			netaddr_cidr_format(&o->trusted[i], cidr);
			buf_putf(out, "%s%s", i > 0 ? "," : "", cidr);
		}
		return;
	}
	if (limit_slot(name, &k, &off))
		buf_putf(out, "%u", *(const unsigned *)(const void *)
		    ((const char *)&o->limit[k] + off));
}

void
lockout_opts_parse(const char *text, size_t len, struct lockout_opts *o,
    struct diag *warn)
{
	const char *line;
	size_t pos = 0, n;
	unsigned lineno = 0;

	lockout_opts_default(o);
	while (str_next_line(text, len, &pos, &line, &n)) {
		const char *colon, *np;
		char *name, *value;
		size_t vlen, nlen;
		struct err err;

		lineno++;
		str_trim(&line, &n);
		if (n == 0 || line[0] == '#')
			continue;
		colon = memchr(line, ':', n);
		if (colon == NULL || memchr(line, '\0', n) != NULL) {
			if (warn != NULL)
				diag_add(warn, LOCKOUT_CFG_FILE, lineno, true,
				    "lockout settings - not 'name: value', "
				    "line skipped");
			continue;
		}
		np = line;
		nlen = (size_t)(colon - line);
		str_trim(&np, &nlen);
		name = xstrndup(np, nlen);
		colon++;
		vlen = n - (size_t)(colon - line);
		str_trim(&colon, &vlen);
		value = xstrndup(colon, vlen);
		if (lockout_opts_set(o, name, value, &err) < 0 && warn != NULL)
			diag_add(warn, LOCKOUT_CFG_FILE, lineno, true,
			    "lockout settings - %s: %s, default kept", name,
			    err.msg);
		free(name);
		free(value);
	}
}

void
lockout_opts_format(const struct lockout_opts *o, struct buf *out)
{
	struct buf v = BUF_INIT;
	size_t i;

	buf_puts(out, "# realmgate lockout settings (docs/lockout.md)\n");
	for (i = 0; lockout_opt_names[i] != NULL; i++) {
		lockout_opts_get(o, lockout_opt_names[i], &v);
		buf_putf(out, "%s: %s\n", lockout_opt_names[i], buf_str(&v));
	}
	buf_clear(&v);
}

void
lockout_opts_load(const char *config_dir, struct lockout_opts *o,
    struct diag *warn)
{
	struct buf text = BUF_INIT;
	struct err err;

	if (cfs_read(config_dir, LOCKOUT_CFG_FILE, CFG_MAX, &text, &err) < 0) {
		if (err.code != ERR_NOT_FOUND && warn != NULL)
			diag_add(warn, LOCKOUT_CFG_FILE, 0, false, "lockout "
			    "settings unreadable, defaults used: %s", err.msg);
		lockout_opts_default(o);
	} else {
		lockout_opts_parse(text.data, text.len, o, warn);
	}
	buf_clear(&text);
}

int
lockout_opts_save(const char *config_dir, const struct lockout_opts *o,
    struct err *err)
{
	struct buf text = BUF_INIT;
	int rc;

	lockout_opts_format(o, &text);
	rc = cfs_write(config_dir, LOCKOUT_CFG_FILE, text.data, text.len, 0644,
	    0, err);
	buf_clear(&text);
	return rc;
}

bool
lockout_trusted(const struct lockout_opts *o, const char *client)
{
	struct netaddr a;
	size_t i;

	if (client == NULL || !netaddr_parse(client, &a))
		return false;
	for (i = 0; i < o->ntrusted; i++)
		if (netaddr_cidr_contains(&o->trusted[i], &a))
			return true;
	return false;
}
