/*
 * Which calls to authd go to an external realm (an LDAP/AD directory, an
 * OpenID provider) and may hold a worker for the realm's timeouts: decided
 * in the front from the method, its verified parameters and domains.cfg,
 * before the call is queued (jobqueue.h has why).  It only has to be
 * right about the calls that can reach a peer: a login to a realm that
 * does not exist, or is not external, fails in authd without one.
 */
#include "jobqueue.h"
#include "files/domains.h"

#include <stdio.h>
#include <string.h>

static const char *
str_param(const json_t *params, const char *name)
{
	return json_string_value(json_object_get(params, name));
}

/* Is realm of type ldap, ad or openid in domains.cfg? */
static bool
realm_external(const char *config_dir, const char *realm)
{
	struct domains_cfg *d = NULL;
	const struct domains_realm *r;
	struct err err;
	bool ext = false;

	/* the built-in realms never are, and most logins are theirs */
	if (realm[0] == '\0' || strcmp(realm, "pam") == 0 ||
	    strcmp(realm, "pve") == 0)
		return false;
	if (domains_load(config_dir, NULL, &d, &err) < 0)
		return true;	/* unknown: rather bounded than not */
	r = domains_realm_find(d, realm);
	ext = r != NULL && (r->type == REALM_LDAP || r->type == REALM_AD ||
	    r->type == REALM_OPENID);
	domains_free(d);
	return ext;
}

/* The realm named in an OpenID login's state ({"realm": ...}), or "". */
static void
state_realm(const json_t *params, char realm[JQ_REALM_LEN])
{
	const char *s = str_param(params, "state");
	json_t *state = s != NULL ? json_loads(s, 0, NULL) : NULL;
	const char *r = json_string_value(json_object_get(state, "realm"));

	snprintf(realm, JQ_REALM_LEN, "%s", r != NULL ? r : "");
	json_decref(state);
}

bool
jq_external_realm(const char *config_dir, const char *method,
    const char *tmpl, const json_t *params, char realm[JQ_REALM_LEN])
{
	const char *s;

	realm[0] = '\0';
	if (strcmp(method, "POST") == 0 &&
	    strcmp(tmpl, "/access/ticket") == 0) {
		const char *user = str_param(params, "username");
		const char *at = user != NULL ? strrchr(user, '@') : NULL;

		/* as the login does: user@realm, or the realm parameter */
		if (at != NULL)
			s = at + 1;
		else
			s = str_param(params, "realm");
		snprintf(realm, JQ_REALM_LEN, "%s", s != NULL ? s : "");
		return realm_external(config_dir, realm);
	}
	if (strncmp(tmpl, "/access/openid/", 15) == 0) {
		/* the provider is asked whatever the realm turns out to be */
		if ((s = str_param(params, "realm")) != NULL)
			snprintf(realm, JQ_REALM_LEN, "%s", s);
		else
			state_realm(params, realm);
		return true;
	}
	if (strcmp(tmpl, "/access/domains/{realm}/sync") == 0 ||
	    json_is_true(json_object_get(params, "check-connection"))) {
		s = str_param(params, "realm");
		snprintf(realm, JQ_REALM_LEN, "%s", s != NULL ? s : "");
		return true;
	}
	return false;
}
