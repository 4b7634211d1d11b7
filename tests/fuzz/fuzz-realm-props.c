/*
 * Fuzz target: realm property values as the API and the CLI set them
 * (src/core/files/domains_schema.c, domains_propstr.c): the first line
 * of the input is the property name, the rest its value.  The value is
 * checked for that property (and, when the name is unknown, for the
 * property picked by the name's first byte), parsed as the tfa and
 * sync-defaults-options property strings, mapped from the legacy
 * full/purge keys, and split into sync defaults.  Normalising is a fixed
 * point: an accepted value's stored form is accepted and stored as is;
 * a printed property string parses and prints the same again.
 */
#include "files/domains.h"
#include "files/domains_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_value(enum dom_prop p, const char *v)
{
	struct buf norm = BUF_INIT, again = BUF_INIT;
	struct err err;

	if (domains_value_check(p, v, &norm, &err) == 0) {
		if (domains_value_check(p, buf_str(&norm), &again, &err) < 0 ||
		    strcmp(buf_str(&norm), buf_str(&again)) != 0)
			abort();
	} else if (err.code != ERR_INVALID || err.msg[0] == '\0') {
		abort();
	}
	buf_clear(&norm);
	buf_clear(&again);
}

static void
check_propstr(const struct ps_schema *s, const char *v)
{
	struct ps_values vals, vals2;
	struct buf out = BUF_INIT, out2 = BUF_INIT;
	struct err err;

	if (propstr_check(s, v, &vals, &err) < 0)
		return;
	propstr_print(s, &vals, &out);
	if (propstr_check(s, buf_str(&out), &vals2, &err) < 0)
		abort();
	propstr_print(s, &vals2, &out2);
	if (strcmp(buf_str(&out), buf_str(&out2)) != 0)
		abort();
	propstr_clear(&vals);
	propstr_clear(&vals2);
	buf_clear(&out);
	buf_clear(&out2);
}

static void
check_sync(const char *v)
{
	struct domains_sync_defaults sd;
	struct buf out = BUF_INIT, out2 = BUF_INIT;
	struct err err;
	int del;

	for (del = 0; del < 2; del++) {
		buf_reset(&out);
		buf_reset(&out2);
		if (domains_sync_opts_map(v, del, &out, &err) < 0)
			continue;
		if (domains_sync_opts_map(buf_str(&out), del, &out2, &err) < 0 ||
		    strcmp(buf_str(&out), buf_str(&out2)) != 0)
			abort();
	}
	memset(&sd, 0, sizeof(sd));
	if (domains_sync_defaults_parse(v, &sd, &err) == 0)
		domains_sync_defaults_clear(&sd);
	buf_clear(&out);
	buf_clear(&out2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *nl = memchr(p, '\n', size);
	size_t n = nl != NULL ? (size_t)(nl - p) : size;
	char *name, *value;
	int prop;

	if (memchr(p, '\0', size) != NULL)
		return 0;	/* values are C strings everywhere */
	name = strndup(p, n);
	value = nl != NULL ? strndup(nl + 1, size - n - 1) : strdup("");
	if (name == NULL || value == NULL)
		abort();
	prop = domains_prop_find(name);
	if (prop < 0)
		prop = size > 0 ? data[0] % DP_COUNT : 0;
	check_value((enum dom_prop)prop, value);
	check_propstr(&propstr_tfa, value);
	check_propstr(&propstr_sync, value);
	check_sync(value);
	free(name);
	free(value);
	return 0;
}
