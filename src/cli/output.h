/*
 * Printing API results the way Proxmox's `pveum` prints them: bordered text
 * tables, compact and pretty JSON, and YAML.  Scripts parse this output, so
 * the byte layout (borders, sort order, quoting) follows Proxmox's CLI
 * formatter rather than anything we would design ourselves.
 */
#ifndef RG_CLI_OUTPUT_H
#define RG_CLI_OUTPUT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum out_format { OUT_TEXT, OUT_JSON, OUT_JSON_PRETTY, OUT_YAML };

/* Which characters draw table borders. */
enum out_charset {
	OUT_CHARSET_AUTO = 0,	/* from the locale's codeset, like Proxmox */
	OUT_CHARSET_UTF8,	/* box drawing characters */
	OUT_CHARSET_ASCII,	/* + - = |, non-ASCII text printed as '?' */
};

struct out_opts {
	enum out_format format;
	bool noborder, noheader;
	bool human_readable;	/* pveum's default is true: see OUT_OPTS_INIT */
	bool quiet;
	enum out_charset charset;
	/*
	 * Text tables: cut every line to this many characters.  0 means
	 * "the terminal width when f is a terminal, else no limit".
	 */
	unsigned columns;
};

#define OUT_OPTS_INIT {OUT_TEXT, false, false, true, false, OUT_CHARSET_AUTO, 0}

enum out_type {
	OT_STRING, OT_INTEGER, OT_BOOLEAN, OT_NUMBER, OT_ARRAY, OT_OBJECT
};

/* One column of a text table: a property of the return schema. */
struct out_prop {
	const char *name;
	enum out_type type;
	bool optional;
	/* "timestamp", "timestamp_gmt", "duration", "bytes",
	 * "fraction_as_percentage" or NULL */
	const char *renderer;
	const char *title;	/* column heading; NULL: the name */
};

/*
 * Print an API result.  OUT_TEXT: an array of objects becomes a table whose
 * columns are props (required ones first, then optional ones, each group
 * sorted by name; with nprops 0, every key seen in the data, sorted), rows
 * sorted by the first column; an array of scalars becomes a one-column
 * table without header (props[0], if given, describes the items); an
 * object becomes a key/value table (keys from props, or from the data when
 * nprops is 0; null values skipped); other scalars are printed plainly.
 * JSON/YAML print data as is, keys sorted.  data NULL or JSON null, or
 * opts->quiet, prints nothing.  Never fails; write errors are left in f.
 */
void out_print(FILE *f, const json_t *data, const struct out_prop *props,
    size_t nprops, const struct out_opts *opts);

/* Parse an --output-format value: text|json|json-pretty|yaml. */
bool out_format_parse(const char *s, enum out_format *fmt_r);

/*
 * `pveum user permissions` output.  perm_map is {path: {priv: propagate}}.
 * Text: a table "ACL path" / "Permissions" with one privilege per line,
 * suffixed " (*)" when propagate is true, then (even with --quiet) the
 * line "Permissions marked with '(*)' have the 'propagate' flag set.".
 * Other formats: the raw map, as out_print().
 */
void out_print_permissions(FILE *f, const json_t *perm_map,
    const struct out_opts *opts);

/*
 * `pveum user tfa list` output.  data is one user's entries (an array of
 * {type, id, description?}) or everyone's ({userid, entries} each).
 * Text, as Proxmox's pveum prints it: per entry "<type>:" padded to 9
 * columns, a space and the id, then the description indented by 4;
 * entries apart by a blank line; for everyone, "<userid>:" before its
 * entries indented by 4 more, users apart by a blank line.  Other
 * formats (realmgate's addition): the data, as out_print().
 */
void out_print_tfa(FILE *f, const json_t *data, const struct out_opts *opts);

#endif
