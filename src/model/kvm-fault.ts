/**
 * KVM's side of the retry protocol: the vCPU page fault, memslot updates and the gfn=>pfn
 * cache refresh. Follows `arch/x86/kvm/mmu/mmu.c` (`kvm_mmu_faultin_pfn`,
 * `is_page_fault_stale`), `virt/kvm/kvm_main.c` (`kvm_swap_active_memslots`,
 * `kvm_set_memslot`) and `virt/kvm/pfncache.c` (`hva_to_pfn_retry`,
 * `mmu_notifier_retry_cache`).
 *
 * The fault (required outcome in the right column):
 *
 *     vCPU                                   invalidation
 *     mmu_seq = mmu_invalidate_seq
 *     pfn = gup(hva)            (sleeps)     start: in_progress++, zap
 *                                            primary unmaps, end: seq++, in_progress--
 *     lock mmu_lock
 *     retry_gfn(mmu_seq, gfn)?  -> MUST be true: drop pfn, fault again
 *
 * A retry in the kernel re-enters the guest and faults again at once; here the vCPU parks on
 * `invalidateWait` until KVM's state moves (an end), which explores the same outcomes without
 * spinning. When a retry is needed while no invalidation is in flight on the primary, nothing
 * can ever move the state: the guest hangs (the seed's symptom), reported as a liveness error.
 */

import { StateError } from '../errors.ts';
import { SpinLock } from '../sync/spinlock.ts';
import { EFAULT } from './errno.ts';
import type { Kvm, Memslot, PfnCache } from './kvm.ts';
import { PAGE_SIZE } from './page-alloc.ts';

/** Retries one vCPU fault may take before it is reported as stuck (a limit on everything). */
export const KVM_FAULT_RETRIES_MAX = 16;

/** Bugs a history scenario may switch on, each named after the fix that removed it. */
export interface KvmFaultOptions {
  /** Only compare the seq, not `in_progress` (a fault installs during an invalidation). */
  readonly ignoreInProgress?: boolean;
}

/** Throws the liveness error when a retry can never succeed (no invalidation in flight). */
function assertCanProgress(kvm: Kvm, what: string): void {
  if (kvm.mm.inflight.length === 0 && kvm.inProgress.get() > 0) {
    throw new StateError(
      `liveness: ${what} retries forever: ${kvm.name}.mmu_invalidate_in_progress=${kvm.inProgress.get()} ` +
        'with no invalidation in flight (a start that never got its end)',
    );
  }
}

/**
 * A vCPU's EPT/NPT fault on `gfn`: returns the pfn now mapped by a shadow PTE, or -errno.
 * `kvm_mmu_faultin_pfn()` + `is_page_fault_stale()` + the map, with the retry loop.
 */
export async function kvmVcpuFault(
  kvm: Kvm,
  gfn: number,
  write: boolean,
  options: KvmFaultOptions = {},
): Promise<number> {
  for (let attempt = 0; attempt < KVM_FAULT_RETRIES_MAX; attempt++) {
    const slot = kvm.slotOfGfn(gfn);
    if (slot === undefined) return EFAULT; // no memslot: MMIO / emulation, not modelled
    const mmuSeq = kvm.seq.get(); // smp_rmb() follows
    const hva = slot.userspaceAddr + (gfn - slot.baseGfn) * PAGE_SIZE;
    const pfn = await kvm.mm.getUserPage(hva, write); // __kvm_faultin_pfn(): gup, may sleep
    if (pfn < 0) return pfn;
    kvm.mmuLock.lock();
    const stale =
      options.ignoreInProgress === true ? kvm.seq.get() !== mmuSeq : kvm.retryGfn(mmuSeq, gfn);
    if (!stale) kvm.setSpte(gfn, { pfn, hva, writable: write, young: true });
    kvm.mmuLock.unlock();
    kvm.mm.alloc.put(pfn); // kvm_release_faultin_page(): the spte holds no reference
    kvm.sched.annotate({
      kind: stale ? 'fault.retry' : 'fault.map',
      name: kvm.name,
      detail: `gfn ${gfn} -> pfn ${pfn}`,
    });
    if (!stale) return pfn;
    assertCanProgress(kvm, `vCPU fault on gfn ${gfn}`);
    await kvm.invalidateWait.wait(() => kvm.inProgress.peek() === 0 || kvm.seq.peek() !== mmuSeq);
  }
  throw new StateError(
    `liveness: vCPU fault on gfn ${gfn} did not complete in ${KVM_FAULT_RETRIES_MAX} tries`,
  );
}

/**
 * `kvm_set_memslot()` replacing the memslots with `slots`: `kvm_swap_active_memslots()` waits
 * until no invalidation is in flight (`mn_active_invalidate_count == 0`) unless `noWait` (the
 * bug fixed by 52ac8b358b0c), then zaps the sptes of removed slots
 * (`kvm_arch_flush_shadow_memslot`).
 */
export async function kvmSetMemslots(
  kvm: Kvm,
  slots: readonly Memslot[],
  noWait = false,
): Promise<void> {
  if (!noWait) await kvm.memslotsUpdateWait.wait(() => kvm.activeInvalidateCount.peek() === 0);
  const removed = kvm.mnInvalidateLock.withLock(() => {
    if (!noWait && kvm.activeInvalidateCount.get() !== 0)
      throw new StateError('memslots swapped during an invalidation');
    const old = kvm.memslots.get();
    kvm.memslots.set(slots);
    return old.filter((s) => !slots.includes(s));
  });
  kvm.mmuLock.withLock(() => {
    for (const slot of removed) kvm.zapGfnRange(slot.baseGfn, slot.baseGfn + slot.npages);
  });
}

/** Adds a gfn=>pfn cache of the page at `uhva` (`kvm_gpc_init` + `kvm_gpc_activate`). */
export function kvmGpcInit(kvm: Kvm, uhva: number): PfnCache {
  const lock = new SpinLock({
    scheduler: kvm.sched,
    name: `${kvm.name}.gpc${kvm.pfnCaches.length}.lock`,
  });
  const gpc: PfnCache = { uhva, lock, valid: false, pfn: 0 };
  kvm.pfnCaches.push(gpc);
  return gpc;
}

/**
 * `hva_to_pfn_retry()`: refreshes `gpc` and returns its pfn. With `noRetry` it uses the pfn
 * without checking for an invalidation that ran meanwhile (the bug fixed by 58cd407ca4c6).
 */
export async function kvmGpcRefresh(kvm: Kvm, gpc: PfnCache, noRetry = false): Promise<number> {
  for (let attempt = 0; attempt < KVM_FAULT_RETRIES_MAX; attempt++) {
    gpc.lock.withLock(() => (gpc.valid = false));
    const mmuSeq = kvm.seq.get();
    const pfn = await kvm.mm.getUserPage(gpc.uhva, false);
    if (pfn < 0) return pfn;
    const retry = gpc.lock.withLock(() => {
      const again = !noRetry && (kvm.activeInvalidateCount.get() > 0 || kvm.seq.get() !== mmuSeq);
      if (!again) {
        gpc.valid = true;
        gpc.pfn = pfn;
      }
      return again;
    });
    kvm.mm.alloc.put(pfn); // kvm_release_pfn_clean(): the cache holds no reference
    kvm.sched.annotate({
      kind: retry ? 'fault.retry' : 'fault.map',
      name: `${kvm.name}.gpc`,
      detail: `pfn ${pfn}`,
    });
    if (!retry) return pfn;
    await kvm.invalidateWait.wait(
      () => kvm.activeInvalidateCount.peek() === 0 || kvm.seq.peek() !== mmuSeq,
    );
  }
  throw new StateError(
    `liveness: pfn cache refresh of ${gpc.uhva} did not complete in ${KVM_FAULT_RETRIES_MAX} tries`,
  );
}
