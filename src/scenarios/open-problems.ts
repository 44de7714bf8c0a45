/**
 * Races the model finds in today's kernel (v6.17's `mm/mmu_notifier.c`, the `kernel`
 * semantics), each paired with the project's core (`current`), which proves it clean.
 *
 * `itree-unwind`: `__mmu_notifier_invalidate_range_start()` runs the interval part
 * (`mn_itree_invalidate`: `active_invalidate_ranges++`, the seq made odd) and then the list
 * part; when a list notifier fails a non-blockable start with `-EAGAIN` (nouveau's SVM
 * notifier does whenever it may not sleep), the function returns the error without
 * `mn_itree_inv_end()`. The caller (the OOM reaper) calls no end, so the interval tree stays
 * excluded for good: `active_invalidate_ranges` never returns to 0 and every
 * `mmu_interval_read_begin()` on the interval waits forever. It needs an mm with both an
 * interval notifier and a failing list notifier (nouveau registers both kinds), then an OOM
 * reap. Method: the HMM test mirror (interval) and a nouveau-like list notifier on one mm,
 * the OOM reaper and a device fault; the pairing monitor checks the core is idle whenever
 * no invalidation is in flight. Our reading of the source; not reported upstream by us.
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
    return range.blockable ? 0 : EAGAIN;
  },
};

const itreeUnwind = historyPair({
  name: 'itree-unwind',
  description:
    'An interval notifier (HMM mirror) and a list notifier that fails non-blockable starts share an mm; the OOM ' +
    'reaper runs and a device faults. v6.17 returns EAGAIN without ending the interval part: the tree stays ' +
    'excluded and read_begin waits forever. The current core unwinds it.',
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
  buggyDefaults: { semantics: 'kernel' },
  fixedDefaults: { semantics: 'current' },
});

/** The open problems, as buggy (today's kernel) / fixed (this core) pairs. */
export const openProblems: readonly ScenarioEntry[] = itreeUnwind.map((e) => ({
  ...e,
  tags: ['open'],
}));
