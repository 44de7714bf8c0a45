/**
 * The `current` invalidation path (ours): 6.12.118's `__mmu_notifier_invalidate_range_start` /
 * `__mmu_notifier_invalidate_range_end` with exact pairing kept by the in-flight record.
 * Where it leaves the kernel's path, it is for a pairing guarantee (see docs/semantics.md).
 *
 * Protocol
 * --------
 * ```
 * start(rec):  has_itree?  itreeInvalidate (rec.itreeActive) -> false: return EAGAIN (unwound)
 *              list?       startFrom(head, snapshot): successes recorded in rec.started
 *              call fails? end exactly rec.started now; mn_itree_inv_end if rec.itreeActive;
 *                          return the failure
 * end(rec):    rec.itreeActive? mn_itree_inv_end;  end exactly rec.started still listed
 * first interval inserted while ranges are open: each open range is counted now
 *              (rec.itreeActive), so its end pairs and the new interval is partially excluded
 * ```
 */

import { srcuEnter, srcuExit } from './callbacks.ts';
import type { CoreState } from './core-state.ts';
import { endRecordedFrom, startFrom } from './hlist-walk.ts';
import type { InFlight } from './in-flight.ts';
import { itreeInvalidate } from './itree-walk.ts';
import { EAGAIN } from './range.ts';

/**
 * Ours: `__mmu_notifier_invalidate_range_start` with the record's pairing; returns the
 * start's value (0 or the failure). Pairs with {@link currentRangeEnd}.
 */
export function currentRangeStart(core: CoreState, rec: InFlight): number | Promise<number> {
  if (core.itree.hasItree) {
    const ok = itreeInvalidate(core, rec);
    if (typeof ok !== 'boolean') return ok.then((done) => (done ? listStart(core, rec) : EAGAIN));
    if (!ok) return EAGAIN;
  }
  return listStart(core, rec);
}

function listStart(core: CoreState, rec: InFlight): number | Promise<number> {
  const head = core.list.head;
  if (head === null) return 0;
  if (core.traced) srcuEnter(core, rec);
  const walk = startFrom(core, rec, head, false);
  if (walk !== undefined) return walk.then(() => afterWalk(core, rec));
  return afterWalk(core, rec);
}

/** A failing call (non-blockable failure, or a throw) ends exactly the recorded successes. */
function afterWalk(core: CoreState, rec: InFlight): number | Promise<number> {
  const fails = rec.errors !== null || (rec.ret !== 0 && !rec.range.blockable);
  if (!fails) return done(core, rec);
  const unwind = endRecordedFrom(core, rec, 0);
  if (unwind instanceof Promise) return unwind.then(() => unwindItree(core, rec));
  return unwindItree(core, rec);
}

/** The interval part is unwound too (as 6.12.118's 2026 fix does; 6.1.192 leaves it active). */
function unwindItree(core: CoreState, rec: InFlight): number {
  if (rec.itreeActive) {
    core.itree.invEnd(false);
    rec.itreeActive = false;
  }
  return done(core, rec);
}

function done(core: CoreState, rec: InFlight): number {
  srcuExit(core, rec);
  return rec.ret;
}

/**
 * Ours: `__mmu_notifier_invalidate_range_end` for an open record: `mn_itree_inv_end` iff its
 * start counted, then exactly the recorded successes that are still listed.
 * Pairs with {@link currentRangeStart}.
 */
export function currentRangeEnd(core: CoreState, rec: InFlight): void | Promise<void> {
  if (rec.itreeActive) {
    core.itree.invEnd(false);
    rec.itreeActive = false;
  }
  if (rec.startedCount === 0) return;
  if (core.traced) srcuEnter(core, rec);
  return endRecordedFrom(core, rec, 0);
}

/**
 * Ours, in place of `mm_take_all_locks` in the first interval's `register(NULL)`: every open
 * range whose start ran before `has_itree` was set is counted now, so that the new interval
 * is partially excluded (its first `readBegin` waits for those ends) and each end pairs.
 */
export function currentAdoptOpen(core: CoreState): void {
  const open = core.inFlight.open;
  for (let i = 0; i < open.length; i++) {
    const rec = open[i]!;
    if (rec.itreeActive || rec.state === 'ending') continue;
    rec.itreeActive = true;
    core.itree.active++;
  }
}
