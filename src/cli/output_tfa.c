/*
 * `pveum user tfa list` (output.h): Proxmox prints it with its own
 * printf layout instead of a table, and scripts may read it.
 */
#include "output.h"

static void
print_entries(FILE *f, const json_t *entries, const char *indent)
{
	const json_t *e;
	size_t i;

	json_array_foreach(entries, i, e) {
		const char *desc = json_string_value(json_object_get(e,
		    "description"));
		const char *type = json_string_value(json_object_get(e,
		    "type"));
		const char *id = json_string_value(json_object_get(e, "id"));
		char label[32];

		snprintf(label, sizeof(label), "%s:", type != NULL ? type : "");
		fprintf(f, "%s%s%-9s %s\n%s    %s\n", i > 0 ? "\n" : "",
		    indent, label, id != NULL ? id : "", indent,
		    desc != NULL ? desc : "");
	}
}

void
out_print_tfa(FILE *f, const json_t *data, const struct out_opts *opts)
{
	const json_t *u;
	size_t i;

	if (opts->format != OUT_TEXT) {
		out_print(f, data, NULL, 0, opts);
		return;
	}
	if (opts->quiet)
		return;
	json_array_foreach(data, i, u) {
		if (json_object_get(u, "userid") == NULL) {
			print_entries(f, data, "");	/* one user's */
			return;
		}
		fprintf(f, "%s%s:\n", i > 0 ? "\n" : "",
		    json_string_value(json_object_get(u, "userid")));
		print_entries(f, json_object_get(u, "entries"), "    ");
	}
}
