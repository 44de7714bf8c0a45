/* MIT, mmu-notifier: see ../../kshim.h */
#include <kshim.h>
