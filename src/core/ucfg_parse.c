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

/*
 * ACL lines name a few dozen roles a hundred thousand times: a small
 * direct-mapped cache of names already found to be roles saves the string
 * pool and role map lookups.  Roles are never removed while parsing, so a
 * hit stays right.
 */
#define ROLE_CACHE_BITS 6
#define ROLE_CACHE	(1 << ROLE_CACHE_BITS)

struct role_hit {
	const char *id;		/* interned id of a known role, or NULL */
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
	struct buf path;	/* the normalised ACL path of the line */
	struct role_hit roles[ROLE_CACHE];	/* see known_role() */
	/* user ids holding a list separator (see scan_split_ids) */
	struct field *split_ids;
	size_t split_count, split_cap;
	struct buf list;	/* a member list with those ids blanked */
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

/* Trim a field, in the common case (nothing to trim) without a call. */
static void
trim_field(struct field *f)
{
	if (f->len > 0 && (str_is_space(f->p[0]) ||
	    str_is_space(f->p[f->len - 1])))
		str_trim(&f->p, &f->len);
}

/*
 * Split on ':' with Perl split semantics, trimming each field; at most max
 * fields, the last one holding the rest.
 */
static size_t
split_fields(const char *p, size_t len, struct field *f, size_t max)
{
	const char *end = p + len, *c;
	size_t n = 0, i;

	for (;;) {
		c = memchr(p, ':', (size_t)(end - p));
		if (c == NULL)
			c = end;
		if (n == max) {
			/* fold the rest into the last field */
			f[n - 1].len = (size_t)(end - f[n - 1].p);
			break;
		}
		f[n].p = p;
		f[n].len = (size_t)(c - p);
		n++;
		if (c == end)
			break;
		p = c + 1;
	}
	/* Perl's split drops trailing empty fields (before trimming) */
	while (n > 0 && f[n - 1].len == 0)
		n--;
	for (i = 0; i < n; i++)
		trim_field(&f[i]);
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

/*
 * Proxmox's user-name grammar allows ',' and ';', which are the list
 * separators of user.cfg: the group and ACL member lists written for a
 * user 'x@pve,admin@pve' read back as the two ids 'x@pve' and
 * 'admin@pve'.  So the ids of every user line that hold a separator are
 * collected before the parse (a group line may come before the user
 * line), and each list span that spells one of them, or one of its
 * tokens, is blanked before the list is split: such an id is never a
 * member of anything, and neither are the ids it would split into.  The
 * rewrite drops these spans (a warning, not a refusal: the API must stay
 * able to delete the user).
 */
static bool
is_list_sep(char c)
{
	return c == ',' || c == ';' || str_is_space(c);
}

static void
scan_split_ids(struct parser *ps, const char *text, size_t len)
{
	size_t pos = 0;

	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t llen = nl != NULL ? (size_t)(nl - line) : len - pos;
		struct field f[3];

		pos += llen + 1;
		str_trim(&line, &llen);
		/* only user lines: nothing else starts with 'u' */
		if (llen < 5 || line[0] != 'u' || memchr(line, '\0', llen) ||
		    split_fields(line, llen, f, 3) < 2 ||
		    f[0].len != 4 || memcmp(f[0].p, "user", 4) != 0 ||
		    id_list_safe(f[1].p, f[1].len) ||
		    !id_user_valid(f[1].p, f[1].len, NULL))
			continue;
		XGROW(ps->split_ids, ps->split_cap, ps->split_count + 1);
		ps->split_ids[ps->split_count++] = f[1];
	}
}

/* End of the span of id at (p + start) if it stands alone in the list. */
static size_t
split_id_span(const char *p, size_t len, size_t start, size_t idlen)
{
	size_t end = start + idlen;

	if (start > 0 && !is_list_sep(p[start - 1]))
		return 0;
	if (end < len && p[end] == '!')	/* one of its tokens */
		for (end++; end < len && !is_list_sep(p[end]); end++)
			;
	return end == len || is_list_sep(p[end]) ? end : 0;
}

/*
 * The member list f, with every span of a split id blanked (all spans are
 * found in the original, so overlapping ids cannot hide each other).
 */
static struct field
member_list(struct parser *ps, const struct field *f, const char *what)
{
	struct field out = *f;
	size_t i;

	if (ps->split_count == 0 || f->len == 0)
		return out;
	buf_reset(&ps->list);
	buf_put(&ps->list, f->p, f->len);
	for (i = 0; i < ps->split_count; i++) {
		const struct field *id = &ps->split_ids[i];
		size_t off = 0, end;
		const char *hit;

		while (off < f->len && (hit = memmem(f->p + off, f->len - off,
		    id->p, id->len)) != NULL) {
			size_t start = (size_t)(hit - f->p);

			off = start + 1;
			end = split_id_span(f->p, f->len, start, id->len);
			if (end == 0)
				continue;
			memset(ps->list.data + start, ' ', end - start);
			warn(ps, false, "ignore %s '%.*s' - its user id contains "
			    "a list separator", what, (int)(end - start), hit);
		}
	}
	out.p = ps->list.data;
	out.len = ps->list.len;
	return out;
}

static void
parse_user(struct parser *ps, struct field *f, size_t n)
{
	const struct field *id = FIELD(1);
	struct ucfg_user *u;
	long long expire;
	const char *uid;

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
	if (!id_list_safe(id->p, id->len))
		warn(ps, false, "user '%.*s' contains a list separator (',' or "
		    "';'): it is never read as a group member or ACL subject",
		    (int)id->len, id->p);
	uid = fstr(ps, id);
	ucfg_user_del(ps->cfg, uid);
	u = ucfg_user_add(ps->cfg, uid);
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
	const char *userid;

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
	userid = strpool_findn(&ps->cfg->pool, id->p, bang);
	u = userid != NULL ? ucfg_user_i(ps->cfg, userid) : NULL;
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
	bool valid;

	/* a known user: its id was checked when the user was added */
	if (ucfg_user_i(ps->cfg, id) != NULL) {
		ucfg_group_add_member(ps->cfg, mc->group, id);
		return;
	}
	/* Proxmox warns for both, but keeps a well-formed unknown id */
	valid = id_user_valid(p, len, NULL);
	warn(ps, !valid, "ignore invalid group member '%s'", id);
	if (valid)
		ucfg_group_add_member(ps->cfg, mc->group, id);
}

static void
parse_group(struct parser *ps, struct field *f, size_t n)
{
	const struct field *id = FIELD(1);
	struct member_ctx mc = {ps, NULL};
	struct field members;
	const char *gid;

	if (!id_group_valid(id->p, id->len)) {
		warn(ps, true, "ignore invalid group '%.*s'", (int)id->len,
		    id->p);
		return;
	}
	gid = fstr(ps, id);
	mc.group = ucfg_group_i(ps->cfg, gid);
	if (mc.group == NULL)
		mc.group = ucfg_group_add(ps->cfg, gid);
	/* a repeated group line merges; its comment only replaces if set */
	if (str_truthy(FIELD(3)->p, FIELD(3)->len))
		mc.group->comment = text_field(ps, FIELD(3));
	members = member_list(ps, FIELD(2), "group member");
	str_split_list(members.p, members.len, group_member, &mc);
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
	const char *rid;

	if (!id_role_valid(id->p, id->len)) {
		warn(ps, true, "ignore invalid role '%.*s'", (int)id->len,
		    id->p);
		return;
	}
	rid = fstr(ps, id);
	rc.role = ucfg_role_i(ps->cfg, rid);
	if (rc.role == NULL)
		rc.role = ucfg_role_add(ps->cfg, rid);
	str_split_list(privs->p, privs->len, role_priv, &rc);
}

#define ACL_ROLES_INLINE 16

struct acl_ctx {
	struct parser *ps;
	const char **roles;	/* role_buf, or a heap array when it fills */
	size_t role_count, role_cap;
	const char *role_buf[ACL_ROLES_INLINE];
	struct acl_node *node;
	bool propagate;
};

static void
acl_push_role(struct acl_ctx *ac, const char *role)
{
	if (ac->role_count == ac->role_cap) {
		const char **grown = xreallocarray(NULL, ac->role_cap * 2,
		    sizeof(*grown));

		memcpy(grown, ac->roles, ac->role_count * sizeof(*grown));
		if (ac->roles != ac->role_buf)
			free(ac->roles);
		ac->roles = grown;
		ac->role_cap *= 2;
	}
	ac->roles[ac->role_count++] = role;
}

static struct role_hit *
role_cache_slot(struct parser *ps, const char *p, size_t len)
{
	size_t n = len < 8 ? len : 8;
	uint64_t w = hmap_word(p, n) ^ hmap_word(p + len - n, n) << 1 ^ len;

	return &ps->roles[(w * UINT64_C(0x9e3779b97f4a7c15)) >>
	    (64 - ROLE_CACHE_BITS)];
}

/* The interned id of the existing role (p,len), or NULL. */
static const char *
known_role(struct parser *ps, const char *p, size_t len)
{
	struct role_hit *hit = role_cache_slot(ps, p, len);
	const char *role;

	if (hit->id != NULL && hit->len == len && memcmp(hit->id, p, len) == 0)
		return hit->id;
	role = strpool_findn(&ps->cfg->pool, p, len);
	if (role == NULL || ucfg_role_i(ps->cfg, role) == NULL)
		return NULL;
	hit->id = role;
	hit->len = len;
	return role;
}

static void
acl_role(const char *p, size_t len, void *arg)
{
	struct acl_ctx *ac = arg;
	const char *role = known_role(ac->ps, p, len);

	/* a known role: its id was checked when the role was added */
	if (role != NULL) {
		acl_push_role(ac, role);
		return;
	}
	if (!id_role_valid(p, len)) {
		warn(ac->ps, true, "ignore invalid role name '%.*s' in acl",
		    (int)len, p);
		return;
	}
	/* a dangling reference: Proxmox drops it on the next write */
	warn(ac->ps, false, "ignore unknown role '%.*s' in acl", (int)len, p);
}

/*
 * The parse is a bulk load: entries are appended, and ucfg_acl_sort (at
 * the end) orders them and merges repeats, the last one's propagate
 * winning as with ucfg_acl_set_interned.
 */
static void
acl_append(struct acl_node *n, enum acl_kind kind, const char *subject,
    const char *role, bool propagate)
{
	struct acl_entry *e;

	if (n->entry_count == n->entry_cap)
		XGROW(n->entries, n->entry_cap, n->entry_count + 1);
	e = &n->entries[n->entry_count++];
	e->subject = subject;
	e->role = role;
	e->kind = (uint8_t)kind;
	e->propagate = propagate;
}

static void
acl_add(struct acl_ctx *ac, enum acl_kind kind, const char *subject)
{
	struct parser *ps = ac->ps;
	size_t i;

	if (ac->role_count == 0)
		return;
	if (ac->node == NULL)
		ac->node = ucfg_acl_node(ps->cfg, buf_str(&ps->path));
	for (i = 0; i < ac->role_count; i++)
		acl_append(ac->node, kind, subject, ac->roles[i],
		    ac->propagate);
}

static void
acl_group(struct acl_ctx *ac, const char *p, size_t len)
{
	struct parser *ps = ac->ps;
	const char *g = ucfg_strn(ps->cfg, p, len);

	/* a known group: its id was checked when the group was added */
	if (ucfg_group_i(ps->cfg, g) == NULL) {
		if (!id_group_valid(g, len)) {
			warn(ps, true, "ignore invalid acl group '%s'", g);
			return;
		}
		warn(ps, false, "ignore invalid acl group '%s'", g);
	}
	acl_add(ac, ACL_GROUP, g);
}

static void
acl_member(const char *p, size_t len, void *arg)
{
	struct acl_ctx *ac = arg;
	struct parser *ps = ac->ps;
	const char *m;

	if (len > 1 && p[0] == '@') {
		acl_group(ac, p + 1, len - 1);
		return;
	}
	m = ucfg_strn(ps->cfg, p, len);
	/* known users and tokens had their ids checked when added */
	if (ucfg_user_i(ps->cfg, m) != NULL) {
		acl_add(ac, ACL_USER, m);
	} else if (ucfg_token_i(ps->cfg, m) != NULL) {
		acl_add(ac, ACL_TOKEN, m);
	} else if (id_user_valid(p, len, NULL)) {
		warn(ps, false, "ignore invalid acl member '%s'", m);
		acl_add(ac, ACL_USER, m);
	} else if (id_token_valid(p, len, NULL)) {
		/* dangling, like an unknown role: not a parse failure */
		warn(ps, false, "ignore invalid acl token '%s'", m);
	} else {
		warn(ps, true, "ignore invalid acl member '%s'", m);
	}
}

static void
parse_acl(struct parser *ps, struct field *f, size_t n)
{
	const struct field *path = FIELD(2);
	struct field members;
	struct acl_ctx ac;

	if (!id_path_normalize(path->p, path->len, &ps->path)) {
		warn(ps, true, "ignore invalid path in acl '%.*s'",
		    (int)path->len, path->p);
		return;
	}
	ac.ps = ps;
	ac.roles = ac.role_buf;
	ac.role_count = 0;
	ac.role_cap = ACL_ROLES_INLINE;
	ac.propagate = str_truthy(FIELD(1)->p, FIELD(1)->len);
	/* looked up here, created on first use (not for an empty line) */
	ac.node = hmap_getn(&ps->cfg->acl_paths, ps->path.data, ps->path.len);
	str_split_list(FIELD(4)->p, FIELD(4)->len, acl_role, &ac);
	members = member_list(ps, FIELD(3), "acl member");
	str_split_list(members.p, members.len, acl_member, &ac);
	if (ac.roles != ac.role_buf)
		free(ac.roles);
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

static void
pool_storage(const char *p, size_t len, void *arg)
{
	struct pool_ctx *pc = arg;

	if (!id_storage_valid(p, len)) {
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
	size_t n = split_fields(p, len, f, MAX_FIELDS);
	static const struct {
		const char *type;
		size_t len;
		void (*fn)(struct parser *, struct field *, size_t);
	} types[] = {
		{"user", 4, parse_user}, {"token", 5, parse_token},
		{"group", 5, parse_group}, {"role", 4, parse_role},
		{"acl", 3, parse_acl}, {"pool", 4, parse_pool},
	};
	size_t i;

	if (memchr(p, '\0', len) != NULL) {
		warn(ps, true, "ignore config line with a NUL byte");
		return;
	}
	for (i = 0; n > 0 && i < ARRAY_SIZE(types); i++) {
		if (types[i].len == f[0].len &&
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
	scan_split_ids(&ps, text, len);
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
	buf_clear(&ps.path);
	buf_clear(&ps.list);
	free(ps.split_ids);
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
