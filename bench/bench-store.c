/*
 * bench-store: where the time of one user.cfg transaction goes, on either
 * store backend (bench/store-bench.sh).  Each round changes one user's
 * comment as PUT /access/users/{userid} does (store_begin_user, change,
 * store_commit_user, store_end) with the phases timed apart:
 *
 *   lock       store_lock: the user.cfg lock (mkdir lock, or an etcd key
 *              on the process's lease)
 *   read       the file as of the lock (the mirror's copy in etcd mode)
 *   parse      ucfg_parse of the whole file, as store_begin_user does
 *   serialise  ucfg_write of the whole file
 *   commit     cfs_write + cfs_group_commit: rename + fsync, or the etcd
 *              transactions and the new mirror snapshot
 *   end        ucfg_reindex and the unlock
 *
 * The phases repeat store.c's steps (read_user, store_commit_user) in the
 * same order; that is the point: a change there must show here too.
 *
 *   bench-store [--store URL] CONFIG_DIR USERID [ROUNDS]
 */
#include "api.h"
#include "benchutil.h"
#include "buf.h"
#include "cfs/cfs.h"
#include "fileio.h"
#include "store.h"
#include "ucfg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { LOCK, READ, PARSE, SERIALISE, COMMIT, END, TOTAL, PHASES };

static const char *const phase_name[PHASES] = {
	"lock", "read", "parse", "serialise", "commit", "end", "total",
};

static void
die(const char *what, const struct err *err)
{
	fprintf(stderr, "bench-store: %s: %s\n", what, err->msg);
	exit(1);
}

static void
one_round(struct api_env *env, const char *userid, int round, double *t)
{
	struct buf text = BUF_INIT, out = BUF_INIT;
	struct ucfg_user *u;
	struct store_tx tx;
	struct err err;
	char comment[32];
	double t0, t1;

	t0 = t1 = bench_now_ms();
#define LAP(i) do { double now_ = bench_now_ms(); t[i] = now_ - t1; \
	t1 = now_; } while (0)
	if (store_lock(env, "user.cfg", 10, &tx, &err) < 0)
		die("lock", &err);
	LAP(LOCK);
	if (file_read(buf_str(&tx.path), FILE_MAX_CONFIG, &text, &err) < 0)
		die("read", &err);
	LAP(READ);
	tx.ucfg = ucfg_parse(buf_str(&text), text.len, buf_str(&tx.path),
	    &tx.diag);
	LAP(PARSE);
	if ((u = ucfg_user(tx.ucfg, userid)) == NULL) {
		fprintf(stderr, "bench-store: no user %s\n", userid);
		exit(1);
	}
	snprintf(comment, sizeof(comment), "bench-store %d", round);
	u->comment = ucfg_str(tx.ucfg, comment);
	ucfg_write(tx.ucfg, &out);
	LAP(SERIALISE);
	if (cfs_write(env->config_dir, "user.cfg", out.data, out.len, 0640, 0,
	    &err) < 0 || cfs_group_commit(env->config_dir, &err) < 0)
		die("commit", &err);
	LAP(COMMIT);
	ucfg_reindex(tx.ucfg);
	store_end(&tx);
	cfs_refresh();
	LAP(END);
#undef LAP
	t[TOTAL] = t1 - t0;
	buf_clear(&text);
	buf_clear(&out);
}

int
main(int argc, char **argv)
{
	const char *store = NULL;
	struct api_env env;
	struct err err;
	double *t[PHASES], sum;
	int rounds, i, k;

	if (argc > 2 && strcmp(argv[1], "--store") == 0) {
		store = argv[2];
		argc -= 2;
		argv += 2;
	}
	rounds = argc > 3 ? atoi(argv[3]) : 50;
	if (argc < 3 || rounds < 10) {
		fprintf(stderr, "usage: bench-store [--store URL] CONFIG_DIR "
		    "USERID [ROUNDS>=10]\n");
		return 2;
	}
	if (cfs_setup(store, &err) < 0 || cfs_ready(argv[1], &err) < 0)
		die("store", &err);
	for (k = 0; k < PHASES; k++)
		if ((t[k] = calloc((size_t)rounds, sizeof(double))) == NULL)
			return 1;
	api_env_init(&env, argv[1], NULL);
	for (i = 0; i < rounds; i++) {
		double row[PHASES];

		one_round(&env, argv[2], i, row);
		for (k = 0; k < PHASES; k++)
			t[k][i] = row[k];
	}
	api_env_clear(&env);
	printf("store %s, %d rounds\n", cfs_store_name(), rounds);
	for (k = 0; k < PHASES; k++) {
		for (sum = 0, i = 0; i < rounds; i++)
			sum += t[k][i];
		bench_sort(t[k], (size_t)rounds);
		printf("%-10s p50 %8.3f ms  p90 %8.3f ms  mean %8.3f ms\n",
		    phase_name[k], t[k][rounds / 2], t[k][rounds * 9 / 10],
		    sum / rounds);
		free(t[k]);
	}
	return 0;
}
