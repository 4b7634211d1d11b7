/* Helpers shared by the bench programs (see benchutil.h). */
#include "benchutil.h"

#include <stdio.h>
#include <stdlib.h>

double
bench_clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

double
bench_now_ms(void)
{
	return bench_clock_ms(CLOCK_MONOTONIC);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

void
bench_sort(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
}

void
bench_report(const char *name, double *v, size_t n)
{
	bench_sort(v, n);
	printf("%-28s p50 %8.3f ms  p90 %8.3f ms\n", name, v[n / 2],
	    v[n * 9 / 10]);
}
