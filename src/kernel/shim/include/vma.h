/* MIT, mmu-notifier: mm/vma.h (6.12) is not needed by mmu_notifier.c; see kshim.h */
#include <kshim.h>
