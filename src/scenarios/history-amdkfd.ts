/**
 * amdkfd "drm/amdkfd: don't call mmput from MMU notifier callback" (2022).
 *
 * Goal: a callback must never drop the last reference of the mm (nor re-enter the notifier).
 * amdkfd's SVM `invalidate` took `mmget_not_zero` and called `mmput` at the end while still
 * holding its range lock; when the process exited meanwhile, that `mmput` was the last one
 * and ran `exit_mmap` inside the invalidation: `mmu_notifier_release` reached the same
 * callback, which waited for the lock its own caller held. The fix takes the mm reference
 * when work is deferred to the worker and drops it there, never in the callback.
 * Method: a KFD range (an interval notifier over the buffer) and two tasks: the process exits
 * (`mmput`) while compaction migrates a page of the buffer. Compaction walks the rmap and holds
 * no `mm_users` reference, so `exit_mmap` may start while its invalidation is open: the
 * core's `open-at-release` is tolerated as the kernel allows it.
 * With lockdep on (the default) the bug is reported before any deadlock, on the first
 * schedule, where the exit has not even run: the callback runs under
 * `__mmu_notifier_invalidate_range_start_map` and calls `mmput`, which may invalidate
 * (`mightInvalidate`), so the start map is taken recursively with `kfd.prange_lock` held
 * (`lock-order`, recursive). With `lockdep: false` the checker finds the deadlock itself.
 */

import type { MmuIntervalNotifierOps } from '../core/ops.ts';
import type { Mm } from '../model/mm.ts';
import { migratePage, mmgetNotZero, mmput } from '../model/mm-ops.ts';
import { PAGE_SIZE } from '../model/page-alloc.ts';
import { Mutex } from '../sync/mutex.ts';
import type { ScenarioEntry } from './entry.ts';
import { BASE, RW, stage } from './fixture.ts';
import { historyPair } from './pair.ts';

interface KfdRange {
  readonly mm: Mm;
  /** `prange->lock` / `svms->lock`. */
  readonly lock: Mutex;
  readonly buggy: boolean;
}

/** `svm_range_cpu_invalidate_pagetables()`, before (buggy) and after the fix. */
const kfdOps: MmuIntervalNotifierOps<KfdRange> = {
  invalidate(sub, range, curSeq) {
    const kfd = sub.data;
    if (!range.blockable) return false;
    const took = kfd.buggy && mmgetNotZero(kfd.mm);
    if (kfd.buggy && !took) return true; // the process is exiting
    return kfd.lock.lock().then(async () => {
      sub.setSeq(curSeq);
      if (took) await mmput(kfd.mm); // the bug: maybe the last reference, lock held
      kfd.lock.unlock();
      return true;
    });
  },
};

const amdkfdMmput = historyPair({
  name: 'amdkfd-mmput-in-callback',
  description:
    'The process exits while compaction migrates a page a KFD range covers. A callback that drops the last mm ' +
    'reference runs exit_mmap inside the invalidation and deadlocks on its own lock; deferring the put is clean.',
  setup(world, buggy) {
    const { mm } = stage(world, { tolerate: ['open-at-release'] });
    mm.mmap(BASE, PAGE_SIZE, { prot: RW });
    mm.populate(BASE, 1);
    const kfd: KfdRange = {
      mm,
      lock: new Mutex({ scheduler: world.scheduler, name: 'kfd.prange_lock' }),
      buggy,
    };
    mm.as.insertInterval(BASE, PAGE_SIZE, kfdOps, { name: 'kfd-svm', data: kfd });
    world.spawn('exit', () => mmput(mm));
    world.spawn('compaction', () => migratePage(mm, BASE));
  },
});

/** The amdkfd history pair. */
export const kfdHistory: readonly ScenarioEntry[] = amdkfdMmput;
