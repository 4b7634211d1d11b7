/*
 * PVE login and TFA partial tickets (see pveticket.h): key age windows,
 * the current-then-previous key order, and the classification of the
 * verified data into login, TFA partial and legacy half-authenticated.
 */
#include "pveticket.h"
#include "ids.h"
#include "xalloc.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

void
pve_pubkeys_clear(struct pve_pubkeys *keys)
{
	EVP_PKEY_free(keys->cur);
	EVP_PKEY_free(keys->old);
	memset(keys, 0, sizeof(*keys));
}

bool
pve_ticket_window(time_t now, time_t key_mtime, bool rotated,
    int64_t *min_r, int64_t *max_r)
{
	int64_t k = (int64_t)now - (int64_t)key_mtime;
	int64_t min = -PVE_TICKET_SKEW, max = PVE_TICKET_LIFETIME;

	if (k < 0)
		k = 0;
	if (rotated) {
		/* only tickets signed before the rotation (plus grace) */
		min = k - PVE_TICKET_SKEW;
	} else {
		/* past its lifetime the key signs nothing new */
		if (k > PVE_AUTHKEY_LIFETIME)
			min = k - PVE_AUTHKEY_LIFETIME;
		/* a ticket cannot be older than its key */
		if (k < PVE_TICKET_LIFETIME)
			max = k + PVE_TICKET_SKEW;
	}
	*min_r = min;
	*max_r = max;
	return min <= PVE_TICKET_LIFETIME;
}

void
pve_ticket_clear(struct pve_ticket *t)
{
	free(t->userid);
	free(t->tfa_data);
	memset(t, 0, sizeof(*t));
}

static bool
user_ok(const char *p, size_t len)
{
	return memchr(p, '\0', len) == NULL && id_user_valid(p, len, NULL);
}

/* [0-9a-zA-Z/.=_+-]+, the legacy u2f challenge */
static bool
u2f_challenge_ok(const char *p, size_t len)
{
	size_t i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++) {
		char c = p[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		    (c >= 'A' && c <= 'Z') || c == '/' || c == '.' ||
		    c == '=' || c == '_' || c == '-' || c == '+'))
			return false;
	}
	return true;
}

/* Sort verified ticket data into a kind; false if it is none of them. */
static bool
classify(const char *p, size_t len, struct pve_ticket *t)
{
	size_t tfa = strlen(PVE_TFA_DATA_PREFIX);
	const char *bang;

	if (len >= tfa && memcmp(p, PVE_TFA_DATA_PREFIX, tfa) == 0) {
		if (memchr(p, '\0', len) != NULL)
			return false;
		t->kind = PVE_TICKET_TFA_PARTIAL;
		t->tfa_data = xstrndup(p + tfa, len - tfa);
		return true;
	}
	if (len > 4 && memcmp(p, "u2f!", 4) == 0 &&
	    (bang = memchr(p + 4, '!', len - 4)) != NULL &&
	    bang > p + 4 &&
	    u2f_challenge_ok(bang + 1, len - (size_t)(bang + 1 - p))) {
		if (!user_ok(p + 4, (size_t)(bang - p - 4)))
			return false;
		t->kind = PVE_TICKET_HALF;
		t->userid = xstrndup(p + 4, (size_t)(bang - p - 4));
		t->tfa_data = xstrndup(bang + 1, len - (size_t)(bang + 1 - p));
		return true;
	}
	if (len >= 4 && memcmp(p, "tfa!", 4) == 0) {
		if (!user_ok(p + 4, len - 4))
			return false;
		t->kind = PVE_TICKET_HALF;
		t->userid = xstrndup(p + 4, len - 4);
		return true;
	}
	if (!user_ok(p, len))
		return false;
	t->kind = PVE_TICKET_LOGIN;
	t->userid = xstrndup(p, len);
	return true;
}

static bool
try_key(EVP_PKEY *key, time_t mtime, bool rotated, const char *ticket,
    size_t len, const char *secret, time_t now, struct ticket_info *info)
{
	int64_t min, max;
	struct err ignored;

	if (key == NULL || !pve_ticket_window(now, mtime, rotated, &min, &max))
		return false;
	return ticket_verify(key, PVE_TICKET_PREFIX, ticket, len, secret, now,
	    min, max, info, &ignored) == 0;
}

static int
verify(const struct pve_pubkeys *keys, const char *ticket, size_t len,
    const char *secret, time_t now, struct pve_ticket *t, struct err *err)
{
	struct ticket_info info;
	struct pve_ticket res;
	int rc = -1;

	memset(&res, 0, sizeof(res));
	ticket_info_init(&info);
	if (try_key(keys->cur, keys->cur_mtime, false, ticket, len, secret,
	    now, &info))
		res.old_key = false;
	else if (try_key(keys->old, keys->old_mtime, true, ticket, len,
	    secret, now, &info))
		res.old_key = true;
	else
		goto out;
	if (!info.has_data || info.data.data == NULL ||
	    !classify(info.data.data, info.data.len, &res))
		goto out;
	res.age = info.age;
	res.pad = info.pad;
	*t = res;
	memset(&res, 0, sizeof(res));
	rc = 0;
out:
	pve_ticket_clear(&res);
	ticket_info_clear(&info);
	if (rc < 0)
		err_set(err, ERR_AUTH, "permission denied - invalid %s ticket",
		    PVE_TICKET_PREFIX);
	return rc;
}

int
pve_ticket_create(EVP_PKEY *key, enum ticket_pad pad, const char *userid,
    time_t now, char **ticket_r, struct err *err)
{
	if (id_user_check(userid, err) < 0)
		return -1;
	return ticket_sign(key, pad, PVE_TICKET_PREFIX, userid, NULL, now,
	    ticket_r, err);
}

int
pve_ticket_verify(const struct pve_pubkeys *keys, const char *ticket,
    size_t len, time_t now, struct pve_ticket *t, struct err *err)
{
	return verify(keys, ticket, len, NULL, now, t, err);
}

int
pve_ticket_verify_login(const struct pve_pubkeys *keys, const char *ticket,
    size_t len, time_t now, char **userid_r, int64_t *age_r, struct err *err)
{
	struct pve_ticket t;

	memset(&t, 0, sizeof(t));
	if (verify(keys, ticket, len, NULL, now, &t, err) < 0)
		return -1;
	if (t.kind != PVE_TICKET_LOGIN) {
		pve_ticket_clear(&t);
		return err_set(err, ERR_AUTH,
		    "permission denied - invalid %s ticket",
		    PVE_TICKET_PREFIX);
	}
	if (age_r != NULL)
		*age_r = t.age;
	*userid_r = t.userid;
	t.userid = NULL;
	pve_ticket_clear(&t);
	return 0;
}

int
tfa_ticket_create(EVP_PKEY *key, enum ticket_pad pad, const char *userid,
    const char *challenge_json, time_t now, char **ticket_r, struct err *err)
{
	char *data;
	size_t len;
	int rc;

	if (id_user_check(userid, err) < 0)
		return -1;
	len = strlen(PVE_TFA_DATA_PREFIX) + strlen(challenge_json) + 1;
	data = xmalloc(len);
	memcpy(data, PVE_TFA_DATA_PREFIX, strlen(PVE_TFA_DATA_PREFIX));
	memcpy(data + strlen(PVE_TFA_DATA_PREFIX), challenge_json,
	    strlen(challenge_json) + 1);
	rc = ticket_sign(key, pad, PVE_TICKET_PREFIX, data, userid, now,
	    ticket_r, err);
	free(data);
	return rc;
}

int
tfa_ticket_verify(const struct pve_pubkeys *keys, const char *ticket,
    size_t len, const char *userid, time_t now, char **challenge_r,
    struct err *err)
{
	struct pve_ticket t;

	memset(&t, 0, sizeof(t));
	if (userid[0] == '\0')
		return err_set(err, ERR_AUTH,
		    "permission denied - invalid %s ticket",
		    PVE_TICKET_PREFIX);
	if (verify(keys, ticket, len, userid, now, &t, err) < 0)
		return -1;
	if (t.kind != PVE_TICKET_TFA_PARTIAL) {
		pve_ticket_clear(&t);
		return err_set(err, ERR_AUTH,
		    "permission denied - invalid %s ticket",
		    PVE_TICKET_PREFIX);
	}
	*challenge_r = t.tfa_data;
	t.tfa_data = NULL;
	pve_ticket_clear(&t);
	return 0;
}
