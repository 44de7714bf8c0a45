/* mmu-notifier bench shim (MIT, our own): <linux/export.h>: no module symbol table in user space for a user-space gcc build of the
 * kernel's lib/rbtree.c and lib/interval_tree.c. Not kernel code. */
#ifndef MMU_SHIM_EXPORT_H
#define MMU_SHIM_EXPORT_H
#define EXPORT_SYMBOL(sym)
#define EXPORT_SYMBOL_GPL(sym)
#endif
