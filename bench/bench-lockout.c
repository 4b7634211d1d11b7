/*
 * bench-lockout: what the first-factor lockout check costs a successful
 * login (issue 10, item 8).  Each round runs api_login in-process as
 * authd does, once as a network client (the attempt is reserved before
 * the password check and released after it: two transactions on
 * local/lockout.state) and once without a client address (the CLI, never
 * counted), alternating, and times the lockout transactions alone too.
 * Prints p50/p90 in milliseconds.
 *
 *   bench-lockout CONFIG_DIR USERID PASSWORD [ROUNDS]
 */
#include "api.h"
#include "benchutil.h"
#include "api_login.h"
#include "buf.h"
#include "lockout/lockout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double
one_login(const char *dir, const char *client, const char *user,
    const char *pw)
{
	struct buf uid = BUF_INIT;
	struct api_env env;
	struct err err;
	double t0, t;

	api_env_init(&env, dir, NULL);
	env.client = client;
	t0 = bench_now_ms();
	if (api_login(&env, user, pw, false, NULL, &uid, &err) < 0) {
		fprintf(stderr, "bench-lockout: login failed: %s\n", err.msg);
		exit(1);
	}
	t = bench_now_ms() - t0;
	api_env_clear(&env);
	buf_clear(&uid);
	return t;
}

int
main(int argc, char **argv)
{
	struct lockout_opts o;
	struct lockout_attempt a;
	struct err err;
	double *with, *without, *txn, t0;
	int rounds = argc > 4 ? atoi(argv[4]) : 200, i;

	if (argc < 4 || rounds < 10) {
		fprintf(stderr, "usage: bench-lockout CONFIG_DIR USERID PASSWORD "
		    "[ROUNDS>=10]\n");
		return 2;
	}
	with = calloc((size_t)rounds, sizeof(double));
	without = calloc((size_t)rounds, sizeof(double));
	txn = calloc((size_t)rounds, sizeof(double));
	if (with == NULL || without == NULL || txn == NULL)
		return 1;
	lockout_opts_load(argv[1], &o, NULL);
	for (i = 0; i < rounds; i++) {
		without[i] = one_login(argv[1], NULL, argv[2], argv[3]);
		with[i] = one_login(argv[1], "192.0.2.1", argv[2], argv[3]);
		t0 = bench_now_ms();
		if (lockout_reserve(argv[1], &o, argv[2], "192.0.2.1",
		    lockout_now(), &a, &err) < 0) {
			fprintf(stderr, "bench-lockout: %s\n", err.msg);
			return 1;
		}
		lockout_release(argv[1], &o, &a, lockout_now());
		txn[i] = bench_now_ms() - t0;
	}
	bench_report("login.without_lockout", without, (size_t)rounds);
	bench_report("login.with_lockout", with, (size_t)rounds);
	bench_report("lockout.reserve_release", txn, (size_t)rounds);
	printf("lockout.added_p50_ms %.3f\n", with[rounds / 2] -
	    without[rounds / 2]);
	free(with);
	free(without);
	free(txn);
	return 0;
}
