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
#include <stdint.h>
#include <time.h>

struct MHD_Connection;

/*
 * Who the request is from, and the credential that says so, which the
 * front hands on to authd for calls that run there (authd checks it
 * again, trusting nothing the front concluded).
 */
struct front_identity {
	struct buf authid;	/* user id, or full token id */
	bool is_token;
	struct buf ticket;	/* a ticket: the ticket, unescaped */
	struct buf secret;	/* a token: its secret */
};

#define FRONT_IDENTITY_INIT {BUF_INIT, false, BUF_INIT, BUF_INIT}

/* Free the buffers (the secret wiped). */
void front_identity_clear(struct front_identity *id);

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

/*
 * authd answered with this identity of priv/token.cfg (IPC_T_TOKENCFG):
 * token secrets verified under another one are forgotten.
 */
void front_auth_tokencfg(uint64_t identity);

#endif
