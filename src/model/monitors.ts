/**
 * The model's monitors: invariants the checker evaluates after every step. They state the
 * rules of `include/linux/mmu_notifier.h` and `mm/mmu_notifier.c` (the `invalidate_seq`
 * protocol comment above `mn_itree_is_invalidating`, pairing of start and end) from the
 * mirrors' side. Each throws a
 * {@link StateError} naming the mirror, the address and the pfn, so a finding reads on its own.
 *
 * | invariant                         | what must hold                                                        |
 * |-----------------------------------|-----------------------------------------------------------------------|
 * | `coherence: no freed pfn`         | no mirror maps a page the primary has freed (use after free)           |
 * | `coherence: mirror equals primary`| a mirror's mapping is the primary's PTE (same pfn; writable only if the PTE is), or an invalidation covering it has not yet returned from its start |
 * | `coherence: quiet inside start..end` | once a start has returned, no mirror it applies to maps a page of the range until the end |
 * | `pairing`                         | per mirror with an end, successful starts minus ends is >= 0, and 0 when no invalidation is in flight; the mirror's own counters agree (KVM's `in_progress`, ODP's `notifiers_count`); the core's `active_invalidate_ranges` is 0 then too |
 *
 * Liveness is checked where it happens: a fault that must retry while no invalidation is in
 * flight throws (`kvm-fault.ts`, `odp-2019.ts`), and a task that waits forever is the
 * checker's deadlock. Sleeping in non-blockable context and broken pairing at the core are
 * the core's contract diagnostics, which the checker reports as `contract` findings.
 */

import type { World } from '../check/world.ts';
import { StateError } from '../errors.ts';
import type { Mirror, MirrorMapping } from './mirror.ts';
import type { Mm } from './mm.ts';

function describe(mirror: Mirror, m: MirrorMapping): string {
  return `${mirror.name} maps 0x${m.addr.toString(16)} -> pfn ${m.pfn}${m.writable ? ' (writable)' : ''}`;
}

/** Throws when a mirror maps a freed pfn. */
export function checkNoFreedPfn(mm: Mm, mirrors: readonly Mirror[]): true {
  for (const mirror of mirrors) {
    for (const m of mirror.mappings()) {
      if (mm.alloc.isFreed(m.pfn))
        throw new StateError(`${describe(mirror, m)}, which is freed (use after free)`);
    }
  }
  return true;
}

/** Throws when a mirror's mapping differs from the primary's outside an invalidation's start. */
export function checkMirrorsEqualPrimary(mm: Mm, mirrors: readonly Mirror[]): true {
  for (const mirror of mirrors) {
    for (const m of mirror.mappings()) {
      if (mirror.isMigrating?.(m.addr) === true) continue;
      const pte = mm.peekPte(m.addr);
      if (pte !== undefined && pte.pfn === m.pfn && (!m.writable || pte.writable)) continue;
      const starting = mm.inflight.some(
        (r) => r.phase === 'starting' && r.range.start <= m.addr && m.addr < r.range.end,
      );
      if (starting) continue;
      const primary =
        pte === undefined ? 'nothing' : `pfn ${pte.pfn}${pte.writable ? ' (writable)' : ''}`;
      throw new StateError(
        `${describe(mirror, m)} but the primary maps ${primary} and no invalidation is starting`,
      );
    }
  }
  return true;
}

/** Throws when a mirror maps a page inside a started (not yet ending) invalidation of it. */
export function checkQuietInsideInvalidation(mm: Mm, mirrors: readonly Mirror[]): true {
  for (const rec of mm.inflight) {
    if (rec.phase !== 'started') continue;
    for (const mirror of mirrors) {
      if (rec.epoch < mirror.attachEpoch || !mirror.isSubject(rec.range)) continue;
      for (const m of mirror.mappings()) {
        if (
          m.addr < rec.range.start ||
          m.addr >= rec.range.end ||
          mirror.isMigrating?.(m.addr) === true
        )
          continue;
        throw new StateError(
          `${describe(mirror, m)} inside ${rec.by}'s started invalidation [0x${rec.range.start.toString(16)}, 0x${rec.range.end.toString(16)})`,
        );
      }
    }
  }
  return true;
}

/** Throws when a mirror's starts and ends do not pair, or the core stays busy when idle. */
export function checkPairing(mm: Mm, mirrors: readonly Mirror[]): true {
  const idle = mm.inflight.length === 0;
  const active = mm.as.activeInvalidateRanges;
  if (idle && active !== 0) {
    throw new StateError(
      `the core has ${active} active invalidation(s) (invalidate_seq ${mm.as.invalidateSeq}) and none is in flight: ` +
        'interval notifiers will wait forever in read_begin',
    );
  }
  for (const mirror of mirrors) {
    const open = mirror.openStarts?.();
    if (open !== undefined && (open < 0 || (idle && open !== 0))) {
      throw new StateError(
        `${mirror.name}: ${open} start(s) without an end${idle ? ' and no invalidation in flight' : ''}`,
      );
    }
    const broken = mirror.balanceViolation?.(idle);
    if (broken !== undefined) throw new StateError(`${mirror.name}: ${broken}`);
  }
  return true;
}

/** Registers every monitor of this module on `world` for `mm` and its mirrors. */
export function installMonitors(world: World, mm: Mm, mirrors: readonly Mirror[]): void {
  world.invariant('coherence: no freed pfn', () => checkNoFreedPfn(mm, mirrors));
  world.invariant('coherence: mirror equals primary', () => checkMirrorsEqualPrimary(mm, mirrors));
  world.invariant('coherence: quiet inside start..end', () =>
    checkQuietInsideInvalidation(mm, mirrors),
  );
  world.invariant('pairing', () => checkPairing(mm, mirrors));
}
