/*
 * Compiler helpers shared by every module: attributes that let the compiler
 * check printf formats and unused results, and an assert that stays on in
 * release builds (it guards internal invariants, never input).
 */
#ifndef RG_COMPILER_H
#define RG_COMPILER_H

#include <stddef.h>

#define RG_WARN_UNUSED	    __attribute__((warn_unused_result))
#define RG_PRINTF(fmt, arg) __attribute__((format(printf, fmt, arg)))
#define RG_NORETURN	    __attribute__((noreturn))
#define RG_UNUSED	    __attribute__((unused))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

RG_NORETURN void rg_assert_fail(const char *expr, const char *file, int line);

#define rg_assert(expr)                                                 \
	do {                                                            \
		if (!(expr))                                            \
			rg_assert_fail(#expr, __FILE__, __LINE__);      \
	} while (0)

#endif
