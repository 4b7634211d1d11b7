/*
 * bench-core: how fast the core library parses, rewrites and answers
 * permission queries on a big user.cfg, and how much memory that takes.
 *
 * Why a dedicated program: the performance targets are stated for the
 * library itself (parse under 50 ms, 100,000 queries with the parse under
 * 0.5 s, peak memory under 100 MB), so they are measured here without the
 * CLI's output formatting in the way.  Each phase runs several times and
 * reports the best and the median; the query phase starts from the file
 * on disk (read + parse + queries in one process), as the issue states.
 *
 * Queries are random (authid, path) pairs drawn from the parsed file
 * itself: its users and tokens, its ACL paths, the VMs of its pools and
 * its pool storages, so that pool roles and token intersection are
 * exercised too.  The generator is seeded, so runs are comparable.
 *
 * Output is one "key value unit" line per figure, for bench/run.sh.
 */
#include "buf.h"
#include "benchutil.h"
#include "diag.h"
#include "err.h"
#include "fileio.h"
#include "hmap.h"
#include "perm.h"
#include "ucfg.h"
#include "xalloc.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define RUNS_MAX 1000

struct query {
	const char *authid;
	const char *path;
};

/* Owned copies of what queries are drawn from (outlive the parsed cfg). */
struct material {
	char **users, **tokens, **acl_paths, **vm_paths, **st_paths;
	size_t n_users, n_tokens, n_acl_paths, n_vm_paths, n_st_paths;
	size_t cap_users, cap_tokens, cap_acl_paths, cap_vm_paths,
	    cap_st_paths;
};

static uint64_t rng_state;

/* splitmix64: small, seedable, and the same on every libc. */
static uint64_t
rng_next(void)
{
	uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static size_t
rng_below(size_t n)
{
	return (size_t)(rng_next() % n);
}

/* Sorts v in place; best is v[0] afterwards. */
static double
median(double *v, size_t n)
{
	bench_sort(v, n);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void
report(const char *key, double value, const char *unit)
{
	printf("%-30s %12.3f %s\n", key, value, unit);
}

static void
report_runs(const char *key, double *v, size_t n, const char *unit)
{
	char k[64];
	double med = median(v, n);

	snprintf(k, sizeof(k), "%s.best", key);
	report(k, v[0], unit);
	snprintf(k, sizeof(k), "%s.median", key);
	report(k, med, unit);
}

static void
push(char ***arr, size_t *count, size_t *cap, const char *s)
{
	XGROW(*arr, *cap, *count + 1);
	(*arr)[(*count)++] = xstrdup(s);
}

static void
collect_acl(struct material *m, const struct acl_node *n)
{
	size_t i;

	if (n->entry_count > 0)
		push(&m->acl_paths, &m->n_acl_paths, &m->cap_acl_paths,
		    n->path[0] != '\0' ? n->path : "/");
	for (i = 0; i < n->child_count; i++)
		collect_acl(m, n->children[i]);
}

static void
collect(struct material *m, const struct ucfg *cfg)
{
	struct buf b = BUF_INIT;
	size_t it = 0, jt;
	const char *key;
	void *v;

	memset(m, 0, sizeof(*m));
	while (hmap_next(&cfg->users, &it, &key, &v)) {
		struct ucfg_user *u = v;

		push(&m->users, &m->n_users, &m->cap_users, u->id);
		jt = 0;
		while (hmap_next(&u->tokens, &jt, NULL, &v)) {
			struct ucfg_token *t = v;

			push(&m->tokens, &m->n_tokens, &m->cap_tokens, t->id);
		}
	}
	collect_acl(m, cfg->acl_root);
	it = 0;
	while (hmap_next(&cfg->vm_pool, &it, &key, NULL)) {
		buf_reset(&b);
		buf_putf(&b, "/vms/%s", key);
		push(&m->vm_paths, &m->n_vm_paths, &m->cap_vm_paths,
		    buf_str(&b));
	}
	it = 0;
	while (hmap_next(&cfg->pools, &it, NULL, &v)) {
		struct ucfg_pool *p = v;

		jt = 0;
		while (hmap_next(&p->storage, &jt, &key, NULL)) {
			buf_reset(&b);
			buf_putf(&b, "/storage/%s", key);
			push(&m->st_paths, &m->n_st_paths, &m->cap_st_paths,
			    buf_str(&b));
		}
	}
	buf_clear(&b);
}

static void
free_list(char **arr, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(arr[i]);
	free(arr);
}

static void
material_free(struct material *m)
{
	free_list(m->users, m->n_users);
	free_list(m->tokens, m->n_tokens);
	free_list(m->acl_paths, m->n_acl_paths);
	free_list(m->vm_paths, m->n_vm_paths);
	free_list(m->st_paths, m->n_st_paths);
}

static const char *
pick(char **arr, size_t n, char **fallback, size_t fn)
{
	if (n == 0) {
		arr = fallback;
		n = fn;
	}
	return n > 0 ? arr[rng_below(n)] : "/";
}

/*
 * Authids: 80% users, 20% tokens.  Paths: 50% ACL paths, 35% VMs of
 * pools (pool roles apply), 15% pool storages (every pool is scanned).
 */
static struct query *
make_queries(const struct material *m, size_t n)
{
	struct query *q = xcalloc(n, sizeof(*q));
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned r = (unsigned)rng_below(100);

		if (r < 80 || m->n_tokens == 0)
			q[i].authid = pick(m->users, m->n_users, NULL, 0);
		else
			q[i].authid = m->tokens[rng_below(m->n_tokens)];
		r = (unsigned)rng_below(100);
		if (r < 50)
			q[i].path = pick(m->acl_paths, m->n_acl_paths, NULL, 0);
		else if (r < 85)
			q[i].path = pick(m->vm_paths, m->n_vm_paths,
			    m->acl_paths, m->n_acl_paths);
		else
			q[i].path = pick(m->st_paths, m->n_st_paths,
			    m->acl_paths, m->n_acl_paths);
	}
	return q;
}

static int
write_queries(const char *file, const struct query *q, size_t n)
{
	FILE *f = fopen(file, "w");
	size_t i;

	if (f == NULL) {
		fprintf(stderr, "bench-core: %s: %s\n", file, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++)
		fprintf(f, "%s %s\n", q[i].authid, q[i].path);
	if (fclose(f) != 0) {
		fprintf(stderr, "bench-core: %s: %s\n", file, strerror(errno));
		return -1;
	}
	return 0;
}

static struct ucfg *
load(const char *file, struct buf *text)
{
	struct err err;

	buf_reset(text);
	if (file_read(file, FILE_MAX_CONFIG, text, &err) < 0) {
		fprintf(stderr, "bench-core: %s\n", err.msg);
		return NULL;
	}
	return ucfg_parse(buf_str(text), text->len, file, NULL);
}

/* Mean and longest probe distance of an open-addressing table. */
static void
probe_stats(const char *name, const struct hmap *m)
{
	size_t i, total = 0, worst = 0, n = 0;

	for (i = 0; i < m->cap; i++) {
		const struct hmap_slot *s = &m->slots[i];
		size_t d;

		if (s->key == NULL || s->value == NULL)
			continue;
		d = (i - (s->hash & (m->cap - 1))) & (m->cap - 1);
		total += d + 1;
		if (d + 1 > worst)
			worst = d + 1;
		n++;
	}
	printf("%-30s %zu keys in %zu slots (load %.2f), probes per hit: "
	    "mean %.2f, max %zu\n", name, m->count, m->cap,
	    m->cap ? (double)m->count / (double)m->cap : 0.0,
	    n ? (double)total / (double)n : 0.0, worst);
}

static void
count_nodes(const struct acl_node *n, size_t *nodes, size_t *entries,
    size_t *widest)
{
	size_t i;

	(*nodes)++;
	*entries += n->entry_count;
	if (n->child_count > *widest)
		*widest = n->child_count;
	for (i = 0; i < n->child_count; i++)
		count_nodes(n->children[i], nodes, entries, widest);
}

/* The shape of the parsed model: what the hot paths walk. */
static int
run_stats(const char *file, const struct buf *text)
{
	struct ucfg *cfg = ucfg_parse(buf_str(text), text->len, file, NULL);
	size_t nodes = 0, entries = 0, widest = 0;

	count_nodes(cfg->acl_root, &nodes, &entries, &widest);
	printf("%-30s %zu nodes, %zu entries, widest node %zu children\n",
	    "acl-tree", nodes, entries, widest);
	probe_stats("users", &cfg->users);
	probe_stats("groups", &cfg->groups);
	probe_stats("pools", &cfg->pools);
	probe_stats("vm_pool", &cfg->vm_pool);
	probe_stats("member_of", &cfg->member_of);
	ucfg_free(cfg);
	return 0;
}

/*
 * One phase in a loop and nothing else, so that perf or callgrind see
 * only that phase.  Prints the median time per repetition.
 */
static int
run_phase(const char *phase, const char *file, struct buf *text,
    const struct query *q, size_t nq, size_t runs)
{
	struct ucfg *cfg = NULL;
	struct buf out = BUF_INIT;
	struct perm_roles scratch;
	struct perm_set ps;
	double *t = xcalloc(runs, sizeof(double));
	size_t r, i;

	perm_roles_init(&scratch);
	if (strcmp(phase, "parse") != 0)
		cfg = ucfg_parse(buf_str(text), text->len, file, NULL);
	for (r = 0; r < runs; r++) {
		double t0 = bench_now_ms();

		if (strcmp(phase, "parse") == 0) {
			cfg = ucfg_parse(buf_str(text), text->len, file, NULL);
			t[r] = bench_now_ms() - t0;
			ucfg_free(cfg);
			cfg = NULL;
			continue;
		}
		if (strcmp(phase, "write") == 0) {
			buf_reset(&out);
			ucfg_write(cfg, &out);
		} else {
			for (i = 0; i < nq; i++)
				perm_compute(cfg, q[i].authid, q[i].path, &ps,
				    &scratch);
		}
		t[r] = bench_now_ms() - t0;
	}
	report_runs(phase, t, runs, "ms");
	perm_roles_clear(&scratch);
	ucfg_free(cfg);
	buf_clear(&out);
	free(t);
	return 0;
}

static void
usage(void)
{
	fputs("usage: bench-core [-r RUNS] [-n QUERIES] [-s SEED] "
	      "[-q QUERY-FILE] USER.CFG\n"
	      "  -r  repetitions of each phase (default 7)\n"
	      "  -n  permission queries per run (default 100000)\n"
	      "  -s  seed of the query generator (default 1)\n"
	      "  -q  also write the queries, one \"AUTHID PATH\" a line\n"
	      "  -p  run one phase only (parse, write or query), for "
	      "profiling:\n"
	      "      query then times the queries on one parsed config;\n"
	      "      stats prints the model's shape and hash-table probes\n",
	    stderr);
}

int
main(int argc, char **argv)
{
	struct buf text = BUF_INIT, out = BUF_INIT, canon = BUF_INIT;
	size_t runs = 7, nq = 100000, r, i, granted = 0;
	const char *qfile = NULL, *file, *phase = NULL;
	double *t_parse, *t_canon, *t_write, *t_free, *t_total, *t_q, *t_first;
	struct material mat;
	struct query *q;
	struct ucfg *cfg;
	struct diag diag;
	struct rusage ru;
	int c, rc = 1;

	rng_state = 1;
	while ((c = getopt(argc, argv, "r:n:s:q:p:h")) != -1) {
		switch (c) {
		case 'r':
			runs = strtoul(optarg, NULL, 10);
			break;
		case 'n':
			nq = strtoul(optarg, NULL, 10);
			break;
		case 's':
			rng_state = strtoull(optarg, NULL, 10);
			break;
		case 'q':
			qfile = optarg;
			break;
		case 'p':
			phase = optarg;
			break;
		default:
			usage();
			return 2;
		}
	}
	if (optind != argc - 1 || runs == 0 || runs > RUNS_MAX || nq == 0 ||
	    (phase != NULL && strcmp(phase, "parse") != 0 &&
	    strcmp(phase, "query") != 0 && strcmp(phase, "write") != 0 &&
	    strcmp(phase, "stats") != 0)) {
		usage();
		return 2;
	}
	file = argv[optind];

	t_parse = xcalloc(runs, sizeof(double));
	t_canon = xcalloc(runs, sizeof(double));
	t_write = xcalloc(runs, sizeof(double));
	t_free = xcalloc(runs, sizeof(double));
	t_total = xcalloc(runs, sizeof(double));
	t_q = xcalloc(runs, sizeof(double));
	t_first = xcalloc(runs, sizeof(double));

	/* Warm-up parse: page cache, allocator, and the query material. */
	diag_init(&diag);
	cfg = load(file, &text);
	if (cfg == NULL)
		goto out;
	ucfg_free(cfg);
	/* Again with diagnostics, so warnings show without being timed. */
	cfg = ucfg_parse(buf_str(&text), text.len, file, &diag);
	collect(&mat, cfg);
	ucfg_free(cfg);
	printf("%-30s %s (%zu bytes, %zu warnings)\n", "file", file, text.len,
	    diag.count);
	printf("%-30s %zu users+tokens, %zu ACL paths, %zu pooled VMs, "
	    "%zu pool storages\n", "drawn-from",
	    mat.n_users + mat.n_tokens, mat.n_acl_paths, mat.n_vm_paths,
	    mat.n_st_paths);
	diag_clear(&diag);
	q = make_queries(&mat, nq);
	if (qfile != NULL && write_queries(qfile, q, nq) < 0)
		goto out_q;

	if (phase != NULL && strcmp(phase, "stats") == 0) {
		rc = run_stats(file, &text);
		goto out_q;
	}
	if (phase != NULL) {
		rc = run_phase(phase, file, &text, q, nq, runs);
		goto out_q;
	}

	/* Parse (text already in memory) and free. */
	for (r = 0; r < runs; r++) {
		double t0 = bench_now_ms(), t1, t2;

		cfg = ucfg_parse(buf_str(&text), text.len, file, NULL);
		t1 = bench_now_ms();
		ucfg_free(cfg);
		t2 = bench_now_ms();
		t_parse[r] = t1 - t0;
		t_free[r] = t2 - t1;
	}

	/* Canonical rewrite, then parsing that rewrite (what PVE writes). */
	cfg = ucfg_parse(buf_str(&text), text.len, file, NULL);
	for (r = 0; r < runs; r++) {
		double t0 = bench_now_ms();

		buf_reset(&out);
		ucfg_write(cfg, &out);
		t_write[r] = bench_now_ms() - t0;
	}
	ucfg_free(cfg);
	buf_put(&canon, out.data, out.len);
	for (r = 0; r < runs; r++) {
		double t0 = bench_now_ms();

		cfg = ucfg_parse(buf_str(&canon), canon.len, file, NULL);
		t_canon[r] = bench_now_ms() - t0;
		ucfg_free(cfg);
	}

	/* Read + parse + all queries, one fresh config per run. */
	for (r = 0; r < runs; r++) {
		struct perm_roles scratch;
		struct perm_set ps;
		double t0 = bench_now_ms(), t1, t2, t3;

		cfg = load(file, &text);
		if (cfg == NULL)
			goto out_q;
		perm_roles_init(&scratch);
		t1 = bench_now_ms();
		perm_compute(cfg, q[0].authid, q[0].path, &ps, &scratch);
		t2 = bench_now_ms();
		granted = ps.privs != 0;
		for (i = 1; i < nq; i++) {
			perm_compute(cfg, q[i].authid, q[i].path, &ps,
			    &scratch);
			granted += ps.privs != 0;
		}
		t3 = bench_now_ms();
		t_total[r] = t3 - t0;
		t_q[r] = t3 - t1;
		t_first[r] = (t2 - t1) * 1e3;
		perm_roles_clear(&scratch);
		ucfg_free(cfg);
	}
	getrusage(RUSAGE_SELF, &ru);

	printf("%-30s %zu (%zu with privileges)\n", "queries", nq, granted);
	printf("%-30s %zu\n", "runs", runs);
	report_runs("parse_ms", t_parse, runs, "ms");
	report_runs("parse_canonical_ms", t_canon, runs, "ms");
	report_runs("free_ms", t_free, runs, "ms");
	report_runs("write_ms", t_write, runs, "ms");
	report("write_bytes", (double)out.len, "bytes");
	report_runs("read_parse_queries_ms", t_total, runs, "ms");
	report_runs("queries_only_ms", t_q, runs, "ms");
	{
		double med = median(t_q, runs);

		report("query_mean_us", med * 1e3 / (double)nq, "us");
	}
	report_runs("first_query_us", t_first, runs, "us");
	report("peak_rss_mb", (double)ru.ru_maxrss / 1024.0, "MiB");
	rc = 0;
out_q:
	free(q);
	material_free(&mat);
out:
	buf_clear(&text);
	buf_clear(&out);
	buf_clear(&canon);
	free(t_parse);
	free(t_canon);
	free(t_write);
	free(t_free);
	free(t_total);
	free(t_q);
	free(t_first);
	return rc;
}
