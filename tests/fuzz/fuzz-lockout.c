/*
 * Fuzz target: the lockout settings (realmgate/lockout.cfg) and state
 * (local/lockout.state) files of src/core/lockout.  The input is the
 * settings text, a NUL byte, then the state text (no NUL: all state,
 * default settings).  Whatever they hold:
 *  - the settings parse within their bounds, and what lockout_opts_format
 *    writes parses back to the same settings without a warning;
 *  - the state parses within its bounds (records, times per record, no
 *    time after now, no lock beyond LOCKOUT_TIME_MAX), and its text is a
 *    fixed point of format after parse;
 *  - through the files, an attempt is refused only with ERR_AUTH; after
 *    the unlocks (transactions that always run) the file parses without
 *    a warning (a file with bad lines is rewritten clean), and once the
 *    user and the address are unlocked the next attempt goes through.
 */
#include "fuzz-tmpdir.h"
#include "fileio.h"
#include "lockout/lockout.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 1800000000

static void
check_opts(const struct lockout_opts *o)
{
	struct lockout_opts back;
	struct buf text = BUF_INIT;
	struct diag d;
	int k;

	for (k = 0; k < LOCKOUT_KINDS; k++) {
		const struct lockout_limit *l = &o->limit[k];

		if (l->failures > LOCKOUT_FAILURES_MAX || l->window < 1 ||
		    l->window > LOCKOUT_TIME_MAX || l->lock < 1 ||
		    l->lock > LOCKOUT_TIME_MAX)
			abort();
	}
	if (o->ntrusted > LOCKOUT_TRUSTED_MAX)
		abort();
	diag_init(&d);
	lockout_opts_format(o, &text);
	lockout_opts_parse(text.data, text.len, &back, &d);
	if (d.count != 0 || memcmp(&back, o, sizeof(back)) != 0)
		abort();
	diag_clear(&d);
	buf_clear(&text);
}

static void
check_state(const struct lockout_state *s)
{
	size_t i, j;
	int k;

	for (k = 0; k < LOCKOUT_KINDS; k++) {
		if (s->n[k] > LOCKOUT_MAX_RECORDS)
			abort();
		for (i = 0; i < s->n[k]; i++) {
			const struct lockout_rec *r = &s->recs[k][i];

			if (r->ntimes > LOCKOUT_FAILURES_MAX ||
			    r->locked_until > NOW + LOCKOUT_TIME_MAX ||
			    strlen(r->id) > LOCKOUT_ID_MAX)
				abort();
			for (j = 0; j < r->ntimes; j++)
				if (r->times[j] > NOW)
					abort();
		}
	}
}

/* The state file as the last transaction left it: clean. */
static void
check_file(void)
{
	char path[1024];
	struct buf text = BUF_INIT;
	struct lockout_state s;
	struct diag d;
	struct err err;

	snprintf(path, sizeof(path), "%s/%s", fuzz_tmpdir(),
	    LOCKOUT_STATE_FILE);
	if (file_read(path, 1u << 30, &text, &err) < 0 &&
	    err.code != ERR_NOT_FOUND)
		abort();
	lockout_state_init(&s);
	diag_init(&d);
	lockout_state_parse(&s, text.data, text.len, NOW, &d);
	if (d.count != 0)
		abort();
	check_state(&s);
	lockout_state_clear(&s);
	diag_clear(&d);
	buf_clear(&text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	const char *st = (const char *)data, *dir = fuzz_tmpdir();
	size_t stlen = size;
	struct lockout_opts o, loaded;
	struct lockout_state s;
	struct lockout_attempt a;
	struct buf t1 = BUF_INIT, t2 = BUF_INIT;
	struct err err;
	bool found;

	lockout_opts_default(&o);
	if (nul != NULL) {
		lockout_opts_parse((const char *)data, (size_t)(nul - data), &o,
		    NULL);
		fuzz_write(LOCKOUT_CFG_FILE, data, (size_t)(nul - data));
		lockout_opts_load(dir, &loaded, NULL);
		if (memcmp(&loaded, &o, sizeof(o)) != 0)
			abort();
		st = (const char *)nul + 1;
		stlen = size - (size_t)(nul - data) - 1;
	}
	check_opts(&o);

	lockout_state_init(&s);
	lockout_state_parse(&s, st, stlen, NOW, NULL);
	check_state(&s);
	lockout_state_format(&s, &t1);
	lockout_state_parse(&s, t1.data, t1.len, NOW, NULL);
	lockout_state_format(&s, &t2);
	if (t1.len != t2.len || memcmp(t1.data, t2.data, t1.len) != 0)
		abort();
	lockout_state_clear(&s);
	buf_clear(&t1);
	buf_clear(&t2);

	fuzz_write(LOCKOUT_STATE_FILE, st, stlen);
	if (lockout_reserve(dir, &o, "u@pve", "10.0.0.1", NOW, &a, &err) < 0) {
		if (err.code != ERR_AUTH)
			abort();
	} else {
		lockout_fail(dir, &o, &a, NOW);
	}
	if (lockout_unlock(dir, &o, LOCKOUT_USER, "u@pve", NOW, NULL, NULL,
	    &found, &err) < 0 ||
	    lockout_unlock(dir, &o, LOCKOUT_ADDRESS, "10.0.0.1", NOW, NULL,
	    NULL, &found, &err) < 0)
		abort();
	check_file();
	if (lockout_reserve(dir, &o, "u@pve", "10.0.0.1", NOW, &a, &err) < 0)
		abort();
	lockout_release(dir, &o, &a, NOW);
	fuzz_unlink(LOCKOUT_STATE_FILE);
	fuzz_unlink(LOCKOUT_CFG_FILE);
	return 0;
}
