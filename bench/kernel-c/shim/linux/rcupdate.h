/* mmu-notifier bench shim (MIT, our own): <linux/rcupdate.h>: single-threaded, so plain (volatile) stores and loads for a user-space gcc build of the
 * kernel's lib/rbtree.c and lib/interval_tree.c. Not kernel code. */
#ifndef MMU_SHIM_RCUPDATE_H
#define MMU_SHIM_RCUPDATE_H
#include <linux/compiler.h>
#define rcu_assign_pointer(p, v) WRITE_ONCE(p, v)
#define rcu_dereference_raw(p) READ_ONCE(p)
#endif
