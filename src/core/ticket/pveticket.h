/*
 * The PVE login ticket and the TFA partial ticket (spec 4.2, 4.4):
 *
 *   PVE:<userid>:<TS>::<sig>                 login, no secret data
 *   PVE:!tfa!<challenge JSON>:<TS>::<sig>    TFA partial, secret = userid
 *
 * The accepted age depends on the key: the current key (authkey.pub)
 * accepts tickets no older than itself plus 5 minutes, and once it is past
 * its 24 h lifetime only tickets signed before it should have been
 * rotated; the previous key (authkey.pub.old) accepts only tickets that
 * predate the rotation.  Key ages come from file mtimes (authkey.h), but
 * everything here takes them explicitly so it is a pure function of its
 * arguments.  The cluster is taken to be always quorate.
 */
#ifndef RG_PVETICKET_H
#define RG_PVETICKET_H

#include "compiler.h"
#include "err.h"
#include "ticket.h"

#include <openssl/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define PVE_TICKET_PREFIX     "PVE"
#define PVE_TICKET_LIFETIME   7200	/* s */
#define PVE_TICKET_SKEW	      300	/* s of clock skew / grace */
#define PVE_AUTHKEY_LIFETIME  86400	/* s before rotation */
#define PVE_TFA_DATA_PREFIX   "!tfa!"

/*
 * The public keys a ticket is checked against, with their file mtimes.
 * Either key may be NULL (missing file).  The struct holds one reference
 * to each key; pve_pubkeys_clear drops them.
 */
struct pve_pubkeys {
	EVP_PKEY *cur;		/* authkey.pub */
	time_t cur_mtime;
	EVP_PKEY *old;		/* authkey.pub.old */
	time_t old_mtime;
	/*
	 * Which pair this is, from the key store (authkey.h): grows every
	 * time either file changes, never 0 from the store.  0 here (keys
	 * built by hand) tells caches not to keep what they verify.
	 */
	unsigned long gen;
};

void pve_pubkeys_clear(struct pve_pubkeys *keys);

/*
 * The age window min < age < max that a key with this mtime accepts at
 * now; rotated selects the previous-key rule.  Returns false when the key
 * cannot accept any ticket (min > 7200).
 */
bool pve_ticket_window(time_t now, time_t key_mtime, bool rotated,
    int64_t *min_r, int64_t *max_r);

enum pve_ticket_kind {
	PVE_TICKET_LOGIN = 1,	/* data is a valid userid: a login */
	PVE_TICKET_TFA_PARTIAL,	/* "!tfa!<json>": waits for a 2nd factor */
	PVE_TICKET_HALF,	/* legacy "tfa!<user>" / "u2f!<user>!<chal>" */
};

struct pve_ticket {
	enum pve_ticket_kind kind;
	char *userid;		/* LOGIN, HALF: the user; else NULL */
	char *tfa_data;		/* TFA_PARTIAL: the JSON; HALF: the u2f
				 * challenge, if any; else NULL */
	int64_t age;
	bool old_key;		/* accepted by authkey.pub.old */
	enum ticket_pad pad;
};

/* Free the owned strings; accepts a zeroed struct. */
void pve_ticket_clear(struct pve_ticket *t);

/*
 * Sign a login ticket for userid (checked with id_user_valid).
 * *ticket_r is owned by the caller.
 */
int pve_ticket_create(EVP_PKEY *key, enum ticket_pad pad, const char *userid,
    time_t now, char **ticket_r, struct err *err) RG_WARN_UNUSED;

/*
 * Verify a PVE ticket of any kind without secret data: the current key
 * with its window first, then the previous key.  Fills *t (zero it first;
 * release with pve_ticket_clear).  Failure is ERR_AUTH "permission denied
 * - invalid PVE ticket".
 */
int pve_ticket_verify(const struct pve_pubkeys *keys, const char *ticket,
    size_t len, time_t now, struct pve_ticket *t, struct err *err)
    RG_WARN_UNUSED;

/*
 * pve_ticket_verify that only accepts a full login.  *userid_r is owned;
 * age_r may be NULL.
 */
int pve_ticket_verify_login(const struct pve_pubkeys *keys,
    const char *ticket, size_t len, time_t now, char **userid_r,
    int64_t *age_r, struct err *err) RG_WARN_UNUSED;

/*
 * TFA partial ticket bound to userid (the secret data): data is
 * "!tfa!" challenge_json, same key, same window.  *ticket_r is owned.
 */
int tfa_ticket_create(EVP_PKEY *key, enum ticket_pad pad, const char *userid,
    const char *challenge_json, time_t now, char **ticket_r, struct err *err)
    RG_WARN_UNUSED;

/*
 * Verify a TFA partial ticket for userid; *challenge_r receives the
 * decoded challenge JSON (owned).  Login tickets are refused.
 */
int tfa_ticket_verify(const struct pve_pubkeys *keys, const char *ticket,
    size_t len, const char *userid, time_t now, char **challenge_r,
    struct err *err) RG_WARN_UNUSED;

#endif
