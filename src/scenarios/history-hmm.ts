/**
 * History pairs on the interval-notifier side (drivers mirroring with `hmm_range_fault`),
 * run on the HMM test driver's mirror with one mistake switched on.
 *
 * Goal: the collision-retry protocol's two halves (`setSeq` under the driver lock in
 * `invalidate`, `readRetry` under the same lock before programming the device), and the
 * non-blockable rule. Method: one page, a device fault racing an unmap, the monitors judge.
 */

import { DmirrorDevice } from '../model/hmm-migrate.ts';
import { Dmirror } from '../model/hmm-mirror.ts';
import { madviseDontneed } from '../model/mm-ops.ts';
import { oomReapTask } from '../model/oom-reaper.ts';
import { PAGE_SIZE } from '../model/page-alloc.ts';
import type { ScenarioEntry } from './entry.ts';
import { BASE, RW, stage } from './fixture.ts';
import { historyPair } from './pair.ts';

/**
 * amdgpu's move to interval notifiers (v5.5, "drm/amdgpu: Use mmu_interval_insert instead of
 * hmm_mirror" and its follow-ups): an `invalidate` that does not call `mmu_interval_set_seq`
 * leaves `read_retry` blind, so a fault that collided installs a stale device mapping.
 */
const setSeq = historyPair({
  name: 'amdgpu-interval-set-seq',
  description:
    'A device fault races MADV_DONTNEED of its page. If invalidate() does not call setSeq, readRetry() misses the ' +
    'collision and the device maps a freed page; with setSeq the fault retries.',
  setup(world, buggy) {
    const { mm, watch } = stage(world);
    mm.mmap(BASE, PAGE_SIZE, { prot: RW });
    mm.populate(BASE, 1);
    const dmirror = watch(new Dmirror(mm, new DmirrorDevice(), 'gpu', { noSetSeq: buggy }));
    dmirror.open();
    world.spawn('gpu-fault', () => dmirror.rangeFault(BASE, BASE + PAGE_SIZE, false));
    world.spawn('madvise', () => madviseDontneed(mm, BASE, PAGE_SIZE));
  },
});

/** The same protocol, other half: `read_retry` must be checked under the lock `invalidate` takes. */
const retryLock = historyPair({
  name: 'amdgpu-interval-retry-lock',
  description:
    'A device fault races MADV_DONTNEED of its page. Checking readRetry() before taking the driver lock lets the ' +
    'whole invalidation run in between and the device maps a freed page; checking it under the lock retries.',
  setup(world, buggy) {
    const { mm, watch } = stage(world);
    mm.mmap(BASE, PAGE_SIZE, { prot: RW });
    mm.populate(BASE, 1);
    const dmirror = watch(new Dmirror(mm, new DmirrorDevice(), 'gpu', { retryWithoutLock: buggy }));
    dmirror.open();
    world.spawn('gpu-fault', () => dmirror.rangeFault(BASE, BASE + PAGE_SIZE, false));
    world.spawn('madvise', () => madviseDontneed(mm, BASE, PAGE_SIZE));
  },
});

/**
 * ba170f76b69d "mm, notifier: Catch sleeping/blocking for !blockable": a callback that takes
 * a sleeping lock in a non-blockable range (the OOM reaper's) is a bug even when the lock is
 * free; since v5.4 `non_block_start()` makes it splat. Fixed drivers use trylock and fail.
 */
const nonBlock = historyPair({
  name: 'ba170f76b69d',
  description:
    'The OOM reaper invalidates non-blockably while a device fault runs. A mirror that sleeps on its mutex in ' +
    'non-blockable context is caught (sleep-in-nonblock); one that uses trylock and returns false is clean.',
  setup(world, buggy) {
    const { mm, watch } = stage(world);
    mm.mmap(BASE, PAGE_SIZE, { prot: RW });
    mm.populate(BASE, 1);
    const dmirror = watch(
      new Dmirror(mm, new DmirrorDevice(), 'dmirror', { nonblockSleeps: buggy }),
    );
    dmirror.open();
    world.spawn('oom-reaper', () => oomReapTask(mm, { retries: 1 }));
    world.spawn('device-fault', () => dmirror.rangeFault(BASE, BASE + PAGE_SIZE, false));
  },
});

/** The interval-notifier history pairs. */
export const hmmHistory: readonly ScenarioEntry[] = [...setSeq, ...retryLock, ...nonBlock];
