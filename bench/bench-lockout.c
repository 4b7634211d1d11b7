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
#include "api_login.h"
#include "buf.h"
#include "lockout/lockout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
report(const char *name, double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	printf("%-28s p50 %8.3f ms  p90 %8.3f ms\n", name, v[n / 2],
	    v[n * 9 / 10]);
}

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
	t0 = now_ms();
	if (api_login(&env, user, pw, false, NULL, &uid, &err) < 0) {
		fprintf(stderr, "bench-lockout: login failed: %s\n", err.msg);
		exit(1);
	}
	t = now_ms() - t0;
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
		t0 = now_ms();
		if (lockout_reserve(argv[1], &o, argv[2], "192.0.2.1",
		    lockout_now(), &a, &err) < 0) {
			fprintf(stderr, "bench-lockout: %s\n", err.msg);
			return 1;
		}
		lockout_release(argv[1], &o, &a, lockout_now());
		txn[i] = now_ms() - t0;
	}
	report("login.without_lockout", without, rounds);
	report("login.with_lockout", with, rounds);
	report("lockout.reserve_release", txn, rounds);
	printf("lockout.added_p50_ms %.3f\n", with[rounds / 2] -
	    without[rounds / 2]);
	free(with);
	free(without);
	free(txn);
	return 0;
}
