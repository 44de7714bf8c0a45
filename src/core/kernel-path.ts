/**
 * The `kernel` and `legacy-2019` invalidation paths: v6.17's `mm/mmu_notifier.c` path for
 * path, flaws included, and the v5.2 list part (the seed's core) over the v5.5-v5.11
 * interval part. Each function names the kernel function it follows; nothing is fixed.
 *
 * Protocol (v6.17)
 * --------
 * ```
 * __mmu_notifier_invalidate_range_start(range):
 *   has_itree?  mn_itree_invalidate: mn_itree_inv_start_range (active++, seq |= 1 on overlap),
 *               every overlapping invalidate (two-pass: finishes after the walk);
 *               non-blockable false -> finishes, mn_itree_inv_end, return -EAGAIN
 *   list?       return mn_hlist_invalidate_range_start: every start (live walk), ret = the
 *               last failure; ret != 0 -> every notifier WITH AN END gets an end (unwind)
 *   return 0
 *   (a list failure returns WITHOUT mn_itree_inv_end: the interval part stays active)
 * __mmu_notifier_invalidate_range_end(range):
 *   has_itree (read NOW)?  mn_itree_inv_end (active--, may underflow)
 *   list?                  mn_hlist_invalidate_end: every notifier with an end (live walk)
 * ```
 * `legacy-2019` differs only in `mn_hlist_invalidate_range_start`: v5.2 has no unwind, so a
 * failure leaves every successful start unpaired (reported as `unpaired-start`).
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

/**
 * `__mmu_notifier_invalidate_range_start` (v6.17; v5.5-v5.11 under `legacy-2019`): returns
 * the start's value (0, or the failure). Pairs with {@link kernelRangeEnd}.
 */
export function kernelRangeStart(
  core: CoreState,
  rec: InFlight,
  unwind: boolean,
): number | Promise<number> {
  if (core.itree.hasItree) {
    const ok = mnItreeInvalidate(core, rec);
    if (ok instanceof Promise) {
      return ok.then((done) => (done ? kernelListStart(core, rec, unwind) : EAGAIN));
    }
    if (!ok) return EAGAIN;
  }
  return kernelListStart(core, rec, unwind);
}

/** `mn_itree_invalidate`: true when the walk went through; false after its own unwind. */
function mnItreeInvalidate(core: CoreState, rec: InFlight): boolean | Promise<boolean> {
  return itreeInvalidate(core, rec);
}

/** `if (!hlist_empty(&subscriptions->list)) return mn_hlist_invalidate_range_start(...)`. */
function kernelListStart(
  core: CoreState,
  rec: InFlight,
  unwind: boolean,
): number | Promise<number> {
  // A list failure returns here with the interval part still active (see the module comment).
  if (core.list.head === null) return 0;
  return mnHlistInvalidateRangeStart(core, rec, unwind);
}

/**
 * `mn_hlist_invalidate_range_start`: every start on the live list runs (non-blockable ones
 * in `non_block_start/end`), a failure is remembered and the loop goes on; then, when some
 * start failed, the unwind loop calls `invalidate_range_end` on EVERY listed notifier that
 * has one (v6.17, c2655835fd8c), or on none (`legacy-2019`: v5.2). Returns `ret`.
 */
function mnHlistInvalidateRangeStart(
  core: CoreState,
  rec: InFlight,
  unwind: boolean,
): number | Promise<number> {
  if (core.traced) srcuEnter(core, rec);
  const walk = startFrom(core, rec, core.list.head, true);
  if (walk instanceof Promise) return walk.then(() => hlistStartUnwind(core, rec, unwind));
  return hlistStartUnwind(core, rec, unwind);
}

/** The `if (ret)` tail of `mn_hlist_invalidate_range_start`. */
function hlistStartUnwind(
  core: CoreState,
  rec: InFlight,
  unwind: boolean,
): number | Promise<number> {
  const failed = rec.ret !== 0 || rec.errors !== null;
  if (!failed) return hlistStartDone(core, rec);
  if (!unwind) {
    reportUnpaired(core, rec);
    return hlistStartDone(core, rec);
  }
  const ends = endLiveFrom(core, rec, core.list.head);
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
 * `__mmu_notifier_invalidate_range_end`: `has_itree` is read now (not at start), so an end
 * whose start saw no interval still decrements `active_invalidate_ranges`; then
 * `mn_hlist_invalidate_end`. Runs the same for an end with no open start (the kernel cannot
 * tell). Pairs with {@link kernelRangeStart}.
 */
export function kernelRangeEnd(core: CoreState, rec: InFlight): void | Promise<void> {
  if (core.itree.hasItree) mnItreeInvEnd(core, rec);
  rec.itreeActive = false;
  if (core.list.head === null) return;
  return mnHlistInvalidateEnd(core, rec);
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

/** `mn_hlist_invalidate_end`: every listed notifier with an end, on the live list. */
function mnHlistInvalidateEnd(core: CoreState, rec: InFlight): void | Promise<void> {
  if (core.traced) srcuEnter(core, rec);
  return endLiveFrom(core, rec, core.list.head);
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
