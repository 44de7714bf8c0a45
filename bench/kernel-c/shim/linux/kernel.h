/* mmu-notifier bench shim (MIT, our own): <linux/kernel.h> for a user-space gcc build of the
 * kernel's lib/rbtree.c and lib/interval_tree.c. Not kernel code. */
#ifndef MMU_SHIM_KERNEL_H
#define MMU_SHIM_KERNEL_H
#include <linux/compiler.h>
#include <linux/container_of.h>
#endif
