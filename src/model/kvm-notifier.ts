/**
 * KVM's `struct mmu_notifier_ops`. Follows `virt/kvm/kvm_main.c`
 * (`kvm_mmu_notifier_invalidate_range_start/_end`, `kvm_mmu_notifier_clear_flush_young`,
 * `_clear_young`, `_test_young`, `kvm_mmu_notifier_release`) and `virt/kvm/pfncache.c`
 * (`gfn_to_pfn_cache_invalidate_start`). The state they change is `Kvm`'s (`kvm.ts`, whose
 * protocol comment lists the locks).
 *
 * Every callback is synchronous: KVM takes only spin locks here, so its start never sleeps
 * and never fails, in blockable and non-blockable ranges alike.
 */

import type { MmuNotifierOps } from '../core/ops.ts';
import type { Kvm } from './kvm.ts';

/** `kvm_mmu_notifier_ops`. */
export const kvmMmuNotifierOps: MmuNotifierOps<Kvm> = {
  invalidateRangeStart(sub, range) {
    const kvm = sub.data;
    kvm.mnInvalidateLock.withLock(() =>
      kvm.activeInvalidateCount.set(kvm.activeInvalidateCount.get() + 1),
    );
    invalidatePfnCaches(kvm, range.start, range.end); // gfn_to_pfn_cache_invalidate_start()
    kvm.handleHvaRange(
      range.start,
      range.end,
      () => kvm.invalidateBegin(),
      (gs, ge) => {
        kvm.invalidateRangeAdd(gs, ge);
        return kvm.zapGfnRange(gs, ge);
      },
    );
    kvm.noteStart(1);
    return 0;
  },
  invalidateRangeEnd(sub, range) {
    const kvm = sub.data;
    kvm.handleHvaRange(
      range.start,
      range.end,
      () => kvm.invalidateEndLocked(),
      () => false,
    );
    const wake = kvm.mnInvalidateLock.withLock(() => {
      const n = kvm.activeInvalidateCount.get();
      if (n > 0) kvm.activeInvalidateCount.set(n - 1); // WARN_ON_ONCE(!count): v6.9 hardening
      return n <= 1;
    });
    kvm.noteStart(-1);
    kvm.invalidateWait.wakeUpAll();
    if (wake) kvm.memslotsUpdateWait.wakeUpAll(); // rcuwait_wake_up()
  },
  clearFlushYoung(sub, _mm, start, end) {
    return ageHvaRange(sub.data, start, end, true);
  },
  clearYoung(sub, _mm, start, end) {
    return ageHvaRange(sub.data, start, end, true);
  },
  testYoung(sub, _mm, address) {
    return ageHvaRange(sub.data, address, address + 1, false);
  },
  release(sub) {
    sub.data.flushShadowAll(); // kvm_flush_shadow_all()
  },
};

/** `kvm_age_gfn()` / `kvm_test_age_gfn()` over the sptes of `[start, end)`. */
function ageHvaRange(kvm: Kvm, start: number, end: number, clear: boolean): boolean {
  return kvm.handleHvaRange(start, end, undefined, (gs, ge) => {
    let young = false;
    for (const [gfn, spte] of kvm.sptes) {
      if (gfn < gs || gfn >= ge || !spte.young) continue;
      young = true;
      if (clear) spte.young = false;
    }
    return young;
  }).ret;
}

/** `gfn_to_pfn_cache_invalidate_start()`: marks caches of `[start, end)` invalid. */
function invalidatePfnCaches(kvm: Kvm, start: number, end: number): void {
  for (const gpc of kvm.pfnCaches) {
    gpc.lock.withLock(() => {
      if (gpc.valid && gpc.uhva >= start && gpc.uhva < end) gpc.valid = false;
    });
  }
}
