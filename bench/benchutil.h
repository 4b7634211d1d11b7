/*
 * The few helpers every bench program needs: a millisecond clock and
 * sorted percentiles of a sample.
 */
#ifndef RG_BENCHUTIL_H
#define RG_BENCHUTIL_H

#include <stddef.h>
#include <time.h>

/* Milliseconds on clock id (CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID). */
double bench_clock_ms(clockid_t id);
/* bench_clock_ms(CLOCK_MONOTONIC) */
double bench_now_ms(void);
/* Sort v[n] ascending (for percentiles: v[n / 2], v[n * 9 / 10]). */
void bench_sort(double *v, size_t n);
/* Sort v[n], then print "<name> p50 .. ms  p90 .. ms". */
void bench_report(const char *name, double *v, size_t n);

#endif
