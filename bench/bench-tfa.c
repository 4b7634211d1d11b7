/*
 * bench-tfa: what a TOTP second factor adds to a login (issue 10, item 8:
 * target under 1 ms of realmgate's own time).  In a scratch config dir
 * with one user and one TOTP entry, each round times, in-process as authd
 * runs them, the challenge after the password (api_tfa_after_password:
 * realm option, tfa.cfg read, challenge JSON) and the answer to it
 * (api_tfa_respond: tfa.cfg locked and re-read, the code checked, its
 * last-count written back atomically with fsync, failure counters reset).
 * Between rounds, untimed, last-count is cleared so the same period's
 * code counts again.  Prints p50/p90 in milliseconds, of wall time and of
 * CPU time (realmgate's own work: the wall time less the waits for the
 * disk's fsync and for locks).
 *
 *   bench-tfa SCRATCH_DIR [ROUNDS]
 */
#include "api.h"
#include "benchutil.h"
#include "api_tfa_login.h"
#include "buf.h"
#include "store.h"
#include "tfa/tfacfg.h"
#include "tfa/totp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define USERID "bench@pve"
#define URI "otpauth://totp/bench:bench?secret=JBSWY3DPEHPK3PXP&digits=6" \
	"&algorithm=SHA1&period=30"

static void
die(const char *what, const struct err *err)
{
	fprintf(stderr, "bench-tfa: %s: %s\n", what, err->msg);
	exit(1);
}

/* A tfa.cfg with one fresh TOTP entry (no last-count). */
static void
fresh_tfa(const char *dir, const struct totp *t)
{
	struct tfacfg *cfg = tfacfg_new();
	char id[TFA_ID_MAX + 1];
	struct err err;

	if (tfacfg_add_totp(cfg, USERID, "bench", t, time(NULL), id,
	    &err) < 0 || tfacfg_save(dir, cfg, &err) < 0)
		die("tfa.cfg", &err);
	tfacfg_free(cfg);
}

int
main(int argc, char **argv)
{
	int rounds = argc > 2 ? atoi(argv[2]) : 300, i;
	struct buf challenge = BUF_INIT, answer = BUF_INIT, path = BUF_INIT;
	double *ask, *respond, *ask_cpu, *respond_cpu, c0;
	char code[TOTP_DIGITS_MAX + 1];
	struct api_env env;
	struct totp t;
	struct err err;
	FILE *f;
	double t0;

	if (argc < 2 || rounds < 10) {
		fprintf(stderr, "usage: bench-tfa SCRATCH_DIR [ROUNDS>=10]\n");
		return 2;
	}
	buf_putf(&path, "%s/user.cfg", argv[1]);
	f = fopen(buf_str(&path), "w");
	if (f == NULL || fputs("user:" USERID ":1:0::::::\n", f) < 0 ||
	    fclose(f) != 0) {
		perror(buf_str(&path));
		return 1;
	}
	if (totp_parse(URI, strlen(URI), &t, &err) < 0)
		die("totp", &err);
	ask = calloc((size_t)rounds, sizeof(double));
	respond = calloc((size_t)rounds, sizeof(double));
	ask_cpu = calloc((size_t)rounds, sizeof(double));
	respond_cpu = calloc((size_t)rounds, sizeof(double));
	if (ask == NULL || respond == NULL || ask_cpu == NULL ||
	    respond_cpu == NULL)
		return 1;
	for (i = 0; i < rounds; i++) {
		fresh_tfa(argv[1], &t);
		api_env_init(&env, argv[1], NULL);
		env.client = "192.0.2.1";
		env.now = time(NULL);
		t0 = bench_now_ms();
		c0 = bench_clock_ms(CLOCK_PROCESS_CPUTIME_ID);
		if (api_tfa_after_password(&env, USERID, NULL, &challenge,
		    &err) < 0 || challenge.len == 0)
			die("challenge", &err);
		ask_cpu[i] = bench_clock_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
		ask[i] = bench_now_ms() - t0;
		totp_code(&t, (uint64_t)env.now / t.period, code);
		buf_reset(&answer);
		buf_putf(&answer, "totp:%s", code);
		t0 = bench_now_ms();
		c0 = bench_clock_ms(CLOCK_PROCESS_CPUTIME_ID);
		if (api_tfa_respond(&env, USERID, buf_str(&challenge),
		    buf_str(&answer), &err) < 0)
			die("respond", &err);
		respond_cpu[i] = bench_clock_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
		respond[i] = bench_now_ms() - t0;
		api_env_clear(&env);
	}
	bench_report("tfa.challenge.wall", ask, (size_t)rounds);
	bench_report("tfa.challenge.cpu", ask_cpu, (size_t)rounds);
	bench_report("tfa.totp_answer.wall", respond, (size_t)rounds);
	bench_report("tfa.totp_answer.cpu", respond_cpu, (size_t)rounds);
	printf("tfa.added_p50_ms wall %.3f cpu %.3f\n", ask[rounds / 2] +
	    respond[rounds / 2], ask_cpu[rounds / 2] +
	    respond_cpu[rounds / 2]);
	totp_clear(&t);
	buf_clear(&challenge);
	buf_clear(&answer);
	buf_clear(&path);
	free(ask);
	free(respond);
	free(ask_cpu);
	free(respond_cpu);
	return 0;
}
