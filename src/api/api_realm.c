/*
 * Glue between the API handlers and the realms: which type a realm has,
 * Proxmox's case-insensitive user lookup for realms with case-sensitive 0,
 * and password storage and user removal through the realm's driver, each
 * under the lock of the file the driver writes.
 */
#include "api_int.h"
#include "files/domains.h"
#include "ids.h"
#include "files/lock.h"
#include "realm.h"
#include "files/shadow.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static struct domains_cfg *
load_domains(struct api_env *env)
{
	struct domains_cfg *d = NULL;
	struct err err;

	if (domains_load(env->config_dir, NULL, &d, &err) < 0)
		return NULL;
	return d;
}

const char *
api_realm_type(struct api_env *env, const char *realm)
{
	struct domains_cfg *d = load_domains(env);
	const struct domains_realm *r;
	const char *type = NULL;

	if (d == NULL)
		return NULL;
	r = domains_realm_find(d, realm);
	if (r != NULL)
		type = realm_type_name(r->type);
	domains_free(d);
	return type;
}

json_t *
api_realm_types(struct api_env *env)
{
	struct domains_cfg *d = load_domains(env);
	json_t *types = json_object();
	size_t i;

	for (i = 0; d != NULL && i < domains_realm_count(d); i++) {
		const struct domains_realm *r = domains_realm_at(d, i);

		json_object_set_new(types, r->id,
		    json_string(realm_type_name(r->type)));
	}
	domains_free(d);
	return types;
}

int
api_user_lookup(struct api_env *env, const struct ucfg *cfg,
    const char *userid, const char **found_r, struct err *err)
{
	struct domains_cfg *d;
	const struct domains_realm *r;
	struct buf realm = BUF_INIT;
	size_t it = 0, matches = 0;
	const char *k;

	*found_r = NULL;
	if (ucfg_user(cfg, userid) != NULL) {
		*found_r = ucfg_user(cfg, userid)->id;
		return 0;
	}
	api_realm_of(userid, &realm);
	d = load_domains(env);
	r = d != NULL ? domains_realm_find(d, buf_str(&realm)) : NULL;
	if (r != NULL && domains_realm_get(r, DP_CASE_SENSITIVE) != NULL &&
	    !domains_realm_bool(r, DP_CASE_SENSITIVE, true)) {
		while (hmap_next(&cfg->users, &it, &k, NULL)) {
			if (strcasecmp(k, userid) == 0) {
				if (matches++ == 0)
					*found_r = k;
			}
		}
	}
	domains_free(d);
	buf_clear(&realm);
	if (matches > 1)
		return err_set(err, ERR_INVALID,
		    "ambiguous case insensitive match of username '%s', cannot "
		    "safely grant access!", userid);
	return 0;
}

static const char *
domains_opt(const char *key, void *arg)
{
	int p = domains_prop_find(key);

	return p < 0 ? NULL : domains_realm_get(arg, (enum dom_prop)p);
}

void
api_realm_ctx(struct api_env *env, const struct domains_realm *r,
    struct realm_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->name = r->id;
	ctx->type = realm_type_name(r->type);
	ctx->config_dir = env->config_dir;
	ctx->pam_service = getenv("REALMGATE_PAM_SERVICE");
	ctx->opt = domains_opt;
	ctx->opt_arg = (void *)(uintptr_t)r;
}

/* Fill a realm context for the realm of userid; the name goes in nbuf. */
static int
realm_ctx_for(struct api_env *env, const char *userid, struct realm_ctx *ctx,
    struct buf *nbuf, struct err *err)
{
	const char *type;

	api_realm_of(userid, nbuf);
	type = api_realm_type(env, buf_str(nbuf));
	if (type == NULL)
		return err_set(err, ERR_NOT_FOUND,
		    "authentication domain '%s' does not exist", buf_str(nbuf));
	memset(ctx, 0, sizeof(*ctx));
	ctx->name = buf_str(nbuf);
	ctx->type = type;
	ctx->config_dir = env->config_dir;
	return 0;
}

static void
user_name(const char *userid, struct buf *out)
{
	const char *at = strrchr(userid, '@');

	buf_reset(out);
	buf_put(out, userid, at != NULL ? (size_t)(at - userid) :
	    strlen(userid));
}

enum shadow_op { SHADOW_SET, SHADOW_DELETE, SHADOW_DELETE_CHECK };

/*
 * Set or forget a password through the realm driver under shadow.cfg's
 * lock, or check that forgetting it would not be refused; with undo, the
 * lock and the file's bytes before the change stay in it for the caller
 * (see api_int.h), and a lock already in it (taken by the check) is used.
 */
static int
with_shadow_lock(struct api_env *env, const char *userid, enum shadow_op op,
    const char *password, struct store_side *undo, struct err *err)
{
	struct realm_ctx ctx;
	struct buf realm = BUF_INIT, name = BUF_INIT;
	struct store_side own;
	struct store_side *side = undo != NULL ? undo : &own;
	int rc = -1;

	store_side_init(&own);
	if (realm_ctx_for(env, userid, &ctx, &realm, err) < 0)
		goto out;
	if (op != SHADOW_SET && realm_driver(ctx.type) != NULL &&
	    realm_driver(ctx.type)->delete_user == NULL) {
		rc = 0;
		goto out;
	}
	if (op == SHADOW_SET && !realm_has_caps(ctx.type,
	    REALM_CAP_STORE_PW)) {
		err_set(err, ERR_UNSUPPORTED, "can't set password on auth type "
		    "'%s'", ctx.type);
		goto out;
	}
	if (side->lock == NULL && store_side_begin(env, SHADOW_FILE,
	    CFG_LOCK_TIMEOUT, side, err) < 0)
		goto out;
	user_name(userid, &name);
	if (op == SHADOW_DELETE_CHECK) {
		rc = realm_delete_user_check(&ctx, buf_str(&name), err);
		goto out;
	}
	rc = op == SHADOW_SET ?
	    realm_set_password(&ctx, buf_str(&name), password, err) :
	    realm_delete_user(&ctx, buf_str(&name), err);
	/* pve: the driver rewrote shadow.cfg (or left it); pam: usermod */
	if (rc == 0)
		store_side_touched(side);
out:
	store_side_end(&own);
	buf_clear(&realm);
	buf_clear(&name);
	return rc;
}

int
api_realm_set_password(struct api_env *env, const char *userid,
    const char *password, struct store_side *undo, struct err *err)
{
	return with_shadow_lock(env, userid, SHADOW_SET, password, undo, err);
}

int
api_realm_delete_user_check(struct api_env *env, const char *userid,
    struct store_side *side, struct err *err)
{
	return with_shadow_lock(env, userid, SHADOW_DELETE_CHECK, NULL, side,
	    err);
}

int
api_realm_delete_user(struct api_env *env, const char *userid,
    struct store_side *undo, struct err *err)
{
	return with_shadow_lock(env, userid, SHADOW_DELETE, NULL, undo, err);
}

int
api_realm_forget_password(struct api_env *env, const char *userid,
    struct err *err)
{
	struct buf realm = BUF_INIT;
	const char *type;
	int rc = 0;

	api_realm_of(userid, &realm);
	type = api_realm_type(env, buf_str(&realm));
	/* a realm that does not exist stores nothing */
	if (type != NULL && realm_has_caps(type, REALM_CAP_STORE_PW))
		rc = with_shadow_lock(env, userid, SHADOW_DELETE, NULL, NULL,
		    err);
	buf_clear(&realm);
	return rc;
}
