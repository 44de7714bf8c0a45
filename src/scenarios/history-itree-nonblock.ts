/**
 * "mm/mmu_notifier: finish non-blocking interval invalidation on error" (upstream 2026; in
 * 6.12.118, not in 6.1.192): the interval part of a non-blockable invalidation leaks when a
 * list notifier fails. Found here by reading v6.17-rc3's `mm/mmu_notifier.c`, fixed upstream
 * in 2026, still in Debian's 6.1.192; the pair runs the real paths of both versions (the
 * versioned semantics, `kernel-path.ts`), no code of its own.
 *
 * `__mmu_notifier_invalidate_range_start()` runs the interval part (`mn_itree_invalidate`:
 * `active_invalidate_ranges++`, the seq made odd) and then the list part; when a list
 * notifier fails a non-blockable start with `-EAGAIN` (nouveau's SVM notifier does whenever
 * it may not sleep), 6.1.192 returns the error without `mn_itree_inv_end()`. The caller (the
 * OOM reaper) calls no end, so the interval tree stays excluded for good:
 * `active_invalidate_ranges` never returns to 0 and every `mmu_interval_read_begin()` on the
 * interval waits forever. 6.12.118 ends the interval part there
 * (`if (ret && has_itree && !mmu_notifier_range_blockable(range)) mn_itree_inv_end(...)`).
 *
 * It needs an mm with both an interval notifier and a failing list notifier (nouveau
 * registers both kinds), then an OOM reap. Method: the HMM test mirror (interval) and a
 * nouveau-like list notifier on one mm, the OOM reaper and a device fault; the pairing
 * monitor checks the core is idle whenever no invalidation is in flight, the liveness
 * monitor that the fault completes. Buggy: `linux-6.1`; fixed: `linux-6.12`.
 */

import type { MmuNotifierOps } from '../core/ops.ts';
import { EAGAIN } from '../core/range.ts';
import { DmirrorDevice } from '../model/hmm-migrate.ts';
import { Dmirror } from '../model/hmm-mirror.ts';
import { oomReapTask } from '../model/oom-reaper.ts';
import { PAGE_SIZE } from '../model/page-alloc.ts';
import type { ScenarioEntry } from './entry.ts';
import { BASE, RW, stage } from './fixture.ts';
import { historyPair } from './pair.ts';

/** nouveau's SVM list notifier: no end, and `-EAGAIN` whenever it may not sleep. */
const svmmOps: MmuNotifierOps = {
  invalidateRangeStart(_sub, range) {
    return range.blockable ? 0 : EAGAIN; // nouveau_svmm_invalidate_range_start()
  },
};

/** The pair: the same setup; the version's own code decides. */
export const itreeNonblockHistory: readonly ScenarioEntry[] = historyPair({
  name: 'itree-nonblock-unwind',
  description:
    'An interval notifier (HMM mirror) and a list notifier that fails non-blockable starts share an mm; the OOM ' +
    'reaper runs and a device faults. 6.1.192 returns EAGAIN without ending the interval part: the tree stays ' +
    'excluded and read_begin waits forever. Found by reading v6.17; fixed upstream in 2026 ("mm/mmu_notifier: ' +
    'finish non-blocking interval invalidation on error", in 6.12.118).',
  setup(world) {
    const { mm, watch } = stage(world);
    mm.mmap(BASE, PAGE_SIZE, { prot: RW });
    mm.populate(BASE, 1);
    const dmirror = watch(new Dmirror(mm, new DmirrorDevice()));
    dmirror.open();
    mm.as.register(svmmOps, { name: 'nouveau-svmm' });
    world.spawn('oom-reaper', () => oomReapTask(mm, { retries: 1 }));
    world.spawn('device-fault', () => dmirror.rangeFault(BASE, BASE + PAGE_SIZE, false));
  },
  buggyDefaults: { semantics: 'linux-6.1' },
  fixedDefaults: { semantics: 'linux-6.12' },
});
