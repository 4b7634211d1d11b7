/*
 * The audit log: who logged in (or failed to), from where, and who changed
 * what.  Admins grep syslog for Proxmox's wording (fail2ban filters match
 * "authentication failure; rhost=..."), so we keep it, and optionally
 * append the same events as JSON lines for machines.
 */
#ifndef RG_AUDIT_H
#define RG_AUDIT_H

#include "compiler.h"
#include "err.h"

#include <stdbool.h>

/*
 * Start auditing: openlog("realmgate", LOG_PID, LOG_AUTHPRIV) and, when
 * json_path is not NULL, open that file for appending (O_APPEND, created
 * 0600, O_NOFOLLOW: a symlink is refused, it must be a regular file); when
 * called as root, the file is made root:root 0600 if it was not.
 * Calling it again (on SIGHUP, after logrotate) reopens the file and only
 * then closes the old one; on failure the old file stays in use.  The
 * descriptor is O_CLOEXEC but survives fork(): open it in the process that
 * writes the events, before dropping privileges if root owns the file.
 * Errors: ERR_IO with the path and errno text.
 */
int auditlog_open(const char *json_path, struct err *err) RG_WARN_UNUSED;

/* Close the JSON file and syslog.  Events after this go to syslog only. */
void auditlog_close(void);

/*
 * A login attempt.  userid is what the client sent (with or without
 * "@realm"); realm, when not NULL and userid has no '@', is appended.
 * method: "password", "ticket", "token" or "openid".  reason: on failure,
 * the real cause for admins (the client only ever sees "authentication
 * failure"); never a password or a secret.  Any argument may be NULL.
 * Syslog: LOG_NOTICE "successful auth for user 'alice@pve'; rhost=...
 * method=..." or LOG_WARNING "authentication failure; rhost=... user=...
 * msg=..." ("authentication verification failure;" for tickets and
 * tokens, as Proxmox).  Thread-safe; never fails (a write error is
 * reported once to syslog).
 */
void auditlog_login(bool ok, const char *userid, const char *realm,
    const char *client, const char *method, const char *reason);

/*
 * A change made through the API: actor (the authid), client address,
 * action (e.g. "user add"), object (e.g. "alice@pve") and a free-form
 * detail (parameters, never secrets).  Any argument may be NULL.  Syslog:
 * LOG_INFO "change by user 'root@pam'; rhost=... action='user add'
 * object='alice@pve' detail='...'".
 */
void auditlog_change(const char *actor, const char *client, const char *action,
    const char *object, const char *detail);

/*
 * A first-factor lockout event (lockout.h's audit hook): event "lock",
 * "unlock" or "refused"; kind "user" or "address"; id the user or the
 * address; actor who unlocked (or NULL).  Syslog: LOG_WARNING for locks
 * and refusals, LOG_NOTICE for unlocks: "lockout: lock of user
 * 'alice@pve'; rhost=... actor=... detail='...'".
 */
void auditlog_lockout(const char *event, const char *kind, const char *id,
    const char *client, const char *actor, const char *detail);

/*
 * For tests: send the syslog lines to hook instead of syslog(3) (NULL
 * restores syslog).  priority includes the facility.
 */
void auditlog_set_syslog_hook(void (*hook)(int priority, const char *msg));

#endif
