/* mmu-notifier bench shim (MIT, our own): <linux/compiler.h>: branch hints, __always_inline, READ_ONCE/WRITE_ONCE for a user-space gcc build of the
 * kernel's lib/rbtree.c and lib/interval_tree.c. Not kernel code. */
#ifndef MMU_SHIM_COMPILER_H
#define MMU_SHIM_COMPILER_H
#include <stdbool.h>
#include <stddef.h>
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#ifndef __always_inline
#define __always_inline inline __attribute__((__always_inline__))
#endif
#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, val)                              \
	do {                                            \
		*(volatile __typeof__(x) *)&(x) = (val); \
	} while (0)
#endif
