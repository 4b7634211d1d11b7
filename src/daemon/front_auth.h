/*
 * Authentication of an API request in the front (spec 4.2, 4.3, 4.5):
 * a ticket from the PVEAuthCookie cookie or the Authorization header
 * (CSRFPreventionToken required on writes), or an API token in the
 * Authorization header (secret checked by authd).
 */
#ifndef RG_FRONT_AUTH_H
#define RG_FRONT_AUTH_H

#include "buf.h"
#include "err.h"
#include "ucfg.h"

#include <stdbool.h>
#include <time.h>

struct MHD_Connection;

struct front_identity {
	struct buf authid;	/* user id, or full token id */
	bool is_token;
};

/* Once, before serving: where the keys are, and the CSRF secret. */
void front_auth_init(const char *config_dir, const char *csrf_secret);

/*
 * Authenticate the request.  0 with the identity, or -1 with ERR_AUTH and
 * Proxmox's message ("No ticket", "permission denied - invalid PVE
 * ticket", "Permission denied - invalid csrf token", ...).  cfg is the
 * current user.cfg snapshot (users must exist, be enabled, unexpired).
 */
int front_authenticate(struct MHD_Connection *c, const char *method,
    const struct ucfg *cfg, time_t now, struct front_identity *id,
    struct err *err);

/* A change went through the daemon: forget verified token secrets. */
void front_auth_changed(void);

#endif
