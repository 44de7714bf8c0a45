/**
 * The kernel's lockdep pseudo-locks of the notifier (checked against v6.12.118, Debian's
 * source, and v6.17-rc3, where the same code stands): maps with no
 * lock behind them that teach the validator the orderings an invalidation implies, so a
 * driver's lock-order bug is reported on a schedule that does not deadlock.
 *
 * | map / annotation                              | kernel                                                        | here |
 * |-----------------------------------------------|---------------------------------------------------------------|------|
 * | {@link INVALIDATE_RANGE_START_MAP} held       | `mmu_notifier_invalidate_range_start[_nonblock]()` (header), `__mmu_notifier_invalidate_range_end()` | `invalidate.ts` |
 * | acquired and released before a wait           | `mmu_interval_read_begin()`, `mmu_interval_notifier_remove()`  | `itree.ts` |
 * | {@link mightAlloc} (`might_alloc(GFP_KERNEL)`) | `fs_reclaim_acquire()` takes `fs_reclaim` and, inside, the start map (`mm/page_alloc.c`; before v5.10 the prime sat in `__mmu_notifier_register`) | drivers; the first register (`kzalloc` in `__mmu_notifier_register`); the model's anonymous and COW faults (`model/mm-fault.ts`) |
 * | {@link mightInvalidate}                       | the acquire/release pair of `mmu_interval_read_begin()`; ours also where an operation may start an invalidation (`mmput` may be the last and run `exit_mmap`) | `itree.ts`, `model/mm-ops.ts` |
 *
 * Under a scheduler with no validator every call here costs one property read.
 */

import { type LockMap, lockMap, lockMapAcquire, lockMapRelease } from '../sched/lockdep-hooks.ts';
import { mightSleepCheck, type Scheduler } from '../sched/scheduler.ts';
import type { CoreState } from './core-state.ts';

/** `__mmu_notifier_invalidate_range_start_map`: held around every start and end walk. */
export const INVALIDATE_RANGE_START_MAP: LockMap = lockMap(
  '__mmu_notifier_invalidate_range_start_map',
  undefined,
);

/** `__fs_reclaim_map` (class `fs_reclaim`): "this allocation may enter reclaim". */
export const FS_RECLAIM_MAP: LockMap = lockMap('fs_reclaim', undefined);

/**
 * `might_alloc(GFP_KERNEL)`: a sleeping allocation may enter direct reclaim, and reclaim may
 * invalidate (v6.12 `fs_reclaim_acquire()`: the start map is taken inside `fs_reclaim`).
 * A driver calls it where it allocates with `GFP_KERNEL` (`kmalloc`, `alloc_page`).
 * @throws SleepInAtomicError inside a spin lock or a non-blockable section (`might_sleep`).
 */
export function mightAlloc(sched: Scheduler): void {
  lockMapAcquire(sched, FS_RECLAIM_MAP);
  lockMapAcquire(sched, INVALIDATE_RANGE_START_MAP);
  lockMapRelease(sched, INVALIDATE_RANGE_START_MAP);
  lockMapRelease(sched, FS_RECLAIM_MAP);
  mightSleepCheck(sched, 'allocation (GFP_KERNEL)');
}

/**
 * Ours: the caller may start an invalidation (the start map acquired and released), as the
 * kernel's `fs_reclaim` prime does for reclaim. Never blocks.
 */
export function mightInvalidate(sched: Scheduler): void {
  lockMapAcquire(sched, INVALIDATE_RANGE_START_MAP);
  lockMapRelease(sched, INVALIDATE_RANGE_START_MAP);
}

/**
 * `__mmu_notifier_register`: the first registration on an address space allocates its
 * `mmu_notifier_subscriptions` with `kzalloc(GFP_KERNEL)` ({@link mightAlloc}); later ones
 * do not.
 */
export function registerAlloc(core: CoreState): void {
  if (core.subscriptionsAllocated) return;
  core.subscriptionsAllocated = true;
  mightAlloc(core.sched);
}
