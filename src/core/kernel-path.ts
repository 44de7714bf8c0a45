/**
 * The versioned kernel invalidation paths: `mm/mmu_notifier.c` of Debian's 6.12.118
 * (`linux-6.12`, and its alias `kernel`) and 6.1.192 (`linux-6.1`) path for path, flaws
 * included, and the v5.2 list part (the seed's core) over the v5.5-v5.11 interval part
 * (`legacy-2019`). One code path; a {@link KernelVersion} says which lines a version has.
 * Each function names the kernel function it follows; nothing is fixed.
 *
 * Protocol (6.12.118; the lines the other versions lack or add are marked)
 * --------
 * ```
 * __mmu_notifier_invalidate_range_start(range):
 *   has_itree = subscriptions->has_itree                 (6.12.118: read once, kept)
 *   has_itree?  mn_itree_invalidate: mn_itree_inv_start_range (active++, seq |= 1 on overlap),
 *               every overlapping invalidate (two-pass: finishes after the walk);
 *               non-blockable false -> finishes, mn_itree_inv_end, return -EAGAIN
 *   list?       ret = mn_hlist_invalidate_range_start: every start (live walk), ret = the
 *               last failure; ret != 0 -> every notifier WITH AN END gets an end (unwind;
 *               not in v5.2: legacy-2019)
 *   ret && has_itree && !blockable?  mn_itree_inv_end    (the 2026 stable fix; 6.1.192 and
 *               legacy-2019 return the list's ret at once: the interval part stays active)
 *   return ret
 * __mmu_notifier_invalidate_range_end(range):
 *   has_itree (read NOW)?  mn_itree_inv_end (active--, may underflow)
 *   list?                  mn_hlist_invalidate_end: every notifier (live walk):
 *                          invalidate_range first (6.1.192, legacy-2019: the secondary-TLB
 *                          callback, archInvalidateSecondaryTlbs here), then its end
 * ```
 *
 * The kernel keeps no record of who started; the in-flight record is used here only as the
 * walk's scratch (its errors, its SRCU token), never to decide who gets an end.
 * The rules the kernel relies on instead of checks are reported by the contract monitor
 * where they are broken: `failing-start-with-end` (its WARN_ON), `end-without-start` /
 * `double-end`, `subscribe-in-flight` (`mm_take_all_locks` excludes it), `active-underflow`.
 */

import { srcuEnter, srcuExit } from './callbacks.ts';
import type { CoreState } from './core-state.ts';
import { endLiveFrom, startFrom } from './hlist-walk.ts';
import type { InFlight } from './in-flight.ts';
import { itreeInvalidate } from './itree-walk.ts';
import { EAGAIN } from './range.ts';

/** Which lines of `mm/mmu_notifier.c` one kernel version has (see the module comment). */
export interface KernelVersion {
  /** The exact version followed (`VERSION.PATCHLEVEL.SUBLEVEL` of the source read). */
  readonly version: string;
  /** `mn_hlist_invalidate_range_start` ends every notifier on a failure (c2655835fd8c, v5.12). */
  readonly hlistUnwind: boolean;
  /**
   * `__mmu_notifier_invalidate_range_start` ends the interval part when the list part fails
   * non-blockably ("mm/mmu_notifier: finish non-blocking interval invalidation on error", 2026).
   */
  readonly itreeEndOnListFailure: boolean;
  /**
   * `mn_hlist_invalidate_end` calls `invalidate_range` (the secondary-TLB callback, renamed
   * `arch_invalidate_secondary_tlbs` by 1af5a8109904 in v6.6) before each end.
   */
  readonly secondaryTlbsAtEnd: boolean;
  /**
   * `__mmu_notifier_register` refuses (`WARN_ON_ONCE`, `-EINVAL`) ops that combine the
   * secondary-TLB callback with `invalidate_range_start`/`end` (v6.6).
   */
  readonly secondaryTlbsExclusive: boolean;
}

/** Debian's `linux-source-6.12` (6.12.118): the 2026 stable fix, no `invalidate_range`. */
export const LINUX_6_12: KernelVersion = {
  version: '6.12.118',
  hlistUnwind: true,
  itreeEndOnListFailure: true,
  secondaryTlbsAtEnd: false,
  secondaryTlbsExclusive: true,
};

/** Debian's `linux-source-6.1` (6.1.192): no 2026 fix; `invalidate_range` in the end. */
export const LINUX_6_1: KernelVersion = {
  version: '6.1.192',
  hlistUnwind: true,
  itreeEndOnListFailure: false,
  secondaryTlbsAtEnd: true,
  secondaryTlbsExclusive: false,
};

/** v5.2's list part (no unwind) over the v5.5-v5.11 interval part. */
export const LEGACY_2019: KernelVersion = {
  version: '5.2 (interval part: 5.5-5.11)',
  hlistUnwind: false,
  itreeEndOnListFailure: false,
  secondaryTlbsAtEnd: true,
  secondaryTlbsExclusive: false,
};

/**
 * `__mmu_notifier_invalidate_range_start` of version `v`: returns the start's value (0, or
 * the failure). Pairs with {@link kernelRangeEnd}.
 */
export function kernelRangeStart(
  core: CoreState,
  rec: InFlight,
  v: KernelVersion,
): number | Promise<number> {
  const hasItree = core.itree.hasItree;
  if (hasItree) {
    const ok = mnItreeInvalidate(core, rec);
    if (ok instanceof Promise) {
      return ok.then((done) => (done ? kernelListStart(core, rec, v, hasItree) : EAGAIN));
    }
    if (!ok) return EAGAIN;
  }
  return kernelListStart(core, rec, v, hasItree);
}

/** `mn_itree_invalidate`: true when the walk went through; false after its own unwind. */
function mnItreeInvalidate(core: CoreState, rec: InFlight): boolean | Promise<boolean> {
  return itreeInvalidate(core, rec);
}

/**
 * `if (!hlist_empty(&subscriptions->list)) ret = mn_hlist_invalidate_range_start(...)`, then
 * the 2026 fix's tail where `v` has it.
 */
function kernelListStart(
  core: CoreState,
  rec: InFlight,
  v: KernelVersion,
  hasItree: boolean,
): number | Promise<number> {
  if (core.list.head === null) return 0;
  const ret = mnHlistInvalidateRangeStart(core, rec, v);
  if (!v.itreeEndOnListFailure) return ret; // 6.1.192: the interval part stays active
  if (typeof ret === 'number') return finishItreeOnError(core, rec, ret, hasItree);
  return ret.then((r) => finishItreeOnError(core, rec, r, hasItree));
}

/**
 * 6.12.118: `if (ret && has_itree && !mmu_notifier_range_blockable(range))
 * mn_itree_inv_end(subscriptions);` ("the non-blocking caller is not allowed to call
 * invalidate_range_end()").
 */
function finishItreeOnError(core: CoreState, rec: InFlight, ret: number, hasItree: boolean) {
  if (ret !== 0 && hasItree && !rec.range.blockable) {
    mnItreeInvEnd(core, rec);
    rec.itreeActive = false;
  }
  return ret;
}

/**
 * `mn_hlist_invalidate_range_start`: every start on the live list runs (non-blockable ones
 * in `non_block_start/end`), a failure is remembered and the loop goes on; then, when some
 * start failed, the unwind loop calls `invalidate_range_end` on EVERY listed notifier that
 * has one (c2655835fd8c: 6.1.192, 6.12.118), or on none (`legacy-2019`: v5.2). Returns `ret`.
 */
function mnHlistInvalidateRangeStart(
  core: CoreState,
  rec: InFlight,
  v: KernelVersion,
): number | Promise<number> {
  if (core.traced) srcuEnter(core, rec);
  const walk = startFrom(core, rec, core.list.head, true);
  if (walk instanceof Promise) return walk.then(() => hlistStartUnwind(core, rec, v));
  return hlistStartUnwind(core, rec, v);
}

/** The `if (ret)` tail of `mn_hlist_invalidate_range_start` (its unwind: no secondary TLB). */
function hlistStartUnwind(
  core: CoreState,
  rec: InFlight,
  v: KernelVersion,
): number | Promise<number> {
  const failed = rec.ret !== 0 || rec.errors !== null;
  if (!failed) return hlistStartDone(core, rec);
  if (!v.hlistUnwind) {
    reportUnpaired(core, rec);
    return hlistStartDone(core, rec);
  }
  const ends = endLiveFrom(core, rec, core.list.head, false);
  if (ends instanceof Promise) return ends.then(() => hlistStartDone(core, rec));
  return hlistStartDone(core, rec);
}

/** `srcu_read_unlock(&srcu, id); return ret;` */
function hlistStartDone(core: CoreState, rec: InFlight): number {
  srcuExit(core, rec);
  return rec.ret;
}

/** v5.2: a failing call leaves every successful start with an end unpaired (the seed bug). */
function reportUnpaired(core: CoreState, rec: InFlight): void {
  // The blockable wrapper drops `ret` and the caller ends every notifier: nothing is lost.
  if (rec.range.blockable && rec.errors === null) return;
  for (let i = 0; i < rec.startedCount; i++) {
    const sub = rec.started[i]!;
    if (sub.ops.invalidateRangeEnd === undefined) continue;
    core.report(
      'unpaired-start',
      `'${sub.name}' started but will get no end: another start failed (the seed bug)`,
      sub.name,
      rec.range,
    );
  }
}

/**
 * `__mmu_notifier_invalidate_range_end` of version `v`: `has_itree` is read now (not at
 * start), so an end whose start saw no interval still decrements `active_invalidate_ranges`;
 * then `mn_hlist_invalidate_end`. Runs the same for an end with no open start (the kernel
 * cannot tell). Pairs with {@link kernelRangeStart}.
 */
export function kernelRangeEnd(
  core: CoreState,
  rec: InFlight,
  v: KernelVersion,
): void | Promise<void> {
  if (core.itree.hasItree) mnItreeInvEnd(core, rec);
  rec.itreeActive = false;
  if (core.list.head === null) return;
  return mnHlistInvalidateEnd(core, rec, v);
}

/** `mn_itree_inv_end`, which cannot tell a paired end from an unpaired one. */
function mnItreeInvEnd(core: CoreState, rec: InFlight): void {
  if (core.itree.active === 0) {
    core.report(
      'active-underflow',
      'active_invalidate_ranges underflows in mn_itree_inv_end (an end its start did not count)',
      undefined,
      rec.range,
    );
  }
  core.itree.invEnd(true);
}

/**
 * `mn_hlist_invalidate_end`: every listed notifier on the live list: its `invalidate_range`
 * where `v` calls it (6.1.192: `!only_end && ops->invalidate_range`), then its end.
 */
function mnHlistInvalidateEnd(
  core: CoreState,
  rec: InFlight,
  v: KernelVersion,
): void | Promise<void> {
  if (core.traced) srcuEnter(core, rec);
  return endLiveFrom(core, rec, core.list.head, v.secondaryTlbsAtEnd);
}

/**
 * `__mmu_notifier_register` (a list notifier, or the first interval's `register(NULL)`):
 * `mm_take_all_locks` waits until no invalidation is in flight. The core takes no such lock,
 * so a register racing an open range breaks the kernel's rule: reported, then done as the
 * kernel's code would (the newcomer gets ends it never started; `has_itree` flips mid-range).
 */
export function kernelRegister(core: CoreState, what: string): void {
  const open = core.inFlight.open.length;
  if (open === 0) return;
  core.report(
    'subscribe-in-flight',
    `${what} while ${open} invalidation(s) are in flight (mm_take_all_locks excludes this)`,
  );
}
