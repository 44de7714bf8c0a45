/**
 * The list part of an invalidation: the walks of the kernel's
 * `mn_hlist_invalidate_range_start` and `mn_hlist_invalidate_end` (6.1.192, 6.12.118), parameterized so
 * that each semantics picks which walk it runs (see `semantics.ts`).
 *
 * | walk               | visits                                   | used by                      |
 * |--------------------|------------------------------------------|------------------------------|
 * | {@link startFrom}  | the list from a node, live or skipping unlisted ones | every start        |
 * | {@link endRecordedFrom} | exactly the record's successful starts, still listed | `current` ends |
 * | {@link endLiveFrom}| every listed notifier with an end (live; 6.1's end: `invalidate_range` first) | the versioned semantics' ends and unwind |
 *
 * Every walk is synchronous until a blockable callback returns a Promise; it then opens the
 * record's SRCU read section (so `unregister` waits for it) and resumes after the Promise
 * settles. A non-blockable walk runs inside one `nonBlockStart()/nonBlockEnd()` section
 * (opened by `invalidate.ts`, equivalent to the kernel's per-callback one since the core
 * never parks between callbacks); a Promise from a callback there is a `sleep-in-nonblock`
 * and, for a start, a failure of that subscriber.
 */

import { callbackThrew, isThenable, sleepInNonblock, srcuEnter, startFailed } from './callbacks.ts';
import type { CoreState } from './core-state.ts';
import type { InFlight } from './in-flight.ts';
import { describeRange } from './range.ts';
import type { Subscription } from './subscription.ts';

type Sub = Subscription<unknown>;

function startAnswer(core: CoreState, rec: InFlight, sub: Sub, value: unknown): void {
  if (value === undefined || value === 0) {
    rec.addStarted(sub);
    if (core.noting) core.note('notifier.start', sub.name, describeRange(rec.range));
  } else {
    startFailed(core, rec, sub.name, sub.ops.invalidateRangeEnd !== undefined, value, false);
  }
}

/**
 * `mn_hlist_invalidate_range_start`'s loop from `node`: every notifier's start runs, even
 * after a failure; successes are recorded in `rec.started`. With `live` false, notifiers
 * unlinked since the walk began are skipped (a snapshot of the list as it was).
 */
export function startFrom(
  core: CoreState,
  rec: InFlight,
  node: Sub | null,
  live: boolean,
): void | Promise<void> {
  const range = rec.range;
  for (; node !== null; node = node.hnext) {
    if (!live && !node.listed) continue;
    const ops = node.ops;
    if (ops.invalidateRangeStart === undefined) {
      // No start to fail: the kernel ends it every time, so it counts as started.
      if (ops.invalidateRangeEnd !== undefined) rec.addStarted(node);
      continue;
    }
    let value: unknown;
    try {
      value = ops.invalidateRangeStart(node, range);
    } catch (error) {
      callbackThrew(core, rec, node.name, 'invalidateRangeStart', error);
      if (core.noting) core.note('notifier.fail', node.name, `${describeRange(range)}: threw`);
      continue;
    }
    if (value === undefined || value === 0) {
      // The hot path: a synchronous success.
      rec.addStarted(node);
      if (core.noting) core.note('notifier.start', node.name, describeRange(range));
      continue;
    }
    if (isThenable(value)) {
      if (rec.range.blockable) return startAsync(core, rec, node, value, live);
      sleepInNonblock(core, rec, node.name, 'invalidateRangeStart', value);
      startFailed(core, rec, node.name, node.ops.invalidateRangeEnd !== undefined, value, true);
      continue;
    }
    startAnswer(core, rec, node, value);
  }
}

async function startAsync(
  core: CoreState,
  rec: InFlight,
  node: Sub,
  pending: PromiseLike<unknown>,
  live: boolean,
): Promise<void> {
  srcuEnter(core, rec);
  let value: unknown;
  try {
    value = await pending;
  } catch (error) {
    callbackThrew(core, rec, node.name, 'invalidateRangeStart', error);
    if (core.noting) core.note('notifier.fail', node.name, `${describeRange(rec.range)}: threw`);
    return startFrom(core, rec, node.hnext, live);
  }
  startAnswer(core, rec, node, value);
  return startFrom(core, rec, node.hnext, live);
}

/** Calls one end; returns a Promise only for a blockable end that returned one. */
function callEnd(core: CoreState, rec: InFlight, sub: Sub): PromiseLike<unknown> | undefined {
  const blockable = rec.range.blockable;
  if (core.noting) core.note('notifier.end', sub.name, describeRange(rec.range));
  let result: unknown;
  try {
    result = sub.ops.invalidateRangeEnd!(sub, rec.range);
  } catch (error) {
    callbackThrew(core, rec, sub.name, 'invalidateRangeEnd', error);
    return undefined;
  }
  if (!isThenable(result)) return undefined;
  if (blockable) return result;
  sleepInNonblock(core, rec, sub.name, 'invalidateRangeEnd', result);
  return undefined;
}

async function awaitEnd(core: CoreState, rec: InFlight, sub: Sub, pending: PromiseLike<unknown>) {
  srcuEnter(core, rec);
  try {
    await pending;
  } catch (error) {
    callbackThrew(core, rec, sub.name, 'invalidateRangeEnd', error);
  }
}

/** `current`'s end: exactly the subscribers recorded in `rec.started` that are still listed. */
export function endRecordedFrom(core: CoreState, rec: InFlight, i: number): void | Promise<void> {
  const started = rec.started;
  const range = rec.range;
  for (; i < rec.startedCount; i++) {
    const sub = started[i]!;
    if (!sub.listed) continue;
    const ops = sub.ops;
    if (ops.invalidateRangeEnd === undefined) continue;
    if (!core.traced) {
      // The hot path: a synchronous end, inline; anything else goes through callEnd.
      let result: unknown;
      try {
        result = ops.invalidateRangeEnd(sub, range);
      } catch (error) {
        callbackThrew(core, rec, sub.name, 'invalidateRangeEnd', error);
        continue;
      }
      if (result === undefined || !isThenable(result)) continue;
      if (!range.blockable) {
        sleepInNonblock(core, rec, sub.name, 'invalidateRangeEnd', result);
        continue;
      }
      const next = i + 1;
      return awaitEnd(core, rec, sub, result).then(() => endRecordedFrom(core, rec, next));
    }
    const pending = callEnd(core, rec, sub);
    if (pending !== undefined) {
      const next = i + 1;
      return awaitEnd(core, rec, sub, pending).then(() => endRecordedFrom(core, rec, next));
    }
  }
}

/**
 * `mn_hlist_invalidate_end` (and the unwind loop of the start): every end on the live list.
 * With `tlb` (6.1.192's end, not its unwind), each notifier's secondary-TLB callback runs
 * first: `if (!only_end && ops->invalidate_range) ops->invalidate_range(...)`.
 */
export function endLiveFrom(
  core: CoreState,
  rec: InFlight,
  node: Sub | null,
  tlb: boolean,
): void | Promise<void> {
  for (; node !== null; node = node.hnext) {
    if (tlb) secondaryTlbs(core, rec, node);
    if (node.ops.invalidateRangeEnd === undefined) continue;
    const pending = callEnd(core, rec, node);
    if (pending !== undefined) {
      const sub = node;
      return awaitEnd(core, rec, sub, pending).then(() => endLiveFrom(core, rec, sub.hnext, tlb));
    }
  }
}

/** 6.1.192's `invalidate_range(subscription, range->mm, range->start, range->end)`. */
function secondaryTlbs(core: CoreState, rec: InFlight, sub: Sub): void {
  const flush = sub.ops.archInvalidateSecondaryTlbs;
  if (flush === undefined) return;
  try {
    flush(sub, core.mm, rec.range.start, rec.range.end);
  } catch (error) {
    callbackThrew(core, rec, sub.name, 'archInvalidateSecondaryTlbs', error);
  }
}
