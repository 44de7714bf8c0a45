/* mmu-notifier bench shim (MIT, our own): <linux/container_of.h> for a user-space gcc build of the
 * kernel's lib/rbtree.c and lib/interval_tree.c. Not kernel code. */
#ifndef MMU_SHIM_CONTAINER_OF_H
#define MMU_SHIM_CONTAINER_OF_H
#include <stddef.h>
#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))
#endif
