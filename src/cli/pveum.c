/*
 * pveum: parse Proxmox's command syntax (options as --name or -name, unique
 * prefixes, booleans without a value, repeatable list options), call the
 * API method in-process as root@pam, and print the result as pveum does.
 */
#include "pveum.h"
#include "api.h"
#include "output.h"
#include "prompt.h"
#include "secret.h"
#include "str.h"
#include "why.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define EXIT_FAIL 255

/* Options every listing command accepts, handled by the CLI itself. */
static const struct param_def output_params[] = {
	{"output-format", PT_ENUM, true, .enum_values =
	    "text|json|json-pretty|yaml"},
	{"noheader", PT_BOOL, true},
	{"noborder", PT_BOOL, true},
	{"human-readable", PT_BOOL, true},
	{"quiet", PT_BOOL, true},
	{NULL},
};

static const struct param_def force_param[] = {
	{"force", PT_BOOL, true},
	{NULL},
};

static const struct param_def why_param[] = {
	{"why", PT_BOOL, true},
	{NULL},
};

static size_t
word_count(const char *s)
{
	size_t n = 0;

	while (*s != '\0') {
		while (*s == ' ')
			s++;
		if (*s == '\0')
			break;
		n++;
		s += strcspn(s, " ");
	}
	return n;
}

/* Does argv[0..n) spell the words of s? */
static bool
words_match(const char *s, char **argv, int argc)
{
	size_t n = word_count(s), i;
	char *copy, *tok, *save = NULL;
	bool ok = true;

	if ((size_t)argc < n)
		return false;
	copy = xstrdup(s);
	for (i = 0, tok = strtok_r(copy, " ", &save); tok != NULL;
	     i++, tok = strtok_r(NULL, " ", &save))
		if (strcmp(tok, argv[i]) != 0)
			ok = false;
	free(copy);
	return ok;
}

/* Commands of realmgate's own are not pveum's. */
static bool
offered(const struct cli *cli, const struct pveum_cmd *c)
{
	return !c->rg_only || strcmp(cli->prog, "pveum") != 0;
}

static const struct pveum_cmd *
find_cmd(const struct cli *cli, char **argv, int argc, int *used_r)
{
	const struct pveum_cmd *c, *best = NULL;
	size_t best_n = 0;

	for (c = pveum_cmds; c->words != NULL; c++) {
		const char *names[2] = {c->words, c->alias};
		int i;

		if (!offered(cli, c))
			continue;
		for (i = 0; i < 2; i++) {
			size_t n;

			if (names[i] == NULL || !words_match(names[i], argv, argc))
				continue;
			n = word_count(names[i]);
			if (n > best_n) {
				best = c;
				best_n = n;
			}
		}
	}
	*used_r = (int)best_n;
	return best;
}

static void
print_usage(FILE *f, const char *prog, const struct pveum_cmd *c)
{
	const char *a = c->args;

	fprintf(f, "%s %s", prog, c->words);
	while (a != NULL && *a != '\0') {
		size_t n = strcspn(a, " ");
		bool opt = *a == '?';

		fprintf(f, opt ? " [<%.*s>]" : " <%.*s>", (int)(n - opt),
		    a + opt);
		a += n;
		while (*a == ' ')
			a++;
	}
	fputs(" [OPTIONS]\n", f);
}

static bool
is_bool_literal(const char *s)
{
	static const char *const lits[] = {"0", "1", "true", "false", "yes",
	    "no", "on", "off"};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(lits); i++)
		if (strcasecmp(s, lits[i]) == 0)
			return true;
	return false;
}

/* Find an option by exact name or unique prefix among several schemas. */
static const struct param_def *
find_opt(const struct param_def *const *schemas, const char *name,
    bool *ambiguous)
{
	const struct param_def *found = NULL, *d;
	size_t i, len = strlen(name);
	int prefix_hits = 0;

	*ambiguous = false;
	for (i = 0; schemas[i] != NULL; i++)
		for (d = schemas[i]; d->name != NULL; d++) {
			if (strcmp(d->name, name) == 0)
				return d;
			if (strncmp(d->name, name, len) == 0) {
				found = d;
				prefix_hits++;
			}
		}
	if (prefix_hits > 1) {
		*ambiguous = true;
		return NULL;
	}
	return found;
}

static bool
is_positional_name(const char *args, const char *name)
{
	const char *a = args;
	size_t len = strlen(name);

	while (a != NULL && *a != '\0') {
		size_t n = strcspn(a, " ");
		bool opt = *a == '?';

		if (n - opt == len && strncmp(a + opt, name, len) == 0)
			return true;
		a += n;
		while (*a == ' ')
			a++;
	}
	return false;
}

struct parsed {
	json_t *params;	/* API parameters */
	json_t *cli;	/* CLI-only options */
};

static int
parse_args(const struct cli *cli, const struct pveum_cmd *c,
    const struct api_method *m, int argc, char **argv, struct parsed *p)
{
	const struct param_def *schemas[5] = {m->params, NULL, NULL, NULL, NULL};
	const char *pos = c->args;
	int i, ns = 1;

	if (c->print == PRINT_TABLE || c->print == PRINT_PERMS ||
	    c->print == PRINT_OBJECT || c->print == PRINT_TFA)
		schemas[ns++] = output_params;
	if (c->print == PRINT_PERMS)
		schemas[ns++] = why_param;
	schemas[ns++] = force_param;
	/*
	 * Values go in unchecked (json_string would give NULL for one that
	 * is not UTF-8, and it would vanish): api_call refuses them.
	 */
	for (i = 0; i < argc; i++) {
		const char *arg = argv[i];

		if (arg[0] == '-' && arg[1] != '\0' &&
		    !(arg[1] >= '0' && arg[1] <= '9')) {
			const struct param_def *d;
			char *name = xstrdup(arg + (arg[1] == '-' ? 2 : 1));
			char *eq = strchr(name, '=');
			const char *value = NULL;
			bool ambiguous;
			json_t *target, *old;

			if (eq != NULL) {
				*eq = '\0';
				value = eq + 1;
			}
			d = find_opt(schemas, name, &ambiguous);
			if (d == NULL || is_positional_name(c->args, d->name)) {
				cli_error(cli, ambiguous ?
				    "option '%s' is ambiguous" :
				    "Unknown option: %s", name);
				free(name);
				return -1;
			}
			if (value == NULL) {
				if (d->type == PT_BOOL)
					value = i + 1 < argc &&
					    is_bool_literal(argv[i + 1]) ?
					    argv[++i] : "1";
				else if (i + 1 < argc)
					value = argv[++i];
				else {
					cli_error(cli,
					    "Option %s requires an argument",
					    d->name);
					free(name);
					return -1;
				}
			}
			/* output options and --force/--why are the CLI's own */
			target = p->params;
			if ((d >= output_params &&
			    d < output_params + ARRAY_SIZE(output_params)) ||
			    d == force_param || d == why_param)
				target = p->cli;
			old = json_object_get(target, d->name);
			if (old != NULL && d->type == PT_LIST) {
				struct buf joined = BUF_INIT;

				buf_putf(&joined, "%s,%s", json_string_value(old),
				    value);
				json_object_set_new(target, d->name,
				    json_string_nocheck(buf_str(&joined)));
				buf_clear(&joined);
			} else {
				json_object_set_new(target, d->name,
				    json_string_nocheck(value));
			}
			free(name);
			continue;
		}
		/* positional */
		while (pos != NULL && *pos == ' ')
			pos++;
		if (pos == NULL || *pos == '\0') {
			cli_error(cli, "too many arguments");
			return -1;
		}
		{
			size_t n = strcspn(pos, " ");
			bool opt = *pos == '?';
			char *name = xstrndup(pos + opt, n - opt);

			json_object_set_new(p->params, name,
			    json_string_nocheck(arg));
			free(name);
			pos += n;
		}
	}
	while (pos != NULL && *pos == ' ')
		pos++;
	if (pos != NULL && *pos != '\0' && *pos != '?') {
		cli_error(cli, "400 not enough arguments");
		return -1;
	}
	return 0;
}

static void
apply_fixed(const struct pveum_cmd *c, json_t *params)
{
	const char *eq;
	char *name;

	if (c->fixed == NULL)
		return;
	eq = strchr(c->fixed, '=');
	name = xstrndup(c->fixed, (size_t)(eq - c->fixed));
	json_object_set_new(params, name, json_string(eq + 1));
	free(name);
}

static void
out_options(const json_t *cli_opts, struct out_opts *o)
{
	const char *fmt = json_string_value(json_object_get(cli_opts,
	    "output-format"));
	const char *v;

	if (fmt != NULL)
		out_format_parse(fmt, &o->format);
	v = json_string_value(json_object_get(cli_opts, "noheader"));
	o->noheader = v != NULL && is_bool_literal(v) && strcmp(v, "0") != 0;
	v = json_string_value(json_object_get(cli_opts, "noborder"));
	o->noborder = v != NULL && is_bool_literal(v) && strcmp(v, "0") != 0;
	v = json_string_value(json_object_get(cli_opts, "quiet"));
	o->quiet = v != NULL && is_bool_literal(v) && strcmp(v, "0") != 0;
	v = json_string_value(json_object_get(cli_opts, "human-readable"));
	if (v != NULL)
		o->human_readable = strcmp(v, "0") != 0;
}

static void
print_result(const struct pveum_cmd *c, const struct api_method *m,
    const json_t *result, const struct out_opts *o)
{
	struct out_prop props[32];
	size_t n = 0;

	if (json_is_null(result) || result == NULL || c->print == PRINT_NONE)
		return;
	if (c->print == PRINT_PERMS) {
		out_print_permissions(stdout, result, o);
		return;
	}
	if (c->print == PRINT_TICKET) {
		puts(json_string_value(json_object_get(result, "ticket")));
		return;
	}
	if (c->print == PRINT_TFA) {
		out_print_tfa(stdout, result, o);
		return;
	}
	for (; m->returns != NULL && m->returns[n].name != NULL &&
	     n < ARRAY_SIZE(props); n++) {
		props[n].name = m->returns[n].name;
		props[n].type = (enum out_type)m->returns[n].type;
		props[n].optional = m->returns[n].optional;
		props[n].renderer = m->returns[n].renderer;
		props[n].title = NULL;
	}
	out_print(stdout, result, n ? props : NULL, n, o);
}

/* Fill in "password" from prompts, as pveum ticket/passwd do. */
static int
ask_passwords(const struct pveum_cmd *c, json_t *params)
{
	char *pw, *again;
	int rc = 0;

	if (c->print == PRINT_PASSWD &&
	    json_object_get(params, "password") != NULL)
		return 0;
	pw = prompt_password(c->print == PRINT_TICKET ? "Enter password: " :
	    "Enter new password: ");
	if (pw == NULL) {
		fprintf(stderr, "no password given\n");
		return -1;
	}
	if (c->print == PRINT_PASSWD) {
		again = prompt_password("Retype new password: ");
		if (again == NULL || strcmp(pw, again) != 0) {
			fprintf(stderr, "passwords do not match\n");
			rc = -1;
		}
		secret_free_str(again);
	}
	if (rc == 0)
		json_object_set_new(params, "password",
		    json_string_nocheck(pw));
	secret_free_str(pw);
	return rc;
}

static void
print_param_errors(const struct cli *cli, const struct api_env *env,
    const struct pveum_cmd *c, const struct err *err)
{
	const char *key;
	json_t *v;

	fprintf(stderr, "400 %s\n", err->msg);
	json_object_foreach(env->param_errors, key, v)
		fprintf(stderr, "%s: %s\n", key, json_string_value(v));
	fputc('\n', stderr);
	print_usage(stderr, cli->prog, c);
}

/* A task's log as the CLI shows it: without the "TASK OK/ERROR" line. */
static void
print_task_log(const struct buf *log)
{
	size_t len = log->len;

	if (len > 0 && log->data[len - 1] == '\n') {
		size_t start = len - 1;

		while (start > 0 && log->data[start - 1] != '\n')
			start--;
		if (strncmp(log->data + start, "TASK ", 5) == 0)
			len = start;
	}
	if (len == 0)
		return;
	fwrite(log->data, 1, len, stdout);
	fflush(stdout);
}

static int
run_cmd(struct cli *cli, const struct pveum_cmd *c, int argc, char **argv)
{
	const struct api_method *m = api_find_template(c->method, c->path);
	struct parsed p = {json_object(), json_object()};
	struct out_opts o = OUT_OPTS_INIT;
	struct api_env env;
	struct buf task_log = BUF_INIT;
	json_t *result = NULL;
	struct err err;
	int rc = EXIT_FAIL;

	api_env_init(&env, cli->config_dir, "root@pam");
	if (c->print == PRINT_TASK)
		env.task_log = &task_log;
	if (m == NULL) {
		cli_error(cli, "command '%s' is not available yet", c->words);
		goto out;
	}
	if (parse_args(cli, c, m, argc, argv, &p) < 0) {
		print_usage(stderr, cli->prog, c);
		goto out;
	}
	env.force = json_object_get(p.cli, "force") != NULL;
	apply_fixed(c, p.params);
	if (c->print == PRINT_PERMS &&
	    json_object_get(p.params, "tokenid") != NULL) {
		struct buf id = BUF_INIT;

		buf_putf(&id, "%s!%s", json_string_value(json_object_get(
		    p.params, "userid")), json_string_value(json_object_get(
		    p.params, "tokenid")));
		json_object_set_new(p.params, "userid",
		    json_string_nocheck(buf_str(&id)));
		json_object_del(p.params, "tokenid");
		buf_clear(&id);
	}
	if ((c->print == PRINT_TICKET || c->print == PRINT_PASSWD) &&
	    ask_passwords(c, p.params) < 0)
		goto out;
	if (c->print == PRINT_PERMS && json_object_get(p.cli, "why") != NULL) {
		rc = why_print(cli, p.params) < 0 ? EXIT_FAIL : 0;
		goto out;
	}
	if (api_call(m, &env, p.params, &result, &err) < 0) {
		if (c->print == PRINT_TASK)
			print_task_log(&task_log);
		if (env.param_errors != NULL)
			print_param_errors(cli, &env, c, &err);
		else
			fprintf(stderr, "%s\n", err.msg);
		goto out;
	}
	out_options(p.cli, &o);
	if (c->print == PRINT_TASK)
		print_task_log(&task_log);
	else
		print_result(c, m, result, &o);
	rc = 0;
out:
	buf_clear(&task_log);
	/* like Proxmox's parser, tell about every line it skipped */
	for (size_t i = 0; i < env.warnings.count; i++)
		fprintf(stderr, "%s\n", env.warnings.items[i].msg);
	json_decref(result);
	json_decref(p.params);
	json_decref(p.cli);
	api_env_clear(&env);
	return rc;
}

static const char *
type_hint(const struct param_def *d)
{
	switch (d->type) {
	case PT_BOOL:
		return "<boolean>";
	case PT_INT:
		return "<integer>";
	case PT_ENUM:
		return d->enum_values;
	case PT_LIST:
		return "<list>";
	case PT_STRING:
		break;
	}
	return "<string>";
}

/* One command's usage; with verbose, every option and its description. */
static void
help_cmd(const struct cli *cli, const struct pveum_cmd *c, bool verbose)
{
	const struct api_method *m = api_find_template(c->method, c->path);
	const struct param_def *d;

	fputs("USAGE: ", stdout);
	print_usage(stdout, cli->prog, c);
	if (!verbose || m == NULL)
		return;
	if (m->desc != NULL)
		printf("\n  %s\n", m->desc);
	for (d = m->params; d->name != NULL; d++) {
		if (is_positional_name(c->args, d->name) ||
		    (c->fixed != NULL && strncmp(c->fixed, d->name,
		    strlen(d->name)) == 0 && c->fixed[strlen(d->name)] == '='))
			continue;
		printf("\n  --%s %s", d->name, type_hint(d));
		if (d->def != NULL)
			printf(" (default=%s)", d->def);
		putchar('\n');
		if (d->desc != NULL)
			printf("             %s\n", d->desc);
	}
}

static void
help(const struct cli *cli, int argc, char **argv)
{
	const struct pveum_cmd *c;
	bool verbose = false;
	int used, i;

	for (i = 0; i < argc; i++)
		if (strcmp(argv[i], "--verbose") == 0 ||
		    strcmp(argv[i], "-verbose") == 0)
			verbose = true;
	if (argc > 0 && argv[0][0] != '-') {
		c = find_cmd(cli, argv, argc, &used);
		if (c != NULL) {
			help_cmd(cli, c, verbose);
			return;
		}
	}
	fprintf(stdout, "USAGE: %s <COMMAND> [ARGS] [OPTIONS]\n\n", cli->prog);
	for (c = pveum_cmds; c->words != NULL; c++) {
		if (!offered(cli, c))
			continue;
		fputs("       ", stdout);
		print_usage(stdout, cli->prog, c);
	}
	printf("\n       %s help [<extra-args>] [OPTIONS]\n", cli->prog);
}

int
pveum_main(struct cli *cli, int argc, char **argv)
{
	const struct pveum_cmd *c;
	int used;

	if (argc < 1 || strcmp(argv[0], "help") == 0) {
		help(cli, argc - 1, argv + 1);
		return argc < 1 ? EXIT_FAIL : 0;
	}
	c = find_cmd(cli, argv, argc, &used);
	if (c == NULL) {
		fprintf(stderr, "unknown command '%s %s'\n", cli->prog, argv[0]);
		help(cli, 0, NULL);
		return EXIT_FAIL;
	}
	return run_cmd(cli, c, argc - used, argv + used);
}
