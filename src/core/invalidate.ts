/**
 * The entry points of one invalidation: the kernel's `mmu_notifier_invalidate_range_start`,
 * `mmu_notifier_invalidate_range_start_nonblock` and `mmu_notifier_invalidate_range_end`
 * wrappers (`include/linux/mmu_notifier.h`) around the semantics' path (`current-path.ts`,
 * `kernel-path.ts`), with the in-flight record that binds an end to its start.
 *
 * Protocol
 * --------
 * ```
 * start(range):  acquire record (state starting); ret = strategy.start(rec)
 *   a callback threw?          drop record, rethrow (pairing already restored)
 *   ret != 0 and non-blockable? drop record, return ret (the caller must not end)
 *   otherwise                   state started, 0 (the blockable wrapper drops ret, as the kernel's)
 * end(range):    no record (or one already ending)? -> double-end / end-without-start
 *                  diagnostic, strategy.endUnknown (the kernel's whole end path; ours: nothing)
 *   state ending; strategy.end; drop record; rethrow if any threw
 * ```
 * Start pairs with end through the record: the caller ends with the same range object iff
 * the start returned 0 (or, blockable, returned at all).
 */

import { StateError } from '../errors.ts';
import { lockMapAcquire, lockMapRelease } from '../sched/lockdep-hooks.ts';
import { mightSleepCheck, type Scheduler } from '../sched/scheduler.ts';
import { srcuExit } from './callbacks.ts';
import type { CoreState } from './core-state.ts';
import { InFlight } from './in-flight.ts';
import { INVALIDATE_RANGE_START_MAP } from './lockdep-maps.ts';
import { describeRange, type MmuNotifierRange } from './range.ts';

/** What a start resolves to: 0, or the failing start's value (`EAGAIN`, or passed through). */
export type StartResult = number;

/**
 * `__mmu_notifier_invalidate_range_start` on a validated range. A non-blockable one runs in
 * one `nonBlockStart()/nonBlockEnd()` section (the kernel opens one per list callback; the
 * core never parks between callbacks, so the two are the same to the scheduler).
 * Pairs with {@link rangeEnd}.
 */
export function rangeStart(
  core: CoreState,
  range: MmuNotifierRange,
): StartResult | Promise<StartResult> {
  const sched = core.sched;
  if (range.blockable) return underStartMap(sched, range, () => startWalks(core, range));
  lockMapAcquire(sched, INVALIDATE_RANGE_START_MAP);
  sched.nonBlockStart();
  try {
    return startWalks(core, range) as StartResult;
  } finally {
    sched.nonBlockEnd();
    lockMapRelease(sched, INVALIDATE_RANGE_START_MAP);
  }
}

/**
 * A blockable walk under `__mmu_notifier_invalidate_range_start_map`, after `might_sleep()`:
 * the map is released when the walk settles (it may sleep in a callback meanwhile).
 */
function underStartMap<T>(
  sched: Scheduler,
  range: MmuNotifierRange,
  walk: () => T | Promise<T>,
): T | Promise<T> {
  if (sched.atomicDepth > 0)
    mightSleepCheck(sched, `blockable invalidation ${describeRange(range)}`);
  lockMapAcquire(sched, INVALIDATE_RANGE_START_MAP);
  let result: T | Promise<T>;
  try {
    result = walk();
  } catch (error) {
    lockMapRelease(sched, INVALIDATE_RANGE_START_MAP);
    throw error;
  }
  if (!(result instanceof Promise)) {
    lockMapRelease(sched, INVALIDATE_RANGE_START_MAP);
    return result;
  }
  return result.finally(() => lockMapRelease(sched, INVALIDATE_RANGE_START_MAP));
}

function startWalks(core: CoreState, range: MmuNotifierRange): StartResult | Promise<StartResult> {
  const rec = core.inFlight.acquire(range);
  const ret = core.strategy.start(core, rec);
  if (typeof ret === 'number') return settle(core, rec, ret);
  return ret.then((r) => settle(core, rec, r));
}

function settle(core: CoreState, rec: InFlight, ret: number): StartResult {
  if (rec.errors === null && (ret === 0 || rec.range.blockable)) {
    rec.state = 'started';
    return 0;
  }
  const error = rec.takeError();
  if (error !== null && rec.itreeActive) {
    // Ours in every semantics: a throw has no kernel counterpart and no end can follow it.
    core.itree.invEnd(true);
    rec.itreeActive = false;
  }
  if (core.noting) core.note('eagain', core.name, describeRange(rec.range));
  core.inFlight.release(rec, false);
  if (error !== null) throw error;
  return ret;
}

/**
 * `__mmu_notifier_invalidate_range_end` on a validated range and its open record (if any;
 * `inFlight.find(range)`), non-blockable in one `nonBlockStart()/nonBlockEnd()` section, as
 * `mn_hlist_invalidate_end` wraps each end.
 * Pairs with {@link rangeStart}.
 */
export function rangeEnd(
  core: CoreState,
  range: MmuNotifierRange,
  rec: InFlight | undefined,
): void | Promise<void> {
  const sched = core.sched;
  if (range.blockable) return underStartMap(sched, range, () => endWalks(core, range, rec));
  lockMapAcquire(sched, INVALIDATE_RANGE_START_MAP);
  sched.nonBlockStart();
  try {
    endWalks(core, range, rec);
  } finally {
    sched.nonBlockEnd();
    lockMapRelease(sched, INVALIDATE_RANGE_START_MAP);
  }
}

function endWalks(
  core: CoreState,
  range: MmuNotifierRange,
  rec: InFlight | undefined,
): void | Promise<void> {
  if (rec === undefined || rec.state === 'ending') return endUnknown(core, range, rec);
  if (rec.state !== 'started') {
    throw new StateError(
      `invalidateRangeEnd(${describeRange(range)}) while its start is still running`,
    );
  }
  rec.state = 'ending';
  const walk = core.strategy.end(core, rec);
  if (walk !== undefined) return walk.then(() => finishEnd(core, rec));
  finishEnd(core, rec);
}

function finishEnd(core: CoreState, rec: InFlight): void {
  srcuExit(core, rec);
  const error = rec.takeError();
  core.inFlight.release(rec, true);
  if (error !== null) throw error;
}

function endUnknown(
  core: CoreState,
  range: MmuNotifierRange,
  ending: InFlight | undefined,
): void | Promise<void> {
  const double = ending !== undefined || core.inFlight.wasEnded(range);
  const what = ending !== undefined ? ' while the first runs' : '';
  core.report(
    double ? 'double-end' : 'end-without-start',
    double
      ? `a second invalidateRangeEnd for ${describeRange(range)}${what}`
      : `invalidateRangeEnd for ${describeRange(range)} with no open start (it failed, or never ran)`,
    undefined,
    range,
  );
  const rec = new InFlight();
  rec.range = range;
  const walk = core.strategy.endUnknown(core, rec);
  const done = (): void => {
    srcuExit(core, rec);
    const error = rec.takeError();
    if (error !== null) throw error;
  };
  if (walk instanceof Promise) return walk.then(done);
  done();
}
