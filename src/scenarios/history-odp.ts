/**
 * History pairs on the RDMA side and the OOM reaper's.
 *
 * Goal: invalidate against MR teardown (mlx5), and the reaper's duty never to end a start
 * that failed. Method: one page, two tasks, the monitors and the core's diagnostics judge.
 */

import type { MmuNotifierOps } from '../core/ops.ts';
import { EAGAIN } from '../core/range.ts';
import { Kvm } from '../model/kvm.ts';
import { munmap } from '../model/mm-ops.ts';
import { OdpUmem, odpRevokeMr } from '../model/odp.ts';
import { oomReapTask } from '../model/oom-reaper.ts';
import { PAGE_SIZE } from '../model/page-alloc.ts';
import type { ScenarioEntry } from './entry.ts';
import { BASE, RW, stage } from './fixture.ts';
import { historyPair } from './pair.ts';

/**
 * abb604a1a9c8 (mlx5, 2025): `mlx5_revoke_mr()` destroyed the MR's mkey without
 * `umem_mutex`, and `mlx5_ib_invalidate_range()` kept using the MR through
 * `umem_odp->private`. The fix revokes under the mutex and clears `private`, which
 * invalidate checks.
 */
const mlx5Revoke = historyPair({
  name: 'abb604a1a9c8',
  description:
    'An ODP MR is deregistered while munmap invalidates its page. Without the fix invalidate uses the destroyed MR; ' +
    'with it revoke and invalidate serialize on umem_mutex and invalidate skips the torn-down MR.',
  setup(world, buggy) {
    const { mm, watch } = stage(world);
    mm.mmap(BASE, PAGE_SIZE, { prot: RW });
    mm.populate(BASE, 1);
    const odp = watch(new OdpUmem(mm, BASE, PAGE_SIZE, 'mlx5-mr'));
    odp.insert();
    odp.premap(BASE);
    world.spawn('dereg-mr', async () => {
      await odpRevokeMr(odp, buggy);
      await odp.release();
    });
    world.spawn('munmap', () => munmap(mm, BASE, PAGE_SIZE));
  },
});

/** A list notifier without an end whose non-blockable start always fails (nouveau SVM). */
const failingOps: MmuNotifierOps = {
  invalidateRangeStart(_sub, range) {
    return range.blockable ? 0 : EAGAIN;
  },
};

/**
 * 93065ac753e4 "mm, oom: distinguish blockable mode for mmu notifiers" gave the reaper its
 * rule: on `-EAGAIN` from `mmu_notifier_invalidate_range_start_nonblock` skip the VMA and
 * call no end. A reaper that ends anyway sends KVM an end without a start.
 */
const reaperEnd = historyPair({
  name: '93065ac753e4',
  description:
    'The OOM reaper meets a notifier that fails non-blockable starts, with KVM also registered. Calling end after ' +
    'the EAGAIN is an end without a start (KVM would underflow); skipping the VMA as the kernel does is clean.',
  setup(world, buggy) {
    const { mm, watch } = stage(world);
    mm.mmap(BASE, PAGE_SIZE, { prot: RW });
    mm.populate(BASE, 1);
    const kvm = watch(
      new Kvm(mm, { memslots: [{ id: 0, baseGfn: 0, npages: 1, userspaceAddr: BASE }] }),
    );
    kvm.register();
    mm.as.register(failingOps, { name: 'nouveau-svmm' });
    world.spawn('oom-reaper', () => oomReapTask(mm, { retries: 2, endAfterFailedStart: buggy }));
  },
});

/** The RDMA and OOM history pairs. */
export const odpHistory: readonly ScenarioEntry[] = [...mlx5Revoke, ...reaperEnd];
