/**
 * History pairs on KVM's side of the contract.
 *
 * Goal: each race KVM had with the notifier core, found when the bug is in and proven absent
 * when the fix is in. Method: the smallest setup that reaches the race (one page, one
 * memslot, two or three tasks); the model's monitors judge (pairing, coherence, liveness).
 */

import type { MmuNotifierOps } from '../core/ops.ts';
import { EAGAIN } from '../core/range.ts';
import { Kvm, type Memslot } from '../model/kvm.ts';
import { kvmGpcInit, kvmGpcRefresh, kvmSetMemslots, kvmVcpuFault } from '../model/kvm-fault.ts';
import { munmap } from '../model/mm-ops.ts';
import { oomReapTask } from '../model/oom-reaper.ts';
import { PAGE_SIZE } from '../model/page-alloc.ts';
import type { ScenarioEntry } from './entry.ts';
import { BASE, RW, stage } from './fixture.ts';
import { historyPair } from './pair.ts';

const SLOT: Memslot = { id: 0, baseGfn: 0, npages: 1, userspaceAddr: BASE };

/** nouveau's SVM list notifier: no end, and a start that fails when it may not sleep. */
const svmmOps: MmuNotifierOps = {
  invalidateRangeStart(_sub, range) {
    return range.blockable ? 0 : EAGAIN; // nouveau_svmm_invalidate_range_start()
  },
};

/**
 * c2655835fd8c "mm/mmu_notifiers: ensure range_end() is paired with range_start()": a
 * non-blockable start fails in one notifier after KVM's succeeded. Before (legacy-2019) the
 * caller calls no end and KVM's count leaks; after (linux-6.12; 6.1.192 too) the core ends every notifier
 * with an end, which the kernel requires to be exactly those that cannot fail.
 */
const c2655835fd8c = historyPair({
  name: 'c2655835fd8c',
  description:
    'KVM and a notifier without an end (nouveau SVM) that fails non-blockable starts; the OOM reaper runs. ' +
    'Without the fix KVM never gets its end (mmu_invalidate_in_progress leaks, the vCPU hangs); with it the core ends KVM.',
  setup(world) {
    const { mm, watch } = stage(world);
    mm.mmap(BASE, PAGE_SIZE, { prot: RW });
    mm.populate(BASE, 1);
    const kvm = watch(new Kvm(mm, { memslots: [SLOT] }));
    kvm.register();
    mm.as.register(svmmOps, { name: 'nouveau-svmm' });
    world.spawn('oom-reaper', () => oomReapTask(mm, { retries: 1 }));
    world.spawn('vcpu', () => kvmVcpuFault(kvm, 0, false));
  },
  buggyDefaults: { semantics: 'legacy-2019' },
  fixedDefaults: { semantics: 'linux-6.12' },
});

/**
 * 52ac8b358b0c "KVM: Block memslot updates across range_start() and range_end()": start and
 * end each decide whether a memslot overlaps; a memslot deleted in between makes the end
 * skip `in_progress--`. The fix makes memslot updates wait for `mn_active_invalidate_count == 0`.
 */
const b52ac8b358b0c = historyPair({
  name: '52ac8b358b0c',
  description:
    'munmap of a page in a memslot races the deletion of that memslot. Without the fix the end finds no memslot ' +
    'and mmu_invalidate_in_progress never returns to 0; with it the update waits for the invalidation to end.',
  setup(world, buggy) {
    const { mm, watch } = stage(world);
    mm.mmap(BASE, PAGE_SIZE, { prot: RW });
    mm.populate(BASE, 1);
    const kvm = watch(new Kvm(mm, { memslots: [SLOT] }));
    kvm.register();
    world.spawn('munmap', () => munmap(mm, BASE, PAGE_SIZE));
    world.spawn('delete-memslot', () => kvmSetMemslots(kvm, [], buggy));
  },
});

/**
 * 58cd407ca4c6 "KVM: Fix multiple races in gfn=>pfn cache refresh": the refresh resolved the
 * pfn outside `gpc->lock` and marked the cache valid without checking whether an invalidation
 * ran meanwhile, so it could cache a page munmap had just freed. The fix retries while
 * `mn_active_invalidate_count` is non-zero or `mmu_invalidate_seq` moved.
 */
const b58cd407ca4c6 = historyPair({
  name: '58cd407ca4c6',
  description:
    'A gfn=>pfn cache refresh races munmap of its page. Without the fix the cache keeps a freed pfn; ' +
    'with it the refresh sees the invalidation and retries (and finds no VMA).',
  setup(world, buggy) {
    const { mm, watch } = stage(world);
    mm.mmap(BASE, PAGE_SIZE, { prot: RW });
    mm.populate(BASE, 1);
    const kvm = watch(new Kvm(mm, { memslots: [SLOT] }));
    kvm.register();
    const gpc = kvmGpcInit(kvm, BASE);
    world.spawn('gpc-refresh', () => kvmGpcRefresh(kvm, gpc, buggy));
    world.spawn('munmap', () => munmap(mm, BASE, PAGE_SIZE));
  },
});

/**
 * The fault's retry check (`mmu_invalidate_retry_gfn`, `mmu_notifier_retry` before v6.1)
 * must look at `in_progress`, not only at the seq: the seq moves at the end, so a fault that
 * resolves its pfn during an invalidation and checks the seq alone maps a page that the
 * primary is about to free. Named after the helper (no single fixing commit is claimed).
 */
const kvmRetryInProgress = historyPair({
  name: 'kvm-mmu-invalidate-retry',
  description:
    'A vCPU fault races munmap. A retry check that only compares mmu_invalidate_seq installs a spte during the ' +
    'invalidation (then a freed pfn); checking mmu_invalidate_in_progress as well (mmu_invalidate_retry_gfn) retries.',
  setup(world, buggy) {
    const { mm, watch } = stage(world);
    mm.mmap(BASE, PAGE_SIZE, { prot: RW });
    mm.populate(BASE, 1);
    const kvm = watch(new Kvm(mm, { memslots: [SLOT] }));
    kvm.register();
    world.spawn('vcpu', () => kvmVcpuFault(kvm, 0, false, { ignoreInProgress: buggy }));
    world.spawn('munmap', () => munmap(mm, BASE, PAGE_SIZE));
  },
});

/** The KVM history pairs. */
export const kvmHistory: readonly ScenarioEntry[] = [
  ...c2655835fd8c,
  ...b52ac8b358b0c,
  ...b58cd407ca4c6,
  ...kvmRetryInProgress,
];
