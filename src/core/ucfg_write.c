/*
 * user.cfg writer, byte-identical to Proxmox's (spec 1.3, "Writing
 * algorithm"): five blocks separated by one empty line; users sorted with
 * their tokens; groups, pools and custom roles sorted; ACLs depth-first
 * with members that share a role list merged into one line.
 */
#include "str.h"
#include "ucfg.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

static void
put_text(struct buf *out, const char *s)
{
	/* "0 is empty" holds on write too */
	if (s != NULL && strcmp(s, "0") != 0)
		str_escape_field(out, s);
}

static void
put_plain(struct buf *out, const char *s)
{
	if (s != NULL && strcmp(s, "0") != 0)
		buf_puts(out, s);
}

static void
write_user(struct buf *out, const struct ucfg_user *u)
{
	struct ucfg_token **tokens;
	size_t n, i;

	buf_putf(out, "user:%s:%d:%lld:", u->id, u->enable ? 1 : 0, u->expire);
	put_text(out, u->firstname);
	buf_putc(out, ':');
	put_text(out, u->lastname);
	buf_putc(out, ':');
	put_plain(out, u->email);
	buf_putc(out, ':');
	put_text(out, u->comment);
	buf_putc(out, ':');
	put_plain(out, u->keys);
	buf_puts(out, ":\n");

	tokens = (struct ucfg_token **)hmap_sorted_values(&u->tokens, &n);
	for (i = 0; i < n; i++) {
		buf_putf(out, "token:%s:%lld:%d:", tokens[i]->id,
		    tokens[i]->expire, tokens[i]->privsep ? 1 : 0);
		put_text(out, tokens[i]->comment);
		buf_puts(out, ":\n");
	}
	free(tokens);
}

/*
 * Whether an id may be written as a list item: one that holds a list or
 * field separator would read back as other ids (or break the line).  The
 * API refuses such ids; this is the last guard, should one slip into the
 * model anyway: it is left out, which can only take rights away.
 */
static bool
list_item_ok(const char *s)
{
	/* id_list_safe's separators and ':', in one (vectorised) pass */
	return s[strcspn(s, ",; \t\n\v\f\r:")] == '\0';
}

/* Sorted keys of a set-like hmap, comma-joined. */
static void
put_set(struct buf *out, const struct hmap *set)
{
	const char **keys = xcalloc(set->count + 1, sizeof(*keys));
	size_t it = 0, n = 0, i;
	const char *k;

	while (hmap_next(set, &it, &k, NULL))
		if (list_item_ok(k))
			keys[n++] = k;
	qsort(keys, n, sizeof(*keys), str_cmp_ptr);
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_putc(out, ',');
		buf_puts(out, keys[i]);
	}
	free(keys);
}

static void
write_privs(struct buf *out, privset_t privs)
{
	bool first = true;
	unsigned i;

	for (i = 0; i < PRIV_COUNT; i++) {
		if (privs & (UINT64_C(1) << i)) {
			if (!first)
				buf_putc(out, ',');
			buf_puts(out, priv_name(i));
			first = false;
		}
	}
}

/* One ACL member at one node: its role list for one propagate flag. */
struct acl_line {
	char *member;	/* "@group", user id or token id */
	char *roles;	/* sorted, comma-joined */
};

static int
line_cmp(const void *a, const void *b)
{
	const struct acl_line *x = a, *y = b;
	int c = strcmp(x->roles, y->roles);

	return c != 0 ? c : strcmp(x->member, y->member);
}

static void
collect_member(const struct acl_node *n, size_t first, size_t count,
    bool propagate, struct acl_line **lines, size_t *nlines, size_t *cap)
{
	const char **roles = xcalloc(count + 1, sizeof(*roles));
	const struct acl_entry *e = &n->entries[first];
	struct buf b = BUF_INIT;
	size_t nr = 0, i;

	for (i = 0; i < count; i++)
		if ((bool)e[i].propagate == propagate)
			roles[nr++] = e[i].role;
	if (nr > 0) {
		qsort(roles, nr, sizeof(*roles), str_cmp_ptr);
		for (i = 0; i < nr; i++) {
			if (i > 0)
				buf_putc(&b, ',');
			buf_puts(&b, roles[i]);
		}
		XGROW(*lines, *cap, *nlines + 1);
		if (e->kind == ACL_GROUP) {
			struct buf m = BUF_INIT;

			buf_putf(&m, "@%s", e->subject);
			(*lines)[*nlines].member = buf_steal(&m);
		} else {
			(*lines)[*nlines].member = xstrdup(e->subject);
		}
		(*lines)[*nlines].roles = buf_steal(&b);
		(*nlines)++;
	}
	free(roles);
	buf_clear(&b);
}

static void
write_acl_flag(struct buf *out, const struct acl_node *n, bool propagate)
{
	struct acl_line *lines = NULL;
	size_t nlines = 0, cap = 0, i, j;

	for (i = 0; i < n->entry_count; i = j) {
		const struct acl_entry *e = &n->entries[i];

		for (j = i + 1; j < n->entry_count &&
		     n->entries[j].kind == e->kind &&
		     n->entries[j].subject == e->subject;
		     j++)
			;
		if (e->kind == ACL_USER && strcmp(e->subject, "root@pam") == 0)
			continue;
		if (!list_item_ok(e->subject) ||
		    (e->kind != ACL_GROUP && e->subject[0] == '@'))
			continue;
		collect_member(n, i, j - i, propagate, &lines, &nlines, &cap);
	}
	/* sorted by role list, then member: equal role lists are adjacent */
	if (nlines > 1)
		qsort(lines, nlines, sizeof(*lines), line_cmp);
	for (i = 0; i < nlines; i = j) {
		buf_putf(out, "acl:%d:%s:", propagate ? 1 : 0, n->path);
		for (j = i; j < nlines && strcmp(lines[j].roles,
		    lines[i].roles) == 0; j++) {
			if (j > i)
				buf_putc(out, ',');
			buf_puts(out, lines[j].member);
		}
		buf_putf(out, ":%s:\n", lines[i].roles);
	}
	for (i = 0; i < nlines; i++) {
		free(lines[i].member);
		free(lines[i].roles);
	}
	free(lines);
}

static void
write_acl(struct buf *out, const struct acl_node *n)
{
	size_t i;

	write_acl_flag(out, n, false);
	write_acl_flag(out, n, true);
	for (i = 0; i < n->child_count; i++)
		write_acl(out, n->children[i]);
}

void
ucfg_write(const struct ucfg *cfg, struct buf *out)
{
	void **v;
	size_t n, i;

	v = hmap_sorted_values(&cfg->users, &n);
	for (i = 0; i < n; i++)
		write_user(out, v[i]);
	free(v);
	buf_putc(out, '\n');

	v = hmap_sorted_values(&cfg->groups, &n);
	for (i = 0; i < n; i++) {
		const struct ucfg_group *g = v[i];

		buf_putf(out, "group:%s:", g->id);
		put_set(out, &g->members);
		buf_putc(out, ':');
		put_text(out, g->comment);
		buf_puts(out, ":\n");
	}
	free(v);
	buf_putc(out, '\n');

	v = hmap_sorted_values(&cfg->pools, &n);
	for (i = 0; i < n; i++) {
		const struct ucfg_pool *p = v[i];

		buf_putf(out, "pool:%s:", p->id);
		put_text(out, p->comment);
		buf_putc(out, ':');
		put_set(out, &p->vms);
		buf_putc(out, ':');
		put_set(out, &p->storage);
		buf_puts(out, ":\n");
	}
	free(v);
	buf_putc(out, '\n');

	v = hmap_sorted_values(&cfg->roles, &n);
	for (i = 0; i < n; i++) {
		const struct ucfg_role *r = v[i];

		if (r->special)
			continue;
		buf_putf(out, "role:%s:", r->id);
		write_privs(out, r->privs);
		buf_puts(out, ":\n");
	}
	free(v);
	buf_putc(out, '\n');

	write_acl(out, cfg->acl_root);
}
