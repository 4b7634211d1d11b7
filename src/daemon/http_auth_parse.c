/*
 * Credential parsing for the front (see http_auth_parse.h): which of the
 * Authorization header and the cookie to use, and the split of an API
 * token header.  Verification stays in front_auth.c.
 */
#include "http_auth_parse.h"
#include "daemon.h"
#include "ids.h"

#include <stdlib.h>
#include <string.h>

enum http_auth_kind
http_auth_select(const char *auth, const char *cookie, const char **value_r)
{
	*value_r = NULL;
	if (auth != NULL && strncmp(auth, "PVEAPIToken=", 12) == 0) {
		*value_r = auth + 12;
		return HTTP_AUTH_TOKEN;
	}
	if (cookie != NULL) {
		*value_r = cookie;
		return HTTP_AUTH_TICKET;
	}
	if (auth != NULL && strncmp(auth, "PVEAuthCookie=", 14) == 0) {
		*value_r = auth + 14;
		return HTTP_AUTH_TICKET;
	}
	return HTTP_AUTH_NONE;
}

int
http_auth_token(const char *value, struct buf *decoded, char **tokenid_r,
    const char **secret_r, struct err *err)
{
	const char *v, *sep;
	char *tokenid;

	*tokenid_r = NULL;
	*secret_r = NULL;
	http_unescape(decoded, value, strlen(value), false);
	v = buf_str(decoded);
	/* USER@REALM!TOKEN=SECRET, a space allowed instead of the '=' */
	sep = strrchr(v, '=');
	if (sep == NULL)
		sep = strchr(v, ' ');
	if (sep == NULL)
		return err_set(err, ERR_AUTH, "invalid API token");
	tokenid = strndup(v, (size_t)(sep - v));
	if (tokenid == NULL || !id_token_valid(tokenid, strlen(tokenid),
	    NULL)) {
		free(tokenid);
		return err_set(err, ERR_AUTH, "invalid token id");
	}
	*tokenid_r = tokenid;
	*secret_r = sep + 1;
	return 0;
}
