/*
 * Writing tfa.cfg as Proxmox does (serde_json::to_vec of TfaConfig with
 * the server settings taken out): see tfacfg_write in tfacfg.h.  Known
 * members go in the order of proxmox-tfa's structs, with its omissions
 * (skip_serializing_if); every value is written as sjson writes it, so
 * what was read from a Proxmox file comes back byte for byte.
 */
#include "tfacfg_int.h"
#include "sjson.h"

#include <stdint.h>
#include <string.h>

/* The members of o not named in known[n], in o's order. */
static void
put_unknown(const json_t *o, const char *const *known, size_t n,
    struct buf *out, bool *first)
{
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach(sjson_mut(o), key, v) {
		for (i = 0; i < n; i++)
			if (strcmp(key, known[i]) == 0)
				break;
		if (i < n)
			continue;
		if (!*first)
			buf_putc(out, ',');
		*first = false;
		sjson_key(key, out);
		sjson_dump(v, out);
	}
}

/* Member key of o, unless absent. */
static void
put_member(const json_t *o, const char *key, struct buf *out, bool *first)
{
	const json_t *v = json_object_get(o, key);

	if (v == NULL)
		return;
	if (!*first)
		buf_putc(out, ',');
	*first = false;
	sjson_key(key, out);
	sjson_dump(v, out);
}

/* The members of o named in known, in that order, then the others. */
static void
put_object(const json_t *o, const char *const *known, size_t n,
    struct buf *out)
{
	bool first = true;
	size_t i;

	buf_putc(out, '{');
	for (i = 0; i < n; i++)
		put_member(o, known[i], out, &first);
	put_unknown(o, known, n, out, &first);
	buf_putc(out, '}');
}

static void
put_totp_value(const json_t *v, struct buf *out)
{
	static const char *const keys[] = {"totp", "last-count"};
	const json_t *lc = json_object_get(v, "last-count");

	/* TotpEntry with last_count == i64::MIN is the bare URI */
	if (json_is_object(v) && json_object_size(v) == 2 &&
	    json_is_string(json_object_get(v, "totp")) &&
	    json_is_integer(lc) && json_integer_value(lc) == INT64_MIN) {
		sjson_dump(json_object_get(v, "totp"), out);
		return;
	}
	if (json_is_object(v))
		put_object(v, keys, ARRAY_SIZE(keys), out);
	else
		sjson_dump(v, out);
}

static void
put_entry(const json_t *e, enum tfa_type t, struct buf *out)
{
	static const char *const keys[] = {
		"id", "description", "created", "enable", "entry",
	};
	const json_t *desc = json_object_get(e, "description");
	const json_t *enable = json_object_get(e, "enable");
	bool first = true;

	if (!json_is_object(e)) {
		sjson_dump(e, out);
		return;
	}
	buf_putc(out, '{');
	put_member(e, "id", out, &first);
	if (!(json_is_string(desc) && json_string_length(desc) == 0))
		put_member(e, "description", out, &first);
	put_member(e, "created", out, &first);
	if (!json_is_true(enable))
		put_member(e, "enable", out, &first);
	if (json_object_get(e, "entry") != NULL) {
		if (!first)
			buf_putc(out, ',');
		first = false;
		sjson_key("entry", out);
		if (t == TFA_TOTP)
			put_totp_value(json_object_get(e, "entry"), out);
		else
			sjson_dump(json_object_get(e, "entry"), out);
	}
	put_unknown(e, keys, ARRAY_SIZE(keys), out, &first);
	buf_putc(out, '}');
}

static void
put_list(const json_t *list, enum tfa_type t, struct buf *out)
{
	const json_t *e;
	size_t i;

	if (!json_is_array(list)) {
		sjson_dump(list, out);
		return;
	}
	buf_putc(out, '[');
	json_array_foreach(list, i, e) {
		if (i > 0)
			buf_putc(out, ',');
		put_entry(e, t, out);
	}
	buf_putc(out, ']');
}

/* Whether Proxmox leaves the member out (skip_serializing_if). */
static bool
omitted(const char *key, const json_t *v)
{
	if (v == NULL)
		return true;
	if (json_is_array(v) && json_array_size(v) == 0)
		return strcmp(key, "recovery") != 0;
	if (strcmp(key, "totp-locked") == 0)
		return json_is_false(v);
	if (strcmp(key, "recovery") == 0 ||
	    strcmp(key, "tfa-locked-until") == 0)
		return json_is_null(v);
	return false;
}

static void
put_user(const json_t *u, struct buf *out)
{
	static const char *const recovery_keys[] = {
		"secret", "entries", "created",
	};
	bool first = true;
	size_t i, j;

	if (!json_is_object(u)) {
		sjson_dump(u, out);
		return;
	}
	buf_putc(out, '{');
	for (i = 0; i < ARRAY_SIZE(tfa_user_keys); i++) {
		const char *key = tfa_user_keys[i];
		const json_t *v = json_object_get(u, key);

		if (omitted(key, v))
			continue;
		if (!first)
			buf_putc(out, ',');
		first = false;
		sjson_key(key, out);
		for (j = 0; j < ARRAY_SIZE(tfa_lists); j++)
			if (strcmp(tfa_lists[j].key, key) == 0)
				break;
		if (j < ARRAY_SIZE(tfa_lists))
			put_list(v, tfa_lists[j].type, out);
		else if (strcmp(key, "recovery") == 0 && json_is_object(v))
			put_object(v, recovery_keys,
			    ARRAY_SIZE(recovery_keys), out);
		else
			sjson_dump(v, out);
	}
	put_unknown(u, tfa_user_keys, ARRAY_SIZE(tfa_user_keys), out, &first);
	buf_putc(out, '}');
}

void
tfacfg_write(const struct tfacfg *cfg, struct buf *out)
{
	static const char *const root_keys[] = {"users"};
	const json_t *users = tfacfg_users_obj(cfg), *u;
	const char *key;
	bool first = true, ufirst = true;

	buf_putc(out, '{');
	if (json_object_size(users) > 0) {
		first = false;
		sjson_key("users", out);
		buf_putc(out, '{');
		json_object_foreach(sjson_mut(users), key, u) {
			if (!ufirst)
				buf_putc(out, ',');
			ufirst = false;
			sjson_key(key, out);
			put_user(u, out);
		}
		buf_putc(out, '}');
	}
	put_unknown(cfg->root, root_keys, ARRAY_SIZE(root_keys), out, &first);
	buf_putc(out, '}');
}
