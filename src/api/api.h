/*
 * The API layer: every operation of Proxmox's /access API (and /pools) as a
 * handler with a parameter schema, called in-process by `pveum` (as
 * root@pam, like Proxmox's CLI) and later by the HTTP daemon.  Parameters
 * arrive as a JSON object of strings (CLI) or typed values (HTTP) and are
 * validated and converted against the schema before the handler runs, with
 * Proxmox's messages.  Results are jansson values ({"data": ...} payloads).
 */
#ifndef RG_API_H
#define RG_API_H

#include "compiler.h"
#include "diag.h"
#include "err.h"

#include <jansson.h>
#include <stdbool.h>
#include <time.h>

/* A serialized result shared between requests (refcounted, immutable). */
struct api_blob {
	unsigned refs;
	size_t len;
	char text[];
};

struct api_blob *api_blob_new(const char *text, size_t len);
struct api_blob *api_blob_ref(struct api_blob *b);
void api_blob_unref(struct api_blob *b);

struct api_env {
	const char *config_dir;
	const char *authid;	/* the caller; "root@pam" for the CLI */
	const char *client;	/* client address, or NULL */
	const char *host;	/* the request's Host header, or NULL */
	time_t now;
	bool force;		/* rewrite files even if lines were dropped */
	/* set when a call fails parameter verification: param -> message */
	json_t *param_errors;
	/* warnings from reading config files, for the caller to print */
	struct diag warnings;
	/*
	 * A handler may answer with ready JSON text instead of a value (the
	 * daemon's cached permission dumps); *result_r is then NULL.
	 */
	struct api_blob *raw_result;
	/* when set, task handlers (realm sync) append their log here */
	struct buf *task_log;
};

void api_env_init(struct api_env *env, const char *config_dir,
    const char *authid);
void api_env_clear(struct api_env *env);

struct realm_ctx;
struct domains_realm;
/*
 * A driver context for realm r: name, type, config dir, PAM service and
 * every option of the realm by its domains.cfg key.  r must outlive ctx.
 */
void api_realm_ctx(struct api_env *env, const struct domains_realm *r,
    struct realm_ctx *ctx);

enum param_type {
	PT_STRING,
	PT_BOOL,
	PT_INT,
	PT_ENUM,	/* values in .enum_values, '|'-separated */
	PT_LIST,	/* string list; CLI may repeat it */
};

struct param_def {
	const char *name;
	enum param_type type;
	bool optional;
	const char *format;	/* see params.c: "pve-userid", "email", ... */
	long long min, max;	/* PT_INT bounds when min < max */
	size_t max_len;		/* 0: unlimited */
	size_t min_len;
	const char *enum_values;
	const char *def;	/* documented default (not applied here) */
	const char *desc;
};

/* Types of result properties (same order as the CLI's enum out_type). */
enum ret_type { RT_STRING, RT_INTEGER, RT_BOOLEAN, RT_NUMBER, RT_ARRAY,
	RT_OBJECT };

/* A column of the result, for the CLI's text tables. */
struct return_prop {
	const char *name;
	enum ret_type type;
	bool optional;
	const char *renderer;
};

struct api_call {
	struct api_env *env;
	json_t *params;	/* validated: strings, json integers, booleans */
};

typedef int (*api_handler)(struct api_call *call, json_t **result_r,
    struct err *err);

struct api_method {
	const char *method;	/* GET, POST, PUT, DELETE */
	const char *path;	/* e.g. "/access/users/{userid}" */
	api_handler handler;
	const struct param_def *params;	/* terminated by {NULL} */
	const struct return_prop *returns; /* terminated by {NULL}, or NULL */
	const char *desc;
	/*
	 * A GET that reads priv/ (the daemon runs it in authd, like every
	 * change, instead of in the unprivileged front).
	 */
	bool reads_priv;
	/*
	 * One of pveum's own words (`user tfa list`): the CLI finds it by
	 * its template, HTTP never (api_find skips it).
	 */
	bool cli_only;
};

/*
 * Find the method for an HTTP method and a concrete path (never a
 * cli_only one); the values of
 * the path's {placeholders} are added to params (if params is not NULL).
 */
const struct api_method *api_find(const char *method, const char *path,
    json_t *params);
/*
 * The same for a path of len bytes that may hold NUL bytes (a %00 in the
 * URL): placeholder values keep them, and verification refuses them.
 */
const struct api_method *api_find_n(const char *method, const char *path,
    size_t len, json_t *params);
/*
 * Every method of the API in turn, NULL at the end:
 * for (it = 0; (m = api_method_each(&it)) != NULL;)
 */
const struct api_method *api_method_each(size_t *it);

/* The method declared with exactly this path template, or NULL. */
const struct api_method *api_find_template(const char *method,
    const char *tmpl);

/*
 * Validate params against m (converting CLI strings to typed values in
 * place) and run the handler.  On a parameter error returns -1 with
 * err "Parameter verification failed." (ERR_INVALID) and per-parameter
 * messages in env->param_errors.
 */
int api_call(const struct api_method *m, struct api_env *env, json_t *params,
    json_t **result_r, struct err *err) RG_WARN_UNUSED;

/* Record a config warning once (a call may read a file several times). */
void api_env_warn(struct api_env *env, const struct diag_item *item);

/*
 * The two halves of api_call, for the daemon, which checks permissions
 * between them: verify (and convert) the parameters; run the handler.
 */
int api_verify(const struct api_method *m, struct api_env *env,
    json_t *params, struct err *err) RG_WARN_UNUSED;
int api_run(const struct api_method *m, struct api_env *env, json_t *params,
    json_t **result_r, struct err *err) RG_WARN_UNUSED;

/* Parameter accessors for handlers (after validation). */
const char *param_str(const struct api_call *c, const char *name);
bool param_has(const struct api_call *c, const char *name);
bool param_bool(const struct api_call *c, const char *name, bool def);
long long param_int(const struct api_call *c, const char *name,
    long long def);

/* Record a parameter error (returns -1 with err set as above). */
int api_param_error(struct api_env *env, struct err *err, const char *param,
    const char *fmt, ...) RG_PRINTF(4, 5);

#endif
