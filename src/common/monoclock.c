/*
 * The monotonic clock in milliseconds (see monoclock.h).
 */
#include "monoclock.h"

#include <time.h>

long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
