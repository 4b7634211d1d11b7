/*
 * The factors that tfa.cfg itself verifies: TOTP codes against the
 * user's entries with the replay guard of `last-count`, and recovery
 * codes, whose used slots become null.  Both change the cfg, which the
 * caller must save before the login succeeds.
 */
#include "tfacfg_int.h"
#include "totp.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

int
tfacfg_add_recovery(struct tfacfg *cfg, const char *userid, bool replace,
    time_t now, char codes[RECOVERY_COUNT][RECOVERY_CODE_LEN + 1],
    struct err *err)
{
	struct recovery_set set;
	json_t *u = tfacfg_user_make(cfg, userid, err), *r, *slots, *old;
	size_t i;

	if (u == NULL)
		return -1;
	old = json_object_get(u, "recovery");
	if (old != NULL && !json_is_null(old) && !replace)
		return err_set(err, ERR_EXISTS, "user already has recovery keys");
	if (recovery_generate(&set, err) < 0)
		return -1;
	r = json_object();
	json_object_set_new(r, "secret", json_string(set.secret));
	slots = json_array();
	for (i = 0; i < RECOVERY_COUNT; i++) {
		json_array_append_new(slots, json_string(set.hashes[i]));
		memcpy(codes[i], set.codes[i], sizeof(set.codes[i]));
	}
	json_object_set_new(r, "entries", slots);
	json_object_set_new(r, "created", json_integer((json_int_t)now));
	json_object_set_new(u, "recovery", r);
	recovery_wipe(&set);
	return 0;
}

/* The user's readable recovery set, or NULL. */
static json_t *
recovery_of(const struct tfacfg *cfg, const char *userid)
{
	json_t *r = json_object_get(tfacfg_user(cfg, userid), "recovery");

	return tfa_recovery_ok(r) ? r : NULL;
}

int
tfacfg_recovery_unused(const struct tfacfg *cfg, const char *userid,
    unsigned *idx, size_t max)
{
	json_t *r = recovery_of(cfg, userid), *s;
	size_t i, n = 0;

	if (r == NULL)
		return -1;
	json_array_foreach(json_object_get(r, "entries"), i, s)
		if (!json_is_null(s) && n < max)
			idx[n++] = (unsigned)i;
	return (int)n;
}

int
tfacfg_recovery_use(struct tfacfg *cfg, const char *userid,
    const char *code)
{
	json_t *r = recovery_of(cfg, userid), *entries, *u;
	const char **slots;
	size_t i, n;
	int slot;

	if (r == NULL || code == NULL)
		return -1;
	entries = json_object_get(r, "entries");
	n = json_array_size(entries);
	slots = xcalloc(n + 1, sizeof(*slots));
	for (i = 0; i < n; i++)
		slots[i] = json_string_value(json_array_get(entries, i));
	slot = recovery_match(json_string_value(json_object_get(r, "secret")),
	    (const char *const *)slots, n, code);
	free(slots);
	if (slot < 0)
		return -1;
	json_array_set_new(entries, (size_t)slot, json_null());
	u = tfacfg_user(cfg, userid);
	json_object_del(u, "totp-locked");
	json_object_del(u, "tfa-locked-until");
	return slot;
}

int64_t
tfacfg_last_count(const struct tfacfg *cfg, const char *userid,
    const char *id)
{
	struct tfa_info info;
	const json_t *e, *lc;
	size_t i;

	if (id == NULL)
		return INT64_MIN;
	json_array_foreach(json_object_get(tfacfg_user(cfg, userid), "totp"),
	    i, e) {
		if (!tfa_entry_read(e, TFA_TOTP, &info) ||
		    strcmp(info.id, id) != 0)
			continue;
		lc = json_object_get(json_object_get(e, "entry"),
		    "last-count");
		return json_is_integer(lc) ? json_integer_value(lc) :
		    INT64_MIN;
	}
	return INT64_MIN;
}

/* {"totp": uri, "last-count": count} in place of e's entry. */
static void
store_last_count(json_t *e, int64_t count)
{
	json_t *v = json_object_get(e, "entry"), *o;

	if (json_is_object(v)) {
		json_object_set_new(v, "last-count", json_integer(count));
		return;
	}
	o = json_object();
	json_object_set(o, "totp", v);
	json_object_set_new(o, "last-count", json_integer(count));
	json_object_set_new(e, "entry", o);
}

int
tfacfg_set_last_count(struct tfacfg *cfg, const char *userid, const char *id,
    int64_t count, struct err *err)
{
	struct tfa_info info;
	json_t *e;
	size_t i;

	json_array_foreach(json_object_get(tfacfg_user(cfg, userid), "totp"),
	    i, e) {
		if (tfa_entry_read(e, TFA_TOTP, &info) &&
		    strcmp(info.id, id) == 0) {
			store_last_count(e, count);
			return 0;
		}
	}
	return err_set(err, ERR_NOT_FOUND, "no such entry");
}

enum tfa_totp_result
tfacfg_totp_verify(struct tfacfg *cfg, const char *userid, const char *code,
    time_t now)
{
	struct tfa_info info;
	struct totp t;
	struct err err;
	json_t *e, *lc;
	const char *uri;
	int64_t counter, last;
	bool match;
	size_t i;

	if (code == NULL)
		return TFA_TOTP_FAILED;
	json_array_foreach(json_object_get(tfacfg_user(cfg, userid), "totp"),
	    i, e) {
		if (!tfa_entry_read(e, TFA_TOTP, &info) || !info.enable)
			continue;
		uri = tfa_totp_uri_of(json_object_get(e, "entry"));
		if (totp_parse(uri, strlen(uri), &t, &err) < 0)
			continue;
		match = totp_verify(&t, code, now, &counter);
		totp_clear(&t);
		if (!match)
			continue;
		lc = json_object_get(json_object_get(e, "entry"),
		    "last-count");
		last = json_is_integer(lc) ? json_integer_value(lc) :
		    INT64_MIN;
		if (counter <= last)
			return TFA_TOTP_REUSED;
		store_last_count(e, counter);
		return TFA_TOTP_OK;
	}
	return TFA_TOTP_FAILED;
}
