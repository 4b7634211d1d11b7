/*
 * WebAuthn second factors (security keys and passkeys), verified on the
 * server with OpenSSL and libcbor, compatibly with Proxmox (proxmox-tfa on
 * webauthn-rs): the same options JSON for navigator.credentials.create()
 * and .get(), the same client responses, and credentials stored in
 * tfa.cfg in webauthn-rs' form, so keys registered by Proxmox log in here
 * and keys registered here log in on Proxmox VE 8 and 9.
 *
 * A credential is the `entry` value of a tfa.cfg webauthn entry:
 *   {"cred_id":..,"cred":{"type_":..,"key":{..}},"counter":N,
 *    "backup_eligible":b,"backup_state":b}
 * (other members, e.g. webauthn-rs 0.2's verified/registration_policy,
 * are ignored and kept).
 *
 * Pending challenges are node-local (<config>/local/webauthn/<userid>.json),
 * used once and valid for 2 minutes.  Every malformed input is an error;
 * nothing here falls back to accepting.
 */
#ifndef RG_WEBAUTHN_H
#define RG_WEBAUTHN_H

#include "compiler.h"
#include "err.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define WEBAUTHN_CHALLENGE_TTL	120	/* seconds, Proxmox's */
#define WEBAUTHN_TIMEOUT_MS	300000	/* webauthn-rs' default */
#define WEBAUTHN_CHALLENGE_LEN	32	/* random bytes per challenge */
#define WEBAUTHN_PENDING_MAX	16	/* per user and kind; oldest dropped */

/* The relying party a request talks to. */
struct webauthn_rp {
	char id[254];		/* RP id: a domain, no scheme or port */
	char origin[300];	/* expected origin, normalised */
	char name[256];		/* RP name shown by the browser */
	bool allow_subdomains;	/* origins on subdomains of origin's host */
	bool allow_eddsa;	/* offer Ed25519 (Proxmox VE 8 cannot read it) */
};

/*
 * The relying party for a request with this Host header value: datacenter.cfg
 * (in config_dir) `webauthn: rp=<name>,id=<rp id>[,origin=<url>]
 * [,allow-subdomains=<bool>]` when set (origin defaulting to
 * https://<host>, allow-subdomains to 1, as Proxmox); otherwise
 * origin https://<host> and RP id = host without port.  A bad
 * configuration or host is an error (no WebAuthn then, never a default).
 */
int webauthn_rp_for_host(const char *config_dir, const char *host,
    struct webauthn_rp *rp, struct err *err) RG_WARN_UNUSED;
/* The same from datacenter.cfg's text (NULL: no file). */
int webauthn_rp_from_dc(const char *dc_text, size_t len, const char *host,
    struct webauthn_rp *rp, struct err *err) RG_WARN_UNUSED;

/* ---- stored credentials ---- */

/* Check that entry is a credential we can verify with. */
int webauthn_cred_check(const json_t *entry, struct err *err) RG_WARN_UNUSED;
/* The credential id (base64url) of entry, into out[1400]; false if none. */
bool webauthn_cred_id(const json_t *entry, char *out, size_t size);
/* Set entry's counter, keeping every other member as it is. */
int webauthn_cred_set_counter(json_t *entry, uint32_t counter,
    struct err *err) RG_WARN_UNUSED;

/* ---- registration (navigator.credentials.create) ---- */

/*
 * Step 1 of adding a key: a fresh challenge remembered for userid, and the
 * options for the browser, as Proxmox returns them in `challenge`:
 * {"publicKey":{rp, user, challenge, pubKeyCredParams, timeout,
 * excludeCredentials, authenticatorSelection, hints, attestation,
 * extensions}} (the API returns it serialised, as a JSON string: the UI
 * JSON.parse()s it).  existing: the user's webauthn credentials (all of
 * them: they are excluded).  description is kept for step 2.
 */
int webauthn_register_begin(const char *config_dir,
    const struct webauthn_rp *rp, const char *userid,
    const char *description, const json_t *const *existing, size_t n,
    time_t now, json_t **options_r, struct err *err) RG_WARN_UNUSED;

/*
 * Step 2: challenge is publicKey.challenge of step 1 (base64url), response
 * the browser's RegisterPublicKeyCredential JSON (id, rawId, type,
 * response.attestationObject, response.clientDataJSON).  The challenge is
 * used up whatever the outcome.  On success *entry_r is the new credential
 * and *description_r the description of step 1 (both the caller's).
 * "credential id already present" if it is one of existing.
 */
int webauthn_register_finish(const char *config_dir,
    const struct webauthn_rp *rp, const char *userid, const char *challenge,
    const char *response, size_t len, const json_t *const *existing,
    size_t n, time_t now, json_t **entry_r, char **description_r,
    struct err *err) RG_WARN_UNUSED;

/* The pure parts, without the pending-challenge file. */
json_t *webauthn_register_options(const struct webauthn_rp *rp,
    const char *userid, const unsigned char user_handle[16],
    const unsigned char *challenge, size_t clen,
    const json_t *const *existing, size_t n);
int webauthn_register_verify(const struct webauthn_rp *rp,
    const unsigned char *challenge, size_t clen, const json_t *response,
    const json_t *const *existing, size_t n, json_t **entry_r,
    struct err *err) RG_WARN_UNUSED;

/* ---- assertion (navigator.credentials.get) ---- */

/*
 * A login challenge for userid's enabled credentials creds: remembered,
 * and returned as Proxmox's RequestChallengeResponse
 * {"publicKey":{challenge, timeout, rpId, allowCredentials,
 * userVerification, hints}} (the `webauthn` member of the TFA challenge).
 * Credentials we cannot use are left out; none usable is ERR_UNSUPPORTED
 * (the caller must then not offer WebAuthn, and not skip the second
 * factor either).
 */
int webauthn_auth_begin(const char *config_dir, const struct webauthn_rp *rp,
    const char *userid, const json_t *const *creds, size_t n, time_t now,
    json_t **options_r, struct err *err) RG_WARN_UNUSED;

/*
 * Verify the login response (the JSON after "webauthn:": a
 * PublicKeyCredential plus Proxmox's "challenge" member) against the
 * pending challenge it names, which is used up whatever the outcome.
 * creds: the user's enabled credentials now.  On success *which_r is the
 * index in creds of the credential used and *counter_r its new signature
 * counter (store it with webauthn_cred_set_counter).
 */
int webauthn_auth_finish(const char *config_dir, const struct webauthn_rp *rp,
    const char *userid, const char *response, size_t len,
    const json_t *const *creds, size_t n, time_t now, size_t *which_r,
    uint32_t *counter_r, struct err *err) RG_WARN_UNUSED;

json_t *webauthn_auth_options(const struct webauthn_rp *rp,
    const unsigned char *challenge, size_t clen,
    const json_t *const *creds, size_t n);
/*
 * allowed: base64url credential ids the challenge was made for (NULL:
 * any of creds).  Signature counter: must grow unless both it and the
 * stored one are 0; a counter that does not grow is refused as a
 * possibly cloned authenticator.
 */
int webauthn_auth_verify(const struct webauthn_rp *rp,
    const unsigned char *challenge, size_t clen, const json_t *allowed,
    const json_t *response, const json_t *const *creds, size_t n,
    size_t *which_r, uint32_t *counter_r, struct err *err) RG_WARN_UNUSED;

/* ---- pending challenges ---- */

enum webauthn_op {
	WEBAUTHN_REGISTER,
	WEBAUTHN_AUTH,
};

/*
 * Remember data (an object; stolen) as a pending challenge of userid:
 * "challenge" (base64url) and "created" are set here.  Expired entries are
 * dropped; past WEBAUTHN_PENDING_MAX the oldest goes.
 */
int webauthn_pending_add(const char *config_dir, const char *userid,
    enum webauthn_op op, const unsigned char *challenge, size_t clen,
    json_t *data, time_t now, struct err *err) RG_WARN_UNUSED;
/*
 * Find and remove the pending challenge; "no such challenge" (ERR_AUTH)
 * when absent, used or older than WEBAUTHN_CHALLENGE_TTL.  *data_r: the
 * entry (the caller's).
 */
int webauthn_pending_take(const char *config_dir, const char *userid,
    enum webauthn_op op, const char *challenge, time_t now, json_t **data_r,
    struct err *err) RG_WARN_UNUSED;

#endif
