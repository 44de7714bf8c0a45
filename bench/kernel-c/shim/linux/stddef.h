/* mmu-notifier bench shim (MIT, our own): <linux/stddef.h>: NULL, offsetof, bool for a user-space gcc build of the
 * kernel's lib/rbtree.c and lib/interval_tree.c. Not kernel code. */
#ifndef MMU_SHIM_STDDEF_H
#define MMU_SHIM_STDDEF_H
#include <stdbool.h>
#include <stddef.h>
#endif
