/**
 * The lifetime of subscriptions: the kernel's `mmu_notifier_unregister`, `mmu_notifier_put`
 * (+ `mmu_notifier_free_rcu`), `mmu_notifier_synchronize` and `__mmu_notifier_release`
 * (`mn_itree_release`, `mn_hlist_release`), over one address space's SRCU domain.
 *
 * Protocol
 * --------
 * - `unregister`: if still listed, `release` runs inside an SRCU read section, then the
 *   notifier is unlinked; then always a grace period, so that no callback of it (a walk
 *   that went async holds the read section) runs after it returns.
 * - `put`: the last one unlinks without `release` and queues the subscription; every later
 *   grace period the core waits for (`synchronize`, `unregister`, `release`) frees what was
 *   queued before it began, through `freeNotifier` (the kernel's `call_srcu`).
 * - `release` (exit): the interval part's blockable `[0, ADDRESS_END)` `release` invalidate
 *   (with finishes), then every listed notifier's `release`, then the list is emptied, then
 *   a grace period: pages are not freed while a racing unregister's `release` still runs.
 *   `release` may therefore run twice for one notifier; it is never missed.
 */

import { OverflowError } from '../errors.ts';
import { callbackThrew, isThenable } from './callbacks.ts';
import type { CoreState } from './core-state.ts';
import { InFlight } from './in-flight.ts';
import { itreeInvalidate } from './itree-walk.ts';
import { ADDRESS_END, describeRange, type MmuNotifierRange } from './range.ts';
import type { Subscription } from './subscription.ts';

/** The range of `mn_itree_release`: `[0, ULONG_MAX]`, blockable, `MMU_NOTIFY_RELEASE`. */
const RELEASE_RANGE: MmuNotifierRange = Object.freeze({
  start: 0,
  end: ADDRESS_END,
  event: 'release',
  blockable: true,
});

function rethrow(errors: readonly unknown[], what: string): void {
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1)
    throw new AggregateError(errors, `${errors.length} ${what} callbacks threw`);
}

/** Calls `sub.ops.release` inside an SRCU read section; returns the error it threw, if any. */
async function callRelease(core: CoreState, sub: Subscription<unknown>): Promise<unknown> {
  const ops = sub.ops;
  if (ops.release === undefined) return null;
  const rec = new InFlight();
  rec.range = RELEASE_RANGE;
  if (core.noting) core.note('release', sub.name);
  try {
    const result = ops.release(sub, core.mm);
    if (isThenable(result)) await result;
  } catch (error) {
    callbackThrew(core, rec, sub.name, 'release', error);
  }
  return rec.takeError();
}

/** `synchronize_srcu`, then frees every subscription whose last put came before it. */
export async function synchronizeAndFree(core: CoreState): Promise<void> {
  const pending = core.pendingFree.splice(0) as Subscription<unknown>[];
  await core.srcu.synchronize();
  for (const sub of pending) {
    try {
      sub.ops.freeNotifier?.(sub);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      core.report('callback-threw', `freeNotifier of '${sub.name}' threw: ${message}`, sub.name);
    }
  }
}

/** `mmu_notifier_unregister` for a subscription already checked to be live and ours. */
export async function unregister(core: CoreState, sub: Subscription<unknown>): Promise<void> {
  sub.unregistered = true;
  let error: unknown = null;
  if (sub.listed) {
    const token = core.srcu.readLock();
    try {
      error = await callRelease(core, sub);
    } finally {
      core.srcu.readUnlock(token);
    }
    core.lock('mmu_notifier_unregister');
    core.list.unlink(sub);
  }
  sub.users = 0;
  await synchronizeAndFree(core);
  if (error !== null) throw error;
}

/**
 * `find_get_mmu_notifier`: the live subscription registered with `ops`, with one more user.
 * @throws OverflowError when it already has `usersMax` users (`-EOVERFLOW`).
 */
export function findGet(
  core: CoreState,
  ops: object,
  usersMax: number,
): Subscription<unknown> | undefined {
  core.lock('mmu_notifier_get');
  for (let sub = core.list.head; sub !== null; sub = sub.hnext) {
    if (sub.ops !== ops || sub.unregistered) continue;
    if (sub.users >= usersMax) {
      throw new OverflowError(`get: notifier '${sub.name}' has ${sub.users} users (the limit)`);
    }
    sub.users++;
    return sub;
  }
  return undefined;
}

/** `mmu_notifier_put` for a subscription already checked to be live and ours. */
export function put(core: CoreState, sub: Subscription<unknown>): void {
  core.lock('mmu_notifier_put');
  sub.users--;
  if (sub.users > 0) return;
  core.list.unlink(sub);
  sub.unregistered = true;
  core.pendingFree.push(sub);
}

/** `mn_itree_release`: the blockable release invalidate of every interval, finishes included. */
async function itreeRelease(core: CoreState, errors: unknown[]): Promise<void> {
  const rec = new InFlight();
  rec.range = RELEASE_RANGE;
  const walk = itreeInvalidate(core, rec);
  if (walk instanceof Promise) await walk;
  if (rec.itreeActive) core.itree.invEnd(true); // mn_itree_release's own mn_itree_inv_end
  const error = rec.takeError();
  if (error !== null) errors.push(error);
}

/** `mn_hlist_release`: every listed notifier's release, then empty the list, then a grace period. */
async function hlistRelease(core: CoreState, errors: unknown[]): Promise<void> {
  const token = core.srcu.readLock();
  try {
    for (let sub = core.list.head; sub !== null; sub = sub.hnext) {
      const error = await callRelease(core, sub);
      if (error !== null) errors.push(error);
    }
    core.lock('mn_hlist_release');
    while (core.list.head !== null) core.list.unlink(core.list.head);
  } finally {
    core.srcu.readUnlock(token);
  }
  await synchronizeAndFree(core);
}

/** `__mmu_notifier_release` (exit_mmap) for an address space not yet released. */
export async function release(core: CoreState): Promise<void> {
  core.lock(); // every core op reads `released` under the lock
  if (core.traced) core.sched.access(core.releasedOps.write);
  core.released = true;
  if (core.noting) core.note('release', core.name);
  for (const rec of core.inFlight.open) {
    core.report(
      'open-at-release',
      `${describeRange(rec.range)} is still open (${rec.state}) at release`,
      undefined,
      rec.range,
    );
  }
  const errors: unknown[] = [];
  if (core.itree.hasItree) await itreeRelease(core, errors);
  if (core.list.head !== null) await hlistRelease(core, errors);
  rethrow(errors, 'release');
}
