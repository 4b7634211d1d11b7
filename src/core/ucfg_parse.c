/*
 * user.cfg parser.  It reproduces Proxmox's parser rule for rule (spec
 * 1.3): Perl split semantics (trailing empty fields vanish), per-field
 * trimming, "0 is empty", order dependence (tokens need their user, ACLs
 * need their roles and tokens defined earlier), and leniency: a bad line or
 * item is skipped with a warning, never an error.  Warnings use Proxmox's
 * wording, prefixed by file:line in our diagnostics.
 */
#include "ids.h"
#include "str.h"
#include "ucfg.h"
#include "utf8.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

#define MAX_FIELDS 16

struct field {
	const char *p;
	size_t len;
};

struct parser {
	struct ucfg *cfg;
	struct diag *diag;
	const char *file;
	unsigned line;
	const char *raw;	/* the current line, for messages */
	size_t raw_len;
	unsigned skip;	/* UCFG_SKIP_* */
	struct buf tmp;
};

static void RG_PRINTF(3, 4)
warn(struct parser *ps, bool dropped, const char *fmt, ...)
{
	struct buf msg = BUF_INIT;
	va_list ap;

	if (ps->diag == NULL)
		return;
	va_start(ap, fmt);
	if (buf_vprintf(&msg, fmt, ap) < 0)
		rg_assert(!"unreachable");
	va_end(ap);
	diag_add(ps->diag, ps->file, ps->line, dropped, "user config - %s",
	    buf_str(&msg));
	buf_clear(&msg);
}

/* Split on ':' with Perl split semantics, trimming each field. */
static size_t
split_fields(const char *p, size_t len, struct field *f)
{
	size_t n = 0, start = 0, i;

	for (i = 0; i <= len; i++) {
		if (i == len || p[i] == ':') {
			if (n == MAX_FIELDS) {
				/* fold the rest into the last field */
				f[n - 1].len = (size_t)(p + len - f[n - 1].p);
				break;
			}
			f[n].p = p + start;
			f[n].len = i - start;
			n++;
			start = i + 1;
		}
	}
	/* Perl's split drops trailing empty fields (before trimming) */
	while (n > 0 && f[n - 1].len == 0)
		n--;
	for (i = 0; i < n; i++)
		str_trim(&f[i].p, &f[i].len);
	return n;
}

static const char *
fstr(struct parser *ps, const struct field *f)
{
	return ucfg_strn(ps->cfg, f->p, f->len);
}

/* A decoded text field (names, comments), or NULL when "empty or 0". */
static const char *
text_field(struct parser *ps, const struct field *f)
{
	if (!str_truthy(f->p, f->len))
		return NULL;
	buf_reset(&ps->tmp);
	str_unescape(&ps->tmp, f->p, f->len);
	utf8_sanitize(&ps->tmp);
	return ucfg_text(ps->cfg, ps->tmp.data, ps->tmp.len);
}

static const char *
verbatim_field(struct parser *ps, const struct field *f)
{
	return str_truthy(f->p, f->len) ? ucfg_text(ps->cfg, f->p, f->len) :
	    NULL;
}

/* Expire field: empty -> 0; digits -> value; else -1 (invalid). */
static long long
expire_field(const struct field *f)
{
	unsigned long long v;

	if (f->len == 0)
		return 0;
	if (!str_to_u64(f->p, f->len, &v) || v > (unsigned long long)1 << 62)
		return -1;
	return (long long)v;
}

#define FIELD(i) ((i) < n ? &f[i] : &empty)

static const struct field empty = {"", 0};

static void
parse_user(struct parser *ps, struct field *f, size_t n)
{
	const struct field *id = FIELD(1);
	struct ucfg_user *u;
	long long expire;

	if (!id_user_valid(id->p, id->len, NULL)) {
		warn(ps, true, "ignore invalid user '%.*s'", (int)id->len,
		    id->p);
		return;
	}
	expire = expire_field(FIELD(3));
	if (expire < 0) {
		warn(ps, true, "ignore user '%.*s' - invalid expire '%.*s'",
		    (int)id->len, id->p, (int)FIELD(3)->len, FIELD(3)->p);
		return;
	}
	ucfg_user_del(ps->cfg, fstr(ps, id));
	u = ucfg_user_add(ps->cfg, fstr(ps, id));
	u->enable = str_truthy(FIELD(2)->p, FIELD(2)->len);
	u->expire = expire;
	u->firstname = text_field(ps, FIELD(4));
	u->lastname = text_field(ps, FIELD(5));
	u->email = verbatim_field(ps, FIELD(6));
	u->comment = text_field(ps, FIELD(7));
	u->keys = verbatim_field(ps, FIELD(8));
}

static void
parse_token(struct parser *ps, struct field *f, size_t n)
{
	const struct field *id = FIELD(1);
	struct ucfg_user *u;
	struct ucfg_token *t;
	long long expire;
	size_t bang;
	char *userid;

	if (!id_token_valid(id->p, id->len, &bang)) {
		warn(ps, true, "ignore invalid tokenid '%.*s'", (int)id->len,
		    id->p);
		return;
	}
	expire = expire_field(FIELD(2));
	if (expire < 0) {
		warn(ps, true, "ignore token '%.*s' - invalid expire '%.*s'",
		    (int)id->len, id->p, (int)FIELD(2)->len, FIELD(2)->p);
		return;
	}
	userid = xstrndup(id->p, bang);
	u = ucfg_user(ps->cfg, userid);
	free(userid);
	if (u == NULL) {
		warn(ps, true, "ignore token '%.*s' - user does not exist",
		    (int)id->len, id->p);
		return;
	}
	buf_reset(&ps->tmp);
	buf_put(&ps->tmp, id->p + bang + 1, id->len - bang - 1);
	ucfg_token_del(ps->cfg, u, buf_str(&ps->tmp));
	t = ucfg_token_add(ps->cfg, u, buf_str(&ps->tmp));
	t->expire = expire;
	t->privsep = str_truthy(FIELD(3)->p, FIELD(3)->len);
	t->comment = text_field(ps, FIELD(4));
}

struct member_ctx {
	struct parser *ps;
	struct ucfg_group *group;
};

static void
group_member(const char *p, size_t len, void *arg)
{
	struct member_ctx *mc = arg;
	struct parser *ps = mc->ps;
	const char *id = ucfg_strn(ps->cfg, p, len);

	if (!id_user_valid(p, len, NULL) || ucfg_user_i(ps->cfg, id) == NULL) {
		/* Proxmox warns for both, but keeps a well-formed unknown id */
		warn(ps, !id_user_valid(p, len, NULL),
		    "ignore invalid group member '%s'", id);
		if (!id_user_valid(p, len, NULL))
			return;
	}
	ucfg_group_add_member(ps->cfg, mc->group, id);
}

static void
parse_group(struct parser *ps, struct field *f, size_t n)
{
	const struct field *id = FIELD(1), *members = FIELD(2);
	struct member_ctx mc = {ps, NULL};

	if (!id_group_valid(id->p, id->len)) {
		warn(ps, true, "ignore invalid group '%.*s'", (int)id->len,
		    id->p);
		return;
	}
	mc.group = ucfg_group_i(ps->cfg, fstr(ps, id));
	if (mc.group == NULL)
		mc.group = ucfg_group_add(ps->cfg, fstr(ps, id));
	/* a repeated group line merges; its comment only replaces if set */
	if (str_truthy(FIELD(3)->p, FIELD(3)->len))
		mc.group->comment = text_field(ps, FIELD(3));
	str_split_list(members->p, members->len, group_member, &mc);
}

struct role_ctx {
	struct parser *ps;
	struct ucfg_role *role;
};

static void
role_priv(const char *p, size_t len, void *arg)
{
	struct role_ctx *rc = arg;
	int i = priv_index(p, len);

	if (i < 0) {
		warn(rc->ps, true, "ignore invalid privilege '%.*s'", (int)len,
		    p);
		return;
	}
	rc->role->privs |= UINT64_C(1) << i;
}

static void
parse_role(struct parser *ps, struct field *f, size_t n)
{
	const struct field *id = FIELD(1), *privs = FIELD(2);
	struct role_ctx rc = {ps, NULL};

	if (!id_role_valid(id->p, id->len)) {
		warn(ps, true, "ignore invalid role '%.*s'", (int)id->len,
		    id->p);
		return;
	}
	rc.role = ucfg_role_i(ps->cfg, fstr(ps, id));
	if (rc.role == NULL)
		rc.role = ucfg_role_add(ps->cfg, fstr(ps, id));
	str_split_list(privs->p, privs->len, role_priv, &rc);
}

struct acl_ctx {
	struct parser *ps;
	const char **roles;
	size_t role_count;
	struct acl_node *node;
	const char *path;
	bool propagate;
};

static void
acl_role(const char *p, size_t len, void *arg)
{
	struct acl_ctx *ac = arg;
	const char *role;

	if (!id_role_valid(p, len)) {
		warn(ac->ps, true, "ignore invalid role name '%.*s' in acl",
		    (int)len, p);
		return;
	}
	role = ucfg_strn(ac->ps->cfg, p, len);
	if (ucfg_role_i(ac->ps->cfg, role) == NULL) {
		/* a dangling reference: Proxmox drops it on the next write */
		warn(ac->ps, false, "ignore unknown role '%s' in acl", role);
		return;
	}
	ac->roles = xreallocarray(ac->roles, ac->role_count + 1,
	    sizeof(*ac->roles));
	ac->roles[ac->role_count++] = role;
}

static void
acl_add(struct acl_ctx *ac, enum acl_kind kind, const char *subject)
{
	size_t i;

	if (ac->role_count == 0)
		return;
	if (ac->node == NULL)
		ac->node = ucfg_acl_node(ac->ps->cfg, ac->path);
	for (i = 0; i < ac->role_count; i++)
		ucfg_acl_set_interned(ac->node, kind, subject, ac->roles[i],
		    ac->propagate);
}

static void
acl_member(const char *p, size_t len, void *arg)
{
	struct acl_ctx *ac = arg;
	struct parser *ps = ac->ps;
	const char *m;

	if (len > 1 && p[0] == '@') {
		const char *g = ucfg_strn(ps->cfg, p + 1, len - 1);

		if (!id_group_valid(g, len - 1)) {
			warn(ps, true, "ignore invalid acl group '%s'", g);
			return;
		}
		if (ucfg_group_i(ps->cfg, g) == NULL)
			warn(ps, false, "ignore invalid acl group '%s'", g);
		acl_add(ac, ACL_GROUP, g);
		return;
	}
	m = ucfg_strn(ps->cfg, p, len);
	if (id_user_valid(p, len, NULL)) {
		if (ucfg_user_i(ps->cfg, m) == NULL)
			warn(ps, false, "ignore invalid acl member '%s'", m);
		acl_add(ac, ACL_USER, m);
	} else if (id_token_valid(p, len, NULL)) {
		if (ucfg_token_i(ps->cfg, m) == NULL) {
			/* dangling, like an unknown role: not a parse failure */
			warn(ps, false, "ignore invalid acl token '%s'", m);
			return;
		}
		acl_add(ac, ACL_TOKEN, m);
	} else {
		warn(ps, true, "ignore invalid acl member '%s'", m);
	}
}

static void
parse_acl(struct parser *ps, struct field *f, size_t n)
{
	const struct field *path = FIELD(2);
	struct acl_ctx ac = {ps, NULL, 0, NULL, NULL, false};
	struct buf norm = BUF_INIT;

	ac.propagate = str_truthy(FIELD(1)->p, FIELD(1)->len);
	if (!id_path_normalize(path->p, path->len, &norm)) {
		warn(ps, true, "ignore invalid path in acl '%.*s'",
		    (int)path->len, path->p);
		goto out;
	}
	ac.node = hmap_getn(&ps->cfg->acl_paths, norm.data, norm.len);
	ac.path = norm.data;	/* creates the node on first use */
	str_split_list(FIELD(4)->p, FIELD(4)->len, acl_role, &ac);
	str_split_list(FIELD(3)->p, FIELD(3)->len, acl_member, &ac);
out:
	free(ac.roles);
	buf_clear(&norm);
}

struct pool_ctx {
	struct parser *ps;
	struct ucfg_pool *pool;
};

static void
pool_vm(const char *p, size_t len, void *arg)
{
	struct pool_ctx *pc = arg;
	unsigned long long v;
	const char *vmid;

	if (!str_to_u64(p, len, &v)) {
		warn(pc->ps, true, "ignore invalid vmid '%.*s'", (int)len, p);
		return;
	}
	buf_reset(&pc->ps->tmp);
	buf_put(&pc->ps->tmp, p, len);
	vmid = buf_str(&pc->ps->tmp);
	if (!ucfg_pool_add_vm(pc->ps->cfg, pc->pool, vmid))
		warn(pc->ps, true, "ignore duplicate vmid '%s' in pool '%s'",
		    vmid, pc->pool->id);
}

static bool
storage_id_valid(const char *p, size_t len)
{
	size_t i;

	if (len < 2)
		return false;
	for (i = 0; i < len; i++) {
		char c = p[i] | 0x20;	/* case-insensitive */
		bool alpha = c >= 'a' && c <= 'z';
		bool digit = p[i] >= '0' && p[i] <= '9';

		if (i == 0 && !alpha)
			return false;
		if (i == len - 1 && !alpha && !digit)
			return false;
		if (!alpha && !digit && p[i] != '.' && p[i] != '-' &&
		    p[i] != '_')
			return false;
	}
	return true;
}

static void
pool_storage(const char *p, size_t len, void *arg)
{
	struct pool_ctx *pc = arg;

	if (!storage_id_valid(p, len)) {
		warn(pc->ps, true, "ignore invalid storage '%.*s'", (int)len,
		    p);
		return;
	}
	buf_reset(&pc->ps->tmp);
	buf_put(&pc->ps->tmp, p, len);
	ucfg_pool_add_storage(pc->ps->cfg, pc->pool, buf_str(&pc->ps->tmp));
}

static void
parse_pool(struct parser *ps, struct field *f, size_t n)
{
	const struct field *id = FIELD(1);
	struct pool_ctx pc = {ps, NULL};

	if (!id_pool_valid(id->p, id->len)) {
		warn(ps, true, "ignore invalid pool '%.*s'", (int)id->len,
		    id->p);
		return;
	}
	pc.pool = ucfg_pool_add(ps->cfg, fstr(ps, id));
	if (str_truthy(FIELD(2)->p, FIELD(2)->len))
		pc.pool->comment = text_field(ps, FIELD(2));
	str_split_list(FIELD(3)->p, FIELD(3)->len, pool_vm, &pc);
	str_split_list(FIELD(4)->p, FIELD(4)->len, pool_storage, &pc);
}

static void
parse_line(struct parser *ps, const char *p, size_t len)
{
	struct field f[MAX_FIELDS];
	size_t n = split_fields(p, len, f);
	static const struct {
		const char *type;
		void (*fn)(struct parser *, struct field *, size_t);
	} types[] = {
		{"user", parse_user}, {"token", parse_token},
		{"group", parse_group}, {"role", parse_role},
		{"acl", parse_acl}, {"pool", parse_pool},
	};
	size_t i;

	if (memchr(p, '\0', len) != NULL) {
		warn(ps, true, "ignore config line with a NUL byte");
		return;
	}
	for (i = 0; n > 0 && i < ARRAY_SIZE(types); i++) {
		if (strlen(types[i].type) == f[0].len &&
		    memcmp(types[i].type, f[0].p, f[0].len) == 0) {
			if (!((ps->skip & UCFG_SKIP_ACL) &&
			    types[i].fn == parse_acl) &&
			    !((ps->skip & UCFG_SKIP_GROUPS) &&
			    types[i].fn == parse_group))
				types[i].fn(ps, f, n);
			return;
		}
	}
	warn(ps, true, "ignore config line: %.*s", (int)len, p);
}

static struct ucfg *
parse(const char *text, size_t len, const char *file, struct diag *diag,
    unsigned skip)
{
	struct parser ps = {0};
	size_t pos = 0;
	const struct builtin_role *b;
	size_t nb, i;

	ps.skip = skip;
	ps.cfg = ucfg_new();
	ps.cfg->acl_bulk = true;
	ps.diag = diag;
	ps.file = file;
	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t llen = nl != NULL ? (size_t)(nl - line) : len - pos;

		pos += llen + 1;
		ps.line++;
		str_trim(&line, &llen);
		if (llen == 0)
			continue;
		ps.raw = line;
		ps.raw_len = llen;
		parse_line(&ps, line, llen);
	}
	/* defaults again: built-in roles win, root@pam always exists */
	b = privs_builtin_roles(&nb);
	for (i = 0; i < nb; i++) {
		struct ucfg_role *r = ucfg_role(ps.cfg, b[i].name);

		r->privs = b[i].privs;
		r->special = true;
	}
	if (ucfg_user(ps.cfg, "root@pam") == NULL)
		ucfg_user_add(ps.cfg, "root@pam")->enable = true;
	ucfg_acl_sort(ps.cfg);
	ucfg_reindex(ps.cfg);
	buf_clear(&ps.tmp);
	return ps.cfg;
}

struct ucfg *
ucfg_parse(const char *text, size_t len, const char *file, struct diag *diag)
{
	return parse(text, len, file, diag, 0);
}

struct ucfg *
ucfg_parse_partial(const char *text, size_t len, const char *file,
    struct diag *diag, unsigned skip)
{
	return parse(text, len, file, diag, skip);
}
