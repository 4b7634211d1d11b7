/*
 * The API permission layer (spec 3.4, 3.5 and 8): what every method
 * declares (world, any authenticated caller, root@pam only, or a check
 * expression), whether it accepts API tokens and whether it is protected,
 * and the evaluator the HTTP daemon runs before a handler.  The CLI runs
 * as root@pam and never needs it.  Index handlers use the visibility
 * helpers to filter what they list; PUT /access/acl and GET
 * /access/permissions have rules of their own, also here.
 *
 * Every function takes a parsed user.cfg whose index is valid (as it is
 * after ucfg_parse) and never changes it.
 */
#ifndef RG_API_CHECK_H
#define RG_API_CHECK_H

#include "compiler.h"
#include "err.h"
#include "ucfg.h"

#include <jansson.h>
#include <stdbool.h>

/* Whether a request needs an identity. */
enum api_access {
	API_WORLD,	/* declared `world`: pass it on without one */
	API_AUTH,	/* everything else, unknown methods too */
};

/* method: "GET", ...; tmpl: the api_method path template. */
enum api_access api_check_access(const char *method, const char *tmpl);

/*
 * May authid (a user id, a full token id, or NULL for an anonymous
 * request) call the method with these params (a JSON object; the path's
 * placeholders included)?  0 if so.  Otherwise -1 with ERR_DENIED and
 * Proxmox's message: "Permission check failed (<path>, <priv>)", "...
 * (<path>, <p1>|<p2>)", "... (user != root@pam)", "... (user != null)" or
 * plain "Permission check failed".  A malformed userid parameter fails
 * with its ERR_INVALID message, a missing user with ERR_NOT_FOUND "no
 * such user ('<userid>')", as Proxmox's checks die with them.
 *
 * root@pam (exactly) passes everything; its tokens are checked like any
 * other.  A method without a table entry is root-only.  A `world` method
 * called with an identity fails for non-root callers (as in Proxmox): the
 * daemon must not authenticate requests api_check_access calls API_WORLD.
 * Token restrictions are separate: see api_check_allows_token.
 */
int api_check(const struct ucfg *cfg, const char *authid, const char *method,
    const char *tmpl, const json_t *params, struct err *err) RG_WARN_UNUSED;

/*
 * False for the methods flagged allowtoken => 0 (POST /access/ticket, PUT
 * /access/password, POST/PUT/DELETE /access/tfa/...): the daemon answers
 * a token with 403 "URI '<uri>' not available with API token, need proper
 * ticket." before calling api_check.  True for unknown methods.
 */
bool api_check_allows_token(const char *method, const char *tmpl);

/* Whether the method is flagged protected (runs in the privileged part). */
bool api_check_is_protected(const char *method, const char *tmpl);

/*
 * Check every entry of the table (privilege names, templates); for a
 * startup self-test.  -1 with ERR_INTERNAL naming the first bad entry.
 */
int api_check_table_verify(struct err *err) RG_WARN_UNUSED;

/*
 * Proxmox's check() / check_any() for handlers: the NULL-terminated privs
 * on a normalised path, all of them or (any) at least one.  Unknown
 * privilege names fail with ERR_INVALID "invalid privilege '<name>'",
 * missing privileges with ERR_DENIED as in api_check.
 */
int api_check_privs(const struct ucfg *cfg, const char *authid,
    const char *path, const char *const *privs, bool any, struct err *err)
    RG_WARN_UNUSED;

/*
 * check_perm_modify: with path NULL, Permissions.Modify on /access;
 * otherwise any of Permissions.Modify and, below /storage/, /vms/ or
 * /pool/, Datastore.Allocate, VM.Allocate or Pool.Allocate on path
 * (normalised).  -1 with ERR_DENIED when refused.
 */
int api_check_perm_modify(const struct ucfg *cfg, const char *authid,
    const char *path, struct err *err) RG_WARN_UNUSED;

/*
 * Index visibility.  A user: User.Modify or Sys.Audit on /access/groups,
 * or the caller itself (a token is never a user), or a member of a group
 * on whose /access/groups/<g> the caller has either privilege.
 */
bool api_can_see_user(const struct ucfg *cfg, const char *authid,
    const char *userid);
/* A group: User.Modify, Sys.Audit or Group.Allocate on /access/groups/<g>. */
bool api_can_see_group(const struct ucfg *cfg, const char *authid,
    const char *groupid);
/* An ACL node: Sys.Audit on /access, or check_perm_modify on its path. */
bool api_can_see_acl_path(const struct ucfg *cfg, const char *authid,
    const char *path);

/*
 * PUT /access/acl's own rules, after the method check: for each role of
 * the list roles (in order; "role '<r>' does not exist", ERR_NOT_FOUND),
 * a caller without Permissions.Modify on path (normalised) needs every
 * privilege of the role, with propagation when adding with propagate,
 * and may never hand out NoAccess.  Those refusals are -1 with
 * ERR_INVALID and the bare message ("Cannot add role '<r>' - requires
 * 'Permissions.Modify' or superset of privileges.", "Cannot add role
 * '<r>' with propagation - requires ...", "remove" when del): Proxmox
 * reports them as an error of the parameter `role`, so the handler passes
 * the message on with api_param_error(env, err, "role", "%s", err->msg).
 */
int api_check_acl_modify(const struct ucfg *cfg, const char *authid,
    const char *path, const char *roles, bool propagate, bool del,
    struct err *err) RG_WARN_UNUSED;

/*
 * GET /access/permissions: a caller may read its own permissions and
 * those of its own tokens (target NULL means the caller); anything else
 * needs Sys.Audit on /access ("Permission check failed (/access,
 * Sys.Audit)", ERR_DENIED).  A token caller sees only itself.
 */
int api_check_permissions_read(const struct ucfg *cfg, const char *caller,
    const char *target, struct err *err) RG_WARN_UNUSED;

#endif
