/**
 * The interval part of an invalidation: the kernel's `mn_itree_invalidate` (6.1.192, 6.12.118) with the
 * two-pass extension of the 2026 proposal ("mm/mmu_notifier: Allow two-pass struct
 * mmu_interval_notifiers"), and `mn_itree_release`.
 *
 * Protocol
 * --------
 * 1. `mn_itree_inv_start_range`: `active++`, `seq |= 1` if any interval overlaps.
 * 2. First pass, in tree (start) order: `invalidate(sub, range, curSeq)`, or
 *    `invalidateStart(...)` whose finish object (if any) is queued.
 *    `false` in a blockable range is a `fail-in-blockable` (WARN_ON) and the walk goes on;
 *    in a non-blockable range it stops the walk. A throw stops the walk too.
 * 3. Second pass: every queued finish runs once, in the order the starts ran, also when the
 *    walk stopped early (the finishes already returned still run before the unwind).
 * 4. On a stop: `mn_itree_inv_end` (the caller gets EAGAIN, or the error) and the list part
 *    is never called.
 *
 * Each step is synchronous unless a blockable callback returns a Promise: then the walk
 * resumes from that node after it settles (the tree cannot change: the seq is odd).
 * A non-blockable walk runs inside the `nonBlockStart()/nonBlockEnd()` section that
 * `invalidate.ts` opens around the whole call.
 */

import { callbackThrew, isThenable, sleepInNonblock } from './callbacks.ts';
import type { CoreState } from './core-state.ts';
import type { InFlight } from './in-flight.ts';
import type { IntervalSubscription } from './interval-notifier.ts';
import type { IntervalNode } from './interval-rbtree.ts';
import { searchNext } from './interval-search.ts';
import { describeRange } from './range.ts';

type Node = IntervalNode<IntervalSubscription<unknown>>;

/**
 * `mn_itree_invalidate`: returns true when the list part may follow; false when the
 * interval part failed (non-blockable false, or a throw) and has been unwound.
 */
export function itreeInvalidate(core: CoreState, rec: InFlight): boolean | Promise<boolean> {
  const node = core.itree.invStartRange(rec.range, rec.query);
  if (node === undefined) {
    // Nothing overlaps: no callback, no finish, nothing to unwind (the common case).
    rec.itreeActive = true;
    rec.curSeq = core.itree.seq;
    return true;
  }
  rec.itreeActive = true;
  rec.curSeq = core.itree.seq;
  return walkFrom(core, rec, node);
}

function firstPass(rec: InFlight, sub: IntervalSubscription<unknown>): unknown {
  const ops = sub.ops;
  if (ops.invalidate !== undefined) return ops.invalidate(sub, rec.range, rec.curSeq);
  return ops.invalidateStart!(sub, rec.range, rec.curSeq);
}

function walkFrom(
  core: CoreState,
  rec: InFlight,
  node: Node | undefined,
): boolean | Promise<boolean> {
  const range = rec.range;
  // The query as `invStartRange` split it: every step is a `searchNext` on int32 halves.
  const q = rec.query;
  while (node !== undefined) {
    const sub = node.value;
    let answer: unknown;
    try {
      answer = firstPass(rec, sub);
    } catch (error) {
      callbackThrew(core, rec, sub.name, 'invalidate', error);
      break;
    }
    if (answer === true && !core.noting) {
      // The hot path: done, no finish (takeAnswer would only add the note).
      node = searchNext(node, q.sh, q.sl, q.eh, q.el);
      continue;
    }
    if (isThenable(answer)) {
      if (range.blockable) return walkAsync(core, rec, node, answer);
      sleepInNonblock(core, rec, sub.name, 'invalidate', answer);
      rec.failed = true;
      break;
    }
    if (!takeAnswer(core, rec, sub, answer)) break;
    node = searchNext(node, q.sh, q.sl, q.eh, q.el);
  }
  return secondPass(core, rec, 0);
}

async function walkAsync(
  core: CoreState,
  rec: InFlight,
  node: Node,
  pending: PromiseLike<unknown>,
): Promise<boolean> {
  let answer: unknown;
  try {
    answer = await pending;
  } catch (error) {
    callbackThrew(core, rec, node.value.name, 'invalidate', error);
    return secondPass(core, rec, 0);
  }
  if (!takeAnswer(core, rec, node.value, answer)) return secondPass(core, rec, 0);
  const q = rec.query;
  return walkFrom(core, rec, searchNext(node, q.sh, q.sl, q.eh, q.el));
}

/** One first-pass answer; returns false when the walk must stop (non-blockable failure). */
function takeAnswer(
  core: CoreState,
  rec: InFlight,
  sub: IntervalSubscription<unknown>,
  answer: unknown,
): boolean {
  if (core.noting) {
    core.note('interval.invalidate', sub.name, `${describeRange(rec.range)}: ${String(answer)}`);
  }
  if (answer === true) return true;
  if (answer === false) {
    if (!rec.range.blockable) {
      rec.failed = true;
      return false;
    }
    const what = `'${sub.name}' returned false in blockable ${describeRange(rec.range)}`;
    core.report('fail-in-blockable', what, sub.name, rec.range);
    return true;
  }
  if (sub.ops.invalidateStart !== undefined && typeof answer === 'object' && answer !== null) {
    if (rec.finishesRun !== 0) {
      // The monitor's invariant: every finish runs after ALL first passes.
      const what = `'${sub.name}' returned a finish after the second pass began`;
      core.report('finish-unpaired', what, sub.name, rec.range);
    }
    rec.finishSubs.push(sub);
    rec.finishes.push(answer);
    return true;
  }
  const expected =
    sub.ops.invalidateStart !== undefined ? 'a boolean or a finish object' : 'a boolean';
  core.report(
    'bad-return',
    `interval '${sub.name}' returned ${String(answer)} (expected ${expected})`,
    sub.name,
    rec.range,
  );
  return takeAnswer(core, rec, sub, Boolean(answer));
}

/** Runs the queued finishes from index `i`; then unwinds the interval part on a failure. */
function secondPass(core: CoreState, rec: InFlight, i: number): boolean | Promise<boolean> {
  const blockable = rec.range.blockable;
  const count = rec.finishes.length;
  for (; i < count; i++) {
    const sub = rec.finishSubs[i]!;
    if (core.noting) core.note('interval.finish', sub.name, describeRange(rec.range));
    rec.finishesRun++;
    let result: unknown;
    try {
      result = sub.ops.invalidateFinish!(sub, rec.finishes[i]!);
    } catch (error) {
      callbackThrew(core, rec, sub.name, 'invalidateFinish', error);
      continue;
    }
    if (isThenable(result)) {
      if (blockable) return secondPassAsync(core, rec, i, result);
      sleepInNonblock(core, rec, sub.name, 'invalidateFinish', result);
    }
  }
  if (count !== 0) {
    // The monitor's invariant: every finish returned ran exactly once.
    if (rec.finishesRun !== count || rec.finishes.length !== count) {
      const what = `${rec.finishes.length} finishes returned, ${rec.finishesRun} run`;
      core.report('finish-unpaired', what, undefined, rec.range);
    }
    rec.finishSubs.length = 0;
    rec.finishes.length = 0;
    rec.finishesRun = 0;
  }
  if (!rec.failed && rec.errors === null) return true;
  // `out_would_block: mn_itree_inv_end(subscriptions)`: paired with this walk's own start.
  core.itree.invEnd(true);
  rec.itreeActive = false;
  return false;
}

async function secondPassAsync(
  core: CoreState,
  rec: InFlight,
  i: number,
  pending: PromiseLike<unknown>,
): Promise<boolean> {
  try {
    await pending;
  } catch (error) {
    callbackThrew(core, rec, rec.finishSubs[i]!.name, 'invalidateFinish', error);
  }
  return secondPass(core, rec, i + 1);
}
