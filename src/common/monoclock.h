/*
 * The monotonic clock in milliseconds, for timeouts and deadlines (never
 * for dates: it starts at some arbitrary point, and never jumps).
 */
#ifndef RG_MONOCLOCK_H
#define RG_MONOCLOCK_H

long long mono_ms(void);

#endif
