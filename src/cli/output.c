/*
 * CLI output in Proxmox's layout.  pveum's users feed its tables, JSON and
 * YAML to scripts, so every detail here (border characters, the row order,
 * how a boolean or a nested object looks in a cell, where YAML quotes a
 * string or folds a long line) follows what Proxmox's Perl formatter and
 * the Perl JSON/YAML encoders behind it print, not what would be tidiest.
 * The JSON and YAML writers are our own instead of jansson's dumper and
 * libyaml because their byte output differs in small ways (escapes, number
 * format, indentation) and we need exact control.
 */
#include "output.h"

#include "buf.h"
#include "str.h"
#include "utf8.h"
#include "xalloc.h"

#include <langinfo.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

/* ---- UTF-8 -------------------------------------------------------- */

/*
 * Decode the code point at s[*i] and advance *i.  jansson strings are
 * valid UTF-8; a malformed byte is taken as one code point of its own.
 */
static unsigned long
u8_next(const char *s, size_t len, size_t *i)
{
	const unsigned char *u = (const unsigned char *)s + *i;
	size_t n = utf8_seq_len(u, len - *i);
	unsigned long cp;
	size_t k;

	if (n <= 1) {
		*i += 1;
		return u[0];
	}
	cp = u[0] & (n == 2 ? 0x1f : n == 3 ? 0x0f : 0x07);
	for (k = 1; k < n; k++)
		cp = (cp << 6) | (u[k] & 0x3f);
	*i += n;
	return cp;
}

/* Display width in code points, as Perl's length() on a decoded string. */
static size_t
u8_width(const char *s, size_t len)
{
	size_t i = 0, w = 0;

	while (i < len) {
		u8_next(s, len, &i);
		w++;
	}
	return w;
}

/* Bytes taken by the first nchars code points of s. */
static size_t
u8_prefix(const char *s, size_t len, size_t nchars)
{
	size_t i = 0;

	while (i < len && nchars > 0) {
		u8_next(s, len, &i);
		nchars--;
	}
	return i;
}

static void
u8_put(struct buf *b, unsigned long cp)
{
	if (cp < 0x80) {
		buf_putc(b, (char)cp);
	} else if (cp < 0x800) {
		buf_putc(b, (char)(0xc0 | (cp >> 6)));
		buf_putc(b, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		buf_putc(b, (char)(0xe0 | (cp >> 12)));
		buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
		buf_putc(b, (char)(0x80 | (cp & 0x3f)));
	} else {
		buf_putc(b, (char)(0xf0 | (cp >> 18)));
		buf_putc(b, (char)(0x80 | ((cp >> 12) & 0x3f)));
		buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
		buf_putc(b, (char)(0x80 | (cp & 0x3f)));
	}
}

/* jansson's iterators take non-const pointers; we never modify. */
static json_t *
unconst(const json_t *v)
{
	return (json_t *)(uintptr_t)v;
}

/* ---- Perl scalar semantics ----------------------------------------- */

/* Perl prints a floating point value with 15 significant digits. */
static void
put_real(struct buf *b, double d)
{
	buf_putf(b, "%.15g", d);
}

static void
put_integer(struct buf *b, json_int_t v)
{
	buf_putf(b, "%" JSON_INTEGER_FORMAT, v);
}

/* Perl truthiness of an API value. */
static bool
perl_true(const json_t *v)
{
	const char *s;

	if (v == NULL)
		return false;
	switch (json_typeof(v)) {
	case JSON_NULL:
	case JSON_FALSE:
		return false;
	case JSON_TRUE:
	case JSON_OBJECT:
	case JSON_ARRAY:
		return true;
	case JSON_INTEGER:
		return json_integer_value(v) != 0;
	case JSON_REAL:
		return json_real_value(v) != 0.0;
	case JSON_STRING:
		s = json_string_value(v);
		return !(s[0] == '\0' || (s[0] == '0' && s[1] == '\0'));
	}
	return false;
}

/* Perl numification: the longest numeric prefix, 0 if there is none. */
static double
perl_num(const json_t *v)
{
	const char *s;
	char *end;
	double d;

	if (v == NULL)
		return 0;
	switch (json_typeof(v)) {
	case JSON_INTEGER:
		return (double)json_integer_value(v);
	case JSON_REAL:
		return json_real_value(v);
	case JSON_TRUE:
		return 1;
	case JSON_STRING:
		s = json_string_value(v);
		while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
			s++;
		/* strtod would also take hex and "infinity" forms: fine */
		if ((s[0] == '0' && (s[1] == 'x' || s[1] == 'X')))
			return 0;
		d = strtod(s, &end);
		return end == s ? 0 : d;
	default:
		return 0;
	}
}

/* Perl's looks_like_number() on a string. */
static bool
perl_looks_like_number(const char *s, size_t len)
{
	size_t i = 0, digits = 0;
	static const char *const specials[] = {"inf", "infinity", "nan"};
	size_t k;

	if (len == 10 && memcmp(s, "0 but true", 10) == 0)
		return true;
	while (i < len && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')))
		i++;
	if (i < len && (s[i] == '+' || s[i] == '-'))
		i++;
	for (k = 0; k < ARRAY_SIZE(specials); k++) {
		size_t n = strlen(specials[k]);

		if (len - i >= n && strncasecmp(s + i, specials[k], n) == 0) {
			size_t j = i + n;

			while (j < len && (s[j] == ' ' ||
			    (s[j] >= '\t' && s[j] <= '\r')))
				j++;
			if (j == len)
				return true;
		}
	}
	while (i < len && s[i] >= '0' && s[i] <= '9') {
		i++;
		digits++;
	}
	if (i < len && s[i] == '.') {
		i++;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			i++;
			digits++;
		}
	}
	if (digits == 0)
		return false;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		size_t e = 0;

		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			i++;
			e++;
		}
		if (e == 0)
			return false;
	}
	while (i < len && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')))
		i++;
	return i == len;
}

/* Object keys in byte order (what Perl's canonical/sorted dumps use). */
static const char **
sorted_keys(const json_t *obj, size_t *count_r)
{
	const char **keys;
	const char *key;
	json_t *val;
	size_t n = 0;

	keys = xcalloc(json_object_size(obj) + 1, sizeof(*keys));
	json_object_foreach(unconst(obj), key, val)
		keys[n++] = key;
	qsort(keys, n, sizeof(*keys), str_cmp_ptr);
	*count_r = n;
	return keys;
}

/* ---- JSON, as Perl's JSON module writes it -------------------------- */

/*
 * Escapes as JSON::XS does: the two-character forms for \b \f \n \r \t,
 * other control characters as \u00xx with lower-case hex, '/' and
 * everything from 0x7f up left as is (UTF-8 output).
 */
static void
json_put_str(struct buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	buf_putc(b, '"');
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '"':
			buf_puts(b, "\\\"");
			break;
		case '\\':
			buf_puts(b, "\\\\");
			break;
		case '\b':
			buf_puts(b, "\\b");
			break;
		case '\f':
			buf_puts(b, "\\f");
			break;
		case '\n':
			buf_puts(b, "\\n");
			break;
		case '\r':
			buf_puts(b, "\\r");
			break;
		case '\t':
			buf_puts(b, "\\t");
			break;
		default:
			if (c < 0x20) {
				buf_puts(b, "\\u00");
				buf_putc(b, hex[c >> 4]);
				buf_putc(b, hex[c & 0xf]);
			} else {
				buf_putc(b, (char)c);
			}
		}
	}
	buf_putc(b, '"');
}

static void
json_put_indent(struct buf *b, unsigned level)
{
	unsigned i;

	buf_putc(b, '\n');
	for (i = 0; i < level * 3; i++)
		buf_putc(b, ' ');
}

/* pretty: JSON::XS's pretty mode, 3-space indent and "key" : value. */
static void
json_put(struct buf *b, const json_t *v, bool pretty, unsigned level)
{
	size_t i, n;

	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char **keys = sorted_keys(v, &n);

		buf_putc(b, '{');
		for (i = 0; i < n; i++) {
			if (i > 0)
				buf_putc(b, ',');
			if (pretty)
				json_put_indent(b, level + 1);
			json_put_str(b, keys[i], strlen(keys[i]));
			buf_puts(b, pretty ? " : " : ":");
			json_put(b, json_object_get(v, keys[i]), pretty,
			    level + 1);
		}
		if (pretty && n > 0)
			json_put_indent(b, level);
		buf_putc(b, '}');
		free(keys);
		break;
	}
	case JSON_ARRAY:
		n = json_array_size(v);
		buf_putc(b, '[');
		for (i = 0; i < n; i++) {
			if (i > 0)
				buf_putc(b, ',');
			if (pretty)
				json_put_indent(b, level + 1);
			json_put(b, json_array_get(v, i), pretty, level + 1);
		}
		if (pretty && n > 0)
			json_put_indent(b, level);
		buf_putc(b, ']');
		break;
	case JSON_STRING:
		json_put_str(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		put_integer(b, json_integer_value(v));
		break;
	case JSON_REAL:
		put_real(b, json_real_value(v));
		break;
	case JSON_TRUE:
		buf_puts(b, "true");
		break;
	case JSON_FALSE:
		buf_puts(b, "false");
		break;
	case JSON_NULL:
		buf_puts(b, "null");
		break;
	}
}

/* ---- cell text ------------------------------------------------------ */

static void
render_duration(struct buf *b, double secs)
{
	static const struct {
		char unit;
		long long len;
	} steps[] = {
		{'w', 7 * 24 * 3600}, {'d', 24 * 3600}, {'h', 3600},
		{'m', 60}, {'s', 1},
	};
	long long rest = llround(secs);
	size_t start = b->len, i;

	if (rest == 0) {
		buf_puts(b, "0s");
		return;
	}
	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		long long v = rest / steps[i].len;

		if (v > 0) {
			if (b->len > start)
				buf_putc(b, ' ');
			buf_putf(b, "%lld%c", v, steps[i].unit);
			rest -= v * steps[i].len;
		}
	}
}

static void
render_bytes(struct buf *b, double v)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB",
	    "PiB"};
	int unit = 0;

	if (v > 1023) {
		unit = (int)(log(v) / log(1024));
		v /= pow(1024, unit);
	}
	/* Perl prints an empty unit past PiB (undefined array element) */
	buf_putf(b, "%.2f %s", v,
	    unit < (int)ARRAY_SIZE(units) ? units[unit] : "");
}

static bool
render(struct buf *b, const char *renderer, const json_t *v)
{
	double d = perl_num(v);
	char tbuf[64];
	struct tm tm;
	time_t t;

	if (strcmp(renderer, "timestamp") == 0 ||
	    strcmp(renderer, "timestamp_gmt") == 0) {
		t = (time_t)d;
		if (renderer[9] == '\0')
			localtime_r(&t, &tm);
		else
			gmtime_r(&t, &tm);
		if (strftime(tbuf, sizeof(tbuf), "%F %H:%M:%S", &tm) == 0)
			tbuf[0] = '\0';
		buf_puts(b, tbuf);
	} else if (strcmp(renderer, "duration") == 0) {
		render_duration(b, d);
	} else if (strcmp(renderer, "fraction_as_percentage") == 0) {
		buf_putf(b, "%.2f%%", d * 100);
	} else if (strcmp(renderer, "bytes") == 0) {
		render_bytes(b, d);
	} else {
		return false;
	}
	return true;
}

/* A value as Perl's "$data" shows it; references become compact JSON. */
static void
plain_text(struct buf *b, const json_t *v)
{
	if (v == NULL)
		return;
	switch (json_typeof(v)) {
	case JSON_STRING:
		buf_put(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		put_integer(b, json_integer_value(v));
		break;
	case JSON_REAL:
		put_real(b, json_real_value(v));
		break;
	case JSON_NULL:
		break;
	default:
		/* objects, arrays and JSON booleans are references in Perl */
		json_put(b, v, false, 0);
	}
}

/* The text of one table cell (Proxmox's data_to_text). */
static void
cell_text(struct buf *b, const json_t *v, const struct out_prop *prop,
    const struct out_opts *opts)
{
	if (v == NULL || json_is_null(v))
		return;
	if (opts->human_readable && prop != NULL) {
		if (prop->type == OT_BOOLEAN) {
			buf_putc(b, perl_true(v) ? '1' : '0');
			return;
		}
		if (prop->renderer != NULL && render(b, prop->renderer, v))
			return;
	}
	plain_text(b, v);
}

/* ---- text tables ---------------------------------------------------- */

/* A cell's lines are spans [first, first + nlines) of the table's lines. */
struct cell {
	size_t first;
	size_t nlines;
};

/* One line of a cell: bytes [off, off + len) of the table's text arena. */
struct span {
	size_t off, len;
};

struct row {
	const json_t *obj;
	size_t index;	/* original position: keeps the sort stable */
	size_t height;
	struct cell *cells;
};

struct table {
	const struct out_prop *const *cols;
	size_t ncols;
	size_t *width;
	struct row *rows;
	size_t nrows;
	const struct out_opts *opts;
	bool utf8;	/* box drawing characters and UTF-8 text */
	unsigned columns;	/* line cut, 0: none */
	struct buf line;	/* reused for every printed line */
	struct buf borders[4];	/* each border line, built once */
	struct buf text;	/* every cell's text, one after another */
	struct span *spans;	/* every cell's lines */
	size_t nspans, spans_cap;
};

/*
 * Split the cell text at [start, end) of t->text into lines, as Perl's
 * split(/\n/, $text) does: trailing empty fields are dropped.
 */
static void
cell_split(struct table *t, struct cell *c, size_t start, size_t end)
{
	size_t i, from = start;

	c->first = t->nspans;
	c->nlines = 0;
	for (i = start; i <= end; i++) {
		if (i < end && t->text.data[i] != '\n')
			continue;
		XGROW(t->spans, t->spans_cap, t->nspans + 1);
		t->spans[t->nspans++] = (struct span){from, i - from};
		c->nlines++;
		from = i + 1;
	}
	while (c->nlines > 0 && t->spans[c->first + c->nlines - 1].len == 0) {
		c->nlines--;
		t->nspans--;
	}
}

static bool
prop_is_numeric(const struct out_prop *p)
{
	return p != NULL && (p->type == OT_INTEGER || p->type == OT_NUMBER);
}

static const struct table *sort_table;

/* PVE::Tools::safe_compare: undefined first, then <=> or cmp. */
static int
row_cmp(const void *pa, const void *pb)
{
	const struct row *a = pa, *b = pb;
	const struct out_prop *key = sort_table->cols[0];
	const json_t *va = NULL, *vb = NULL;
	int r = 0;

	if (json_is_object(a->obj))
		va = json_object_get(a->obj, key->name);
	if (json_is_object(b->obj))
		vb = json_object_get(b->obj, key->name);
	if (va != NULL && json_is_null(va))
		va = NULL;
	if (vb != NULL && json_is_null(vb))
		vb = NULL;
	if (va == NULL || vb == NULL) {
		r = (va == NULL) - (vb == NULL);
		r = -r;
	} else if (prop_is_numeric(key)) {
		double x = perl_num(va), y = perl_num(vb);

		r = (x > y) - (x < y);
	} else {
		struct buf sa = BUF_INIT, sb = BUF_INIT;

		plain_text(&sa, va);
		plain_text(&sb, vb);
		r = strcmp(buf_str(&sa), buf_str(&sb));
		buf_clear(&sa);
		buf_clear(&sb);
	}
	if (r == 0)
		r = (a->index > b->index) - (a->index < b->index);
	return r;
}

static bool
locale_is_utf8(void)
{
	const char *cur = setlocale(LC_CTYPE, NULL);
	char *saved = cur != NULL ? xstrdup(cur) : NULL;
	bool utf8 = false;

	if (setlocale(LC_CTYPE, "") != NULL)
		utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	if (saved != NULL) {
		setlocale(LC_CTYPE, saved);
		free(saved);
	}
	return utf8;
}

/*
 * Print one line: cut to the terminal width, then encode.  Outside a
 * UTF-8 locale Proxmox encodes to the locale's charset, which turns
 * every character it cannot represent into '?'.
 */
static void
table_writeln(FILE *f, const struct table *t, const char *s, size_t len)
{
	size_t i = 0;

	if (t->columns > 0)
		len = u8_prefix(s, len, t->columns);
	if (t->utf8) {
		fwrite(s, 1, len, f);
	} else {
		while (i < len) {
			unsigned long cp = u8_next(s, len, &i);

			fputc(cp < 0x80 ? (int)cp : '?', f);
		}
	}
	fputc('\n', f);
}

enum border_kind { B_TOP, B_HEAD, B_MID, B_BOT };

static void
table_border(FILE *f, struct table *t, enum border_kind kind)
{
	/* left, junction, right, horizontal */
	static const char *const utf8[4][4] = {
		[B_TOP] = {"┌", "┬", "┐", "─"},
		[B_HEAD] = {"╞", "╪", "╡", "═"},
		[B_MID] = {"├", "┼", "┤", "─"},
		[B_BOT] = {"└", "┴", "┘", "─"},
	};
	static const char *const ascii[4][4] = {
		[B_TOP] = {"+", "+", "+", "-"},
		[B_HEAD] = {"+", "+", "+", "="},
		[B_MID] = {"+", "+", "+", "-"},
		[B_BOT] = {"+", "+", "+", "-"},
	};
	const char *const *ch = t->utf8 ? utf8[kind] : ascii[kind];
	/* the same line between every row: build it once per table */
	struct buf *line = &t->borders[kind];
	size_t i, k;

	if (line->len == 0) {
		for (i = 0; i < t->ncols; i++) {
			buf_puts(line, i == 0 ? ch[0] : ch[1]);
			for (k = 0; k < t->width[i] + 2; k++)
				buf_puts(line, ch[3]);
		}
		/* Proxmox's ASCII header rule of a one-column table has no end */
		if (!(kind == B_HEAD && !t->utf8 && t->ncols == 1))
			buf_puts(line, ch[2]);
	}
	table_writeln(f, t, buf_str(line), line->len);
}

static void
pad(struct buf *b, size_t n)
{
	static const char spaces[] = "                                ";

	while (n > 0) {
		size_t k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;

		buf_put(b, spaces, k);
		n -= k;
	}
}

/* One printed line from per-column texts (Proxmox's format string). */
static void
table_line(FILE *f, struct table *t, const char *const *txt,
    const size_t *len)
{
	bool border = !t->opts->noborder;
	const char *bar = t->utf8 ? "│" : "|";
	struct buf *line = &t->line;
	size_t i;

	buf_reset(line);
	for (i = 0; i < t->ncols; i++) {
		bool last = i + 1 == t->ncols;
		size_t w = u8_width(txt[i], len[i]);
		size_t fill = w < t->width[i] ? t->width[i] - w : 0;
		bool right = prop_is_numeric(t->cols[i]);

		if (border) {
			buf_puts(line, bar);
			buf_putc(line, ' ');
		}
		if (!border && last) {
			/* no alignment on the last column without borders */
			buf_put(line, txt[i], len[i]);
			break;
		}
		if (right)
			pad(line, fill);
		buf_put(line, txt[i], len[i]);
		if (!right)
			pad(line, fill);
		buf_putc(line, ' ');
		if (border && last)
			buf_puts(line, bar);
	}
	table_writeln(f, t, buf_str(line), line->len);
}

static void
table_print(FILE *f, struct table *t)
{
	bool border = !t->opts->noborder, header = !t->opts->noheader;
	const char **txt = xcalloc(t->ncols, sizeof(*txt));
	size_t *len = xcalloc(t->ncols, sizeof(*len));
	enum border_kind sep;
	size_t r, c, l;

	if (border)
		table_border(f, t, B_TOP);
	if (header) {
		for (c = 0; c < t->ncols; c++) {
			const struct out_prop *p = t->cols[c];

			txt[c] = p->title != NULL ? p->title : p->name;
			len[c] = strlen(txt[c]);
		}
		table_line(f, t, txt, len);
	}
	sep = header ? B_HEAD : B_MID;
	for (r = 0; r < t->nrows; r++) {
		const struct row *row = &t->rows[r];

		if (border && (r != 0 || header)) {
			table_border(f, t, sep);
			sep = B_MID;
		}
		for (l = 0; l < row->height; l++) {
			for (c = 0; c < t->ncols; c++) {
				const struct cell *cell = &row->cells[c];

				if (l < cell->nlines) {
					const struct span *sp =
					    &t->spans[cell->first + l];

					txt[c] = t->text.data + sp->off;
					len[c] = sp->len;
				} else {
					txt[c] = "";
					len[c] = 0;
				}
			}
			table_line(f, t, txt, len);
		}
	}
	if (border)
		table_border(f, t, B_BOT);
	free(txt);
	free(len);
}

static unsigned
terminal_columns(FILE *f)
{
	struct winsize ws;
	int fd = fileno(f);

	if (fd < 0 || !isatty(fd))
		return 0;
	if (ioctl(fd, TIOCGWINSZ, &ws) != 0)
		return 0;
	return ws.ws_col;
}

/*
 * Print rows (objects, or scalars wrapped by the caller) as a table with
 * the given columns (Proxmox's print_text_table).
 */
static void
print_table(FILE *f, const json_t *rows, const struct out_prop *const *cols,
    size_t ncols, const struct out_opts *opts)
{
	struct table t = {0};
	size_t r, c;

	t.cols = cols;
	t.ncols = ncols;
	t.opts = opts;
	t.nrows = json_array_size(rows);
	t.utf8 = opts->charset == OUT_CHARSET_UTF8 ||
	    (opts->charset == OUT_CHARSET_AUTO && locale_is_utf8());
	t.columns = opts->columns != 0 ? opts->columns : terminal_columns(f);
	t.rows = xcalloc(t.nrows + 1, sizeof(*t.rows));
	t.width = xcalloc(ncols + 1, sizeof(*t.width));

	for (r = 0; r < t.nrows; r++) {
		t.rows[r].obj = json_array_get(rows, r);
		t.rows[r].index = r;
	}
	if (ncols > 0) {
		sort_table = &t;
		/* API listings usually come sorted already: check first */
		for (r = 1; r < t.nrows; r++)
			if (row_cmp(&t.rows[r - 1], &t.rows[r]) > 0)
				break;
		if (r < t.nrows)
			qsort(t.rows, t.nrows, sizeof(*t.rows), row_cmp);
		sort_table = NULL;
	}
	XGROW(t.spans, t.spans_cap, t.nrows * ncols + 1);

	for (c = 0; c < ncols; c++) {
		const char *title = cols[c]->title != NULL ? cols[c]->title :
		    cols[c]->name;

		t.width[c] = u8_width(title, strlen(title));
	}
	for (r = 0; r < t.nrows; r++) {
		struct row *row = &t.rows[r];

		row->cells = xcalloc(ncols + 1, sizeof(*row->cells));
		row->height = 1;
		for (c = 0; c < ncols; c++) {
			struct cell *cell = &row->cells[c];
			const json_t *v = NULL;
			size_t l, start = t.text.len;

			if (json_is_object(row->obj))
				v = json_object_get(row->obj, cols[c]->name);
			cell_text(&t.text, v, cols[c], opts);
			cell_split(&t, cell, start, t.text.len);
			if (cell->nlines > row->height)
				row->height = cell->nlines;
			for (l = 0; l < cell->nlines; l++) {
				const struct span *sp = &t.spans[cell->first + l];
				size_t w = u8_width(t.text.data + sp->off,
				    sp->len);

				if (w > t.width[c])
					t.width[c] = w;
			}
		}
	}

	table_print(f, &t);

	for (r = 0; r < t.nrows; r++)
		free(t.rows[r].cells);
	buf_clear(&t.text);
	free(t.spans);
	free(t.rows);
	buf_clear(&t.line);
	for (r = 0; r < 4; r++)
		buf_clear(&t.borders[r]);
	free(t.width);
}

static int
prop_cmp(const void *pa, const void *pb)
{
	const struct out_prop *a = *(const struct out_prop *const *)pa;
	const struct out_prop *b = *(const struct out_prop *const *)pb;

	if (a->optional != b->optional)
		return a->optional ? 1 : -1;
	return strcmp(a->name, b->name);
}

/*
 * Columns: required properties sorted, then optional ones sorted; without
 * a schema every key found in the rows, sorted.  *store_r receives
 * properties made up for the keys (free with free_cols()).
 */
static const struct out_prop **
list_cols(const json_t *rows, const struct out_prop *props, size_t nprops,
    size_t *ncols_r, struct out_prop **store_r)
{
	const struct out_prop **cols;
	size_t i;

	*store_r = NULL;
	if (nprops > 0) {
		cols = xcalloc(nprops, sizeof(*cols));
		for (i = 0; i < nprops; i++)
			cols[i] = &props[i];
		qsort(cols, nprops, sizeof(*cols), prop_cmp);
		*ncols_r = nprops;
		return cols;
	} else {
		json_t *all = json_object();
		const json_t *row;
		const char **keys;
		const char *key;
		json_t *val;
		size_t n;

		json_array_foreach(unconst(rows), i, row) {
			if (!json_is_object(row))
				continue;
			json_object_foreach(unconst(row), key, val)
				json_object_set(all, key, json_null());
		}
		keys = sorted_keys(all, &n);
		*store_r = xcalloc(n + 1, sizeof(**store_r));
		cols = xcalloc(n + 1, sizeof(*cols));
		for (i = 0; i < n; i++) {
			(*store_r)[i].name = xstrdup(keys[i]);
			(*store_r)[i].type = OT_STRING;
			cols[i] = &(*store_r)[i];
		}
		free(keys);
		json_decref(all);
		*ncols_r = n;
		return cols;
	}
}

static void
free_cols(const struct out_prop **cols, struct out_prop *store, size_t n)
{
	size_t i;

	if (store != NULL) {
		for (i = 0; i < n; i++)
			free((char *)(uintptr_t)store[i].name);
	}
	free(store);
	free(cols);
}

static void
print_object_text(FILE *f, const json_t *data, const struct out_prop *props,
    size_t nprops, const struct out_opts *opts)
{
	static const struct out_prop kv[2] = {
		{"key", OT_STRING, false, NULL, NULL},
		{"value", OT_STRING, false, NULL, NULL},
	};
	const struct out_prop *kvcols[2] = {&kv[0], &kv[1]};
	/* the key/value rows go through a plain table: no per-cell schema */
	struct out_opts table_opts = *opts;
	json_t *rows = json_array();
	const struct out_prop **cols;
	struct out_prop *store;
	json_t *wrap;
	size_t i, n;

	wrap = json_array();
	json_array_append(wrap, unconst(data));
	cols = list_cols(wrap, props, nprops, &n, &store);
	json_decref(wrap);
	for (i = 0; i < n; i++) {
		const json_t *v = json_object_get(data, cols[i]->name);
		struct buf b = BUF_INIT;

		if (v == NULL || json_is_null(v))
			continue;
		cell_text(&b, v, nprops > 0 ? cols[i] : NULL, opts);
		json_array_append_new(rows, json_pack("{s:s,s:s}", "key",
		    cols[i]->name, "value", buf_str(&b)));
		buf_clear(&b);
	}
	print_table(f, rows, kvcols, 2, &table_opts);
	json_decref(rows);
	free_cols(cols, store, n);
}

static void
print_text(FILE *f, const json_t *data, const struct out_prop *props,
    size_t nprops, const struct out_opts *opts)
{
	struct buf b = BUF_INIT;

	switch (json_typeof(data)) {
	case JSON_OBJECT:
		print_object_text(f, data, props, nprops, opts);
		return;
	case JSON_ARRAY:
		if (json_array_size(data) == 0)
			return;
		if (json_is_object(json_array_get(data, 0))) {
			const struct out_prop **cols;
			struct out_prop *store;
			size_t n;

			cols = list_cols(data, props, nprops, &n, &store);
			if (n > 0)
				print_table(f, data, cols, n, opts);
			free_cols(cols, store, n);
		} else {
			/* a one-column table of "value", never a header */
			struct out_prop item = {"value", OT_STRING, false,
			    NULL, NULL};
			const struct out_prop *col = &item;
			struct out_opts o = *opts;
			json_t *rows = json_array();
			size_t i;
			json_t *v;

			if (nprops == 1) {
				item = props[0];
				item.name = "value";
			}
			o.noheader = true;
			json_array_foreach(unconst(data), i, v)
				json_array_append_new(rows,
				    json_pack("{s:O}", "value", v));
			print_table(f, rows, &col, 1, &o);
			json_decref(rows);
		}
		return;
	case JSON_TRUE:
		/* a JSON::PP::Boolean stringifies as 1 / 0 */
		fputs("1\n", f);
		return;
	case JSON_FALSE:
		fputs("0\n", f);
		return;
	default:
		plain_text(&b, data);
		buf_putc(&b, '\n');
		fwrite(b.data, 1, b.len, f);
		buf_clear(&b);
	}
}

/* ---- YAML, as YAML::XS (libyaml) writes it --------------------------- */

#define YAML_WIDTH	    80	/* libyaml's default best width */
#define YAML_SIMPLE_KEY_MAX 128	/* longer keys take the "? " form */

struct yem {
	struct buf *b;
	size_t column;		/* in code points, as libyaml counts */
	bool indention;		/* only indentation on this line so far */
	bool open_ended;	/* a "|+" scalar was written: end with "..." */
};

enum ystyle { Y_PLAIN, Y_SINGLE, Y_DOUBLE, Y_LITERAL };
enum yctx { Y_ROOT, Y_MAPVAL, Y_SEQITEM };

static void
y_cp(struct yem *e, unsigned long cp)
{
	u8_put(e->b, cp);
	e->column++;
	if (cp != ' ')
		e->indention = false;
}

static void
y_str(struct yem *e, const char *s)
{
	while (*s != '\0')
		y_cp(e, (unsigned char)*s++);
}

/* Start a new line at indent unless we are already at its start. */
static void
y_indent(struct yem *e, size_t indent)
{
	if (!e->indention || e->column > indent) {
		buf_putc(e->b, '\n');
		e->column = 0;
	}
	while (e->column < indent)
		y_cp(e, ' ');
	e->indention = true;
}

static void
y_newline(struct yem *e, size_t indent)
{
	buf_putc(e->b, '\n');
	e->column = 0;
	while (e->column < indent)
		y_cp(e, ' ');
	e->indention = true;
}

static bool
y_printable(unsigned long cp)
{
	return cp == 0x0a || (cp >= 0x20 && cp <= 0x7e) ||
	    (cp >= 0xa0 && cp <= 0xd7ff) ||
	    (cp >= 0xe000 && cp <= 0xfffd && cp != 0xfeff);
}

static bool
y_break(unsigned long cp)
{
	return cp == '\r' || cp == '\n' || cp == 0x85 || cp == 0x2028 ||
	    cp == 0x2029;
}

static bool
y_blankz(const char *s, size_t len, size_t i)
{
	unsigned long cp;

	if (i >= len)
		return true;
	cp = u8_next(s, len, &i);
	return cp == ' ' || cp == '\t' || y_break(cp);
}

struct yscan {
	bool multiline, block_plain, single, block;
};

/* libyaml's scalar analysis (block context only: we never nest flows). */
static void
y_analyze(const char *s, size_t len, struct yscan *r)
{
	bool block_ind = false, special = false, line_breaks = false;
	bool lead_space = false, lead_break = false;
	bool trail_space = false, trail_break = false;
	bool break_space = false, space_break = false;
	bool prev_space = false, prev_break = false;
	bool preceded_ws = true, followed_ws;
	size_t i = 0;

	if (len >= 3 && (memcmp(s, "---", 3) == 0 || memcmp(s, "...", 3) == 0))
		block_ind = true;
	{
		size_t j = 0;

		if (len > 0)
			u8_next(s, len, &j);
		followed_ws = y_blankz(s, len, j);
	}
	while (i < len) {
		size_t start = i;
		unsigned long cp = u8_next(s, len, &i);
		bool first = start == 0, last = i >= len;

		if (first) {
			if (cp > 0 && cp < 0x80 &&
			    strchr("#,[]{}&*!|>'\"%@`", (int)cp) != NULL)
				block_ind = true;
			if ((cp == '?' || cp == ':' || cp == '-') &&
			    followed_ws)
				block_ind = true;
		} else {
			if (cp == ':' && followed_ws)
				block_ind = true;
			if (cp == '#' && preceded_ws)
				block_ind = true;
		}
		if (!y_printable(cp))
			special = true;
		if (y_break(cp))
			line_breaks = true;
		if (cp == ' ') {
			if (first)
				lead_space = true;
			if (last)
				trail_space = true;
			if (prev_break)
				break_space = true;
			prev_space = true;
			prev_break = false;
		} else if (y_break(cp)) {
			if (first)
				lead_break = true;
			if (last)
				trail_break = true;
			if (prev_space)
				space_break = true;
			prev_break = true;
			prev_space = false;
		} else {
			prev_space = prev_break = false;
		}
		preceded_ws = cp == ' ' || cp == '\t' || y_break(cp);
		if (!last) {
			size_t j = i;

			u8_next(s, len, &j);
			followed_ws = y_blankz(s, len, j);
		}
	}
	r->multiline = line_breaks;
	r->block_plain = r->single = r->block = true;
	if (lead_space || lead_break || trail_space || trail_break)
		r->block_plain = false;
	if (trail_space)
		r->block = false;
	if (break_space)
		r->block_plain = r->single = false;
	if (space_break || special)
		r->block_plain = r->single = r->block = false;
	if (line_breaks || block_ind)
		r->block_plain = false;
}

/*
 * The style YAML::XS asks for (single quotes for strings that would read
 * back as something else, literal or double-quoted for multi-line text),
 * then libyaml's fallbacks when that style cannot hold the text.
 */
static enum ystyle
y_style(const char *s, size_t len, bool key, struct yscan *scan)
{
	enum ystyle st = Y_PLAIN;

	y_analyze(s, len, scan);
	if (len == 0 || (len == 1 && s[0] == '~') ||
	    (len == 4 && memcmp(s, "true", 4) == 0) ||
	    (len == 5 && memcmp(s, "false", 5) == 0) ||
	    (len == 4 && memcmp(s, "null", 4) == 0) ||
	    perl_looks_like_number(s, len))
		st = Y_SINGLE;
	else if (memchr(s, '\n', len) != NULL)
		st = len > 30 ? Y_LITERAL : Y_DOUBLE;
	if (st == Y_PLAIN && !scan->block_plain)
		st = Y_SINGLE;
	if (st == Y_SINGLE && !scan->single)
		st = Y_DOUBLE;
	if (st == Y_LITERAL && (!scan->block || key))
		st = Y_DOUBLE;
	return st;
}

static void
y_write_plain(struct yem *e, const char *s, size_t len, size_t indent,
    bool breaks_ok)
{
	bool spaces = false;
	size_t i = 0;

	while (i < len) {
		unsigned long cp = u8_next(s, len, &i);

		if (cp == ' ') {
			if (breaks_ok && !spaces && e->column > YAML_WIDTH &&
			    !(i < len && s[i] == ' '))
				y_newline(e, indent);
			else
				y_cp(e, ' ');
			spaces = true;
		} else {
			y_cp(e, cp);
			spaces = false;
		}
	}
}

static void
y_write_single(struct yem *e, const char *s, size_t len, size_t indent,
    bool breaks_ok)
{
	bool spaces = false, breaks = false;
	size_t i = 0, pos = 0, nchars = u8_width(s, len);

	y_cp(e, '\'');
	while (i < len) {
		unsigned long cp = u8_next(s, len, &i);

		if (cp == ' ') {
			if (breaks_ok && !spaces && e->column > YAML_WIDTH &&
			    pos != 0 && pos + 1 != nchars &&
			    !(i < len && s[i] == ' '))
				y_newline(e, indent);
			else
				y_cp(e, ' ');
			spaces = true;
		} else if (y_break(cp)) {
			u8_put(e->b, cp);
			e->column = 0;
			e->indention = true;
			breaks = true;
		} else {
			if (breaks)
				y_indent(e, indent);
			y_cp(e, cp);
			if (cp == '\'')
				y_cp(e, '\'');
			spaces = breaks = false;
		}
		pos++;
	}
	if (breaks)
		y_indent(e, indent);
	y_cp(e, '\'');
}

static void
y_write_double(struct yem *e, const char *s, size_t len, size_t indent,
    bool breaks_ok)
{
	static const char hex[] = "0123456789ABCDEF";
	bool spaces = false;
	size_t i = 0, pos = 0, nchars = u8_width(s, len);

	y_cp(e, '"');
	while (i < len) {
		unsigned long cp = u8_next(s, len, &i);
		const char *esc = NULL;

		if (!y_printable(cp) || y_break(cp) || cp == '"' ||
		    cp == '\\') {
			switch (cp) {
			case 0x00: esc = "0"; break;
			case 0x07: esc = "a"; break;
			case 0x08: esc = "b"; break;
			case 0x09: esc = "t"; break;
			case 0x0a: esc = "n"; break;
			case 0x0b: esc = "v"; break;
			case 0x0c: esc = "f"; break;
			case 0x0d: esc = "r"; break;
			case 0x1b: esc = "e"; break;
			case '"': esc = "\""; break;
			case '\\': esc = "\\"; break;
			case 0x85: esc = "N"; break;
			case 0xa0: esc = "_"; break;
			case 0x2028: esc = "L"; break;
			case 0x2029: esc = "P"; break;
			default: break;
			}
			y_cp(e, '\\');
			if (esc != NULL) {
				y_str(e, esc);
			} else {
				int digits = cp <= 0xff ? 2 :
				    cp <= 0xffff ? 4 : 8;

				y_cp(e, digits == 2 ? 'x' : digits == 4 ? 'u' :
				    'U');
				while (digits-- > 0)
					y_cp(e, (unsigned char)hex[(cp >>
					    (digits * 4)) & 0xf]);
			}
			spaces = false;
		} else if (cp == ' ') {
			if (breaks_ok && !spaces && e->column > YAML_WIDTH &&
			    pos != 0 && pos + 1 != nchars) {
				y_newline(e, indent);
				if (i < len && s[i] == ' ')
					y_cp(e, '\\');
			} else {
				y_cp(e, ' ');
			}
			spaces = true;
		} else {
			y_cp(e, cp);
			spaces = false;
		}
		pos++;
	}
	y_cp(e, '"');
}

static void
y_write_literal(struct yem *e, const char *s, size_t len, size_t indent)
{
	bool breaks = true;
	size_t i = 0;

	y_cp(e, '|');
	{
		size_t j = 0;
		unsigned long first = u8_next(s, len, &j);

		if (first == ' ' || y_break(first))
			y_cp(e, '2');
	}
	e->open_ended = false;
	if (!y_break((unsigned char)s[len - 1])) {
		y_cp(e, '-');
	} else if (len == 1 || y_break((unsigned char)s[len - 2])) {
		y_cp(e, '+');
		e->open_ended = true;
	}
	buf_putc(e->b, '\n');
	e->column = 0;
	e->indention = true;
	while (i < len) {
		unsigned long cp = u8_next(s, len, &i);

		if (y_break(cp)) {
			u8_put(e->b, cp);
			e->column = 0;
			e->indention = true;
			breaks = true;
		} else {
			if (breaks)
				y_indent(e, indent);
			y_cp(e, cp);
			breaks = false;
		}
	}
}

/* Write a scalar; indent is where continuation lines start. */
static void
y_scalar_text(struct yem *e, const char *s, size_t len, bool is_string,
    bool key, size_t indent)
{
	struct yscan scan;
	enum ystyle st = is_string ? y_style(s, len, key, &scan) : Y_PLAIN;

	switch (st) {
	case Y_PLAIN:
		y_write_plain(e, s, len, indent, !key);
		break;
	case Y_SINGLE:
		y_write_single(e, s, len, indent, !key);
		break;
	case Y_DOUBLE:
		y_write_double(e, s, len, indent, !key);
		break;
	case Y_LITERAL:
		y_write_literal(e, s, len, indent);
		break;
	}
}

static void
y_scalar(struct yem *e, const json_t *v, size_t indent)
{
	struct buf b = BUF_INIT;

	switch (json_typeof(v)) {
	case JSON_STRING:
		y_scalar_text(e, json_string_value(v), json_string_length(v),
		    true, false, indent);
		return;
	case JSON_NULL:
		y_cp(e, '~');
		return;
	case JSON_TRUE:
		y_str(e, "true");
		return;
	case JSON_FALSE:
		y_str(e, "false");
		return;
	case JSON_OBJECT:
		y_str(e, "{}");
		return;
	case JSON_ARRAY:
		y_str(e, "[]");
		return;
	default:
		plain_text(&b, v);
		y_str(e, buf_str(&b));
		buf_clear(&b);
	}
}

static void y_node(struct yem *e, const json_t *v, size_t indent,
    enum yctx ctx);

/* Entries of a block mapping at indent; the first may follow "- ". */
static void
y_mapping(struct yem *e, const json_t *obj, size_t indent, bool inline_first)
{
	const char **keys;
	size_t i, n;

	keys = sorted_keys(obj, &n);
	for (i = 0; i < n; i++) {
		const char *k = keys[i];
		size_t klen = strlen(k);
		struct yscan scan;

		if (i > 0 || !inline_first)
			y_indent(e, indent);
		y_style(k, klen, true, &scan);
		if (klen > YAML_SIMPLE_KEY_MAX || scan.multiline) {
			y_str(e, "? ");
			y_scalar_text(e, k, klen, true, false, indent + 2);
			y_indent(e, indent);
			y_cp(e, ':');
			y_node(e, json_object_get(obj, k), indent,
			    Y_SEQITEM);
		} else {
			y_scalar_text(e, k, klen, true, true, indent);
			y_cp(e, ':');
			y_node(e, json_object_get(obj, k), indent, Y_MAPVAL);
		}
	}
	free(keys);
}

static void
y_sequence(struct yem *e, const json_t *arr, size_t indent, bool inline_first)
{
	size_t i;

	for (i = 0; i < json_array_size(arr); i++) {
		if (i > 0 || !inline_first)
			y_indent(e, indent);
		y_cp(e, '-');
		y_node(e, json_array_get(arr, i), indent, Y_SEQITEM);
	}
}

/*
 * A node after "---" (indent 0), after "key:" (indent: the key's) or
 * after "-" (indent: the dash's column).
 */
static void
y_node(struct yem *e, const json_t *v, size_t indent, enum yctx ctx)
{
	size_t inner = ctx == Y_ROOT ? 0 : indent + 2;
	bool nonempty = (json_is_object(v) && json_object_size(v) > 0) ||
	    (json_is_array(v) && json_array_size(v) > 0);

	if (!nonempty) {
		y_cp(e, ' ');
		y_scalar(e, v, ctx == Y_ROOT ? 2 : indent + 2);
		return;
	}
	if (json_is_object(v)) {
		if (ctx == Y_SEQITEM) {
			y_cp(e, ' ');
			y_mapping(e, v, inner, true);
		} else {
			y_mapping(e, v, inner, false);
		}
	} else {
		if (ctx == Y_SEQITEM) {
			y_cp(e, ' ');
			y_sequence(e, v, inner, true);
		} else {
			/* libyaml does not indent a sequence in a mapping */
			y_sequence(e, v, ctx == Y_ROOT ? 0 : indent, false);
		}
	}
}

/*
 * YAML::XS hands back UTF-8 bytes and Proxmox encodes them to UTF-8 once
 * more, so every non-ASCII byte reaches the terminal as two bytes
 * ("ä" prints as "Ã¤").  Reproduced on purpose: byte compatibility.
 */
static void
y_double_encode(FILE *f, const struct buf *b)
{
	size_t i;

	for (i = 0; i < b->len; i++) {
		unsigned char c = (unsigned char)b->data[i];

		if (c < 0x80) {
			fputc(c, f);
		} else {
			fputc(0xc0 | (c >> 6), f);
			fputc(0x80 | (c & 0x3f), f);
		}
	}
}

static void
print_yaml(FILE *f, const json_t *data)
{
	struct buf b = BUF_INIT;
	struct yem e = {&b, 0, false, false};

	y_str(&e, "---");
	y_node(&e, data, 0, Y_ROOT);
	if (e.column > 0) {
		buf_putc(&b, '\n');
		e.column = 0;
	}
	if (e.open_ended)
		buf_puts(&b, "...\n");
	y_double_encode(f, &b);
	buf_clear(&b);
}

/* ---- entry points --------------------------------------------------- */

bool
out_format_parse(const char *s, enum out_format *fmt_r)
{
	static const struct {
		const char *name;
		enum out_format fmt;
	} names[] = {
		{"text", OUT_TEXT}, {"json", OUT_JSON},
		{"json-pretty", OUT_JSON_PRETTY}, {"yaml", OUT_YAML},
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (strcmp(s, names[i].name) == 0) {
			*fmt_r = names[i].fmt;
			return true;
		}
	}
	return false;
}

void
out_print(FILE *f, const json_t *data, const struct out_prop *props,
    size_t nprops, const struct out_opts *opts)
{
	struct buf b = BUF_INIT;

	if (opts->quiet || data == NULL || json_is_null(data))
		return;
	switch (opts->format) {
	case OUT_JSON:
	case OUT_JSON_PRETTY:
		json_put(&b, data, opts->format == OUT_JSON_PRETTY, 0);
		buf_putc(&b, '\n');
		fwrite(b.data, 1, b.len, f);
		buf_clear(&b);
		break;
	case OUT_YAML:
		print_yaml(f, data);
		break;
	case OUT_TEXT:
		print_text(f, data, props, nprops, opts);
		break;
	}
}

void
out_print_permissions(FILE *f, const json_t *perm_map,
    const struct out_opts *opts)
{
	static const struct out_prop cols[] = {
		{"path", OT_STRING, false, NULL, "ACL path"},
		{"permissions", OT_STRING, false, NULL, "Permissions"},
	};
	json_t *rows;
	const char **paths;
	size_t i, n;

	if (opts->format != OUT_TEXT) {
		out_print(f, perm_map, NULL, 0, opts);
		return;
	}
	rows = json_array();
	paths = json_is_object(perm_map) ? sorted_keys(perm_map, &n) :
	    xcalloc(1, sizeof(*paths));
	if (!json_is_object(perm_map))
		n = 0;
	for (i = 0; i < n; i++) {
		const json_t *privs = json_object_get(perm_map, paths[i]);
		struct buf b = BUF_INIT;
		const char **names;
		size_t k, m = 0;

		names = json_is_object(privs) ? sorted_keys(privs, &m) : NULL;
		for (k = 0; k < m; k++) {
			if (b.len > 0)
				buf_putc(&b, '\n');
			buf_puts(&b, names[k]);
			if (perl_true(json_object_get(privs, names[k])))
				buf_puts(&b, " (*)");
		}
		free(names);
		json_array_append_new(rows, json_pack("{s:s,s:s}", "path",
		    paths[i], "permissions", buf_str(&b)));
		buf_clear(&b);
	}
	free(paths);
	out_print(f, rows, cols, ARRAY_SIZE(cols), opts);
	json_decref(rows);
	/* printed after the table even with --quiet, as pveum does */
	fputs("Permissions marked with '(*)' have the 'propagate' flag set.\n",
	    f);
}
