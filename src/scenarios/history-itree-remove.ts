/**
 * 319561669a59 "mm/mmu_notifier.c: fix race in mmu_interval_notifier_remove()" (v5.18).
 *
 * Goal: once `mmu_interval_notifier_remove()` returns, nothing refers to the interval (its
 * caller frees it at once). `mn_itree_inv_end()` makes `invalidate_seq` even first and then,
 * still under `subscriptions->lock`, walks the deferred list taking the interval out of the
 * tree. Before the fix, remove's `wait_event()` read the seq without that lock, so it could
 * see the new seq and return while the walk had still to reach the interval (the commit's
 * diagram):
 *
 *   CPU0 mn_itree_inv_end()             CPU1 mmu_interval_notifier_remove()
 *                                        spin_lock; queue on deferred_list; seq = invalidate_seq
 *   spin_lock                            spin_unlock
 *   invalidate_seq++
 *                                        wait_event(READ_ONCE(invalidate_seq) != seq): true, return
 *   interval_tree_remove(interval_sub)   kfree(interval_sub)              [required: never]
 *   spin_unlock; wake_up_all
 *
 * The fix reads the seq under the lock (`mmu_interval_seq_released()`), so remove returns
 * only after the walk. Method: the core's `AddressSpace` has the fix, so this file models the
 * v5.17 and v5.18 code of `mm/mmu_notifier.c` (`mn_itree_inv_start_range`,
 * `mn_itree_invalidate`, `mn_itree_inv_end`, `mmu_interval_notifier_remove`) on the world's
 * primitives; one interval, the driver's remove-then-kfree racing two invalidations of it.
 * `subscriptions->lock` is a spin lock, but the race needs the ender's critical section to
 * take several steps while another CPU reads the seq without the lock, and the checker's
 * `SpinLock` makes a section one step; so it is a `world.mutex()` here: a waiter parks as a
 * spinning CPU waits, and the holder never sleeps (its points are the other CPUs' turns).
 */

import type { World } from '../check/world.ts';
import { StateError } from '../errors.ts';
import type { Mutex } from '../sync/mutex.ts';
import type { Shared } from '../sync/shared.ts';
import type { WaitQueue } from '../sync/wait-queue.ts';
import type { ScenarioEntry } from './entry.ts';
import { historyPair } from './pair.ts';

/** `invalidate_seq` at allocation: even (idle), and never 0 (remove's "no wait" value). */
const SEQ_INITIAL = 2;

/** One `struct mmu_interval_notifier`, the fields the race touches. */
interface IntervalSub {
  readonly name: string;
  /** `interval_tree.start` and `.last` (closed). */
  readonly start: number;
  readonly last: number;
  /** The interval's memory: `'freed'` once the driver freed it after remove returned. */
  readonly mem: Shared<'live' | 'freed'>;
  /** In `subscriptions->itree` (`!RB_EMPTY_NODE(&interval_tree.rb)`). */
  inTree: boolean;
  /** On `subscriptions->deferred_list` (`deferred_item` linked). */
  deferred: boolean;
  /** `interval_sub->invalidate_seq`, written by the driver's `mmu_interval_set_seq()`. */
  invalidateSeq: number;
  /** `mmu_interval_notifier_remove()` returned. */
  removed: boolean;
}

/** `struct mmu_notifier_subscriptions`, the interval part. */
interface Subscriptions {
  /** `subscriptions->lock` (see the module comment for why a mutex). */
  readonly lock: Mutex;
  /** `invalidate_seq`: written under the lock; v5.17's remove also reads it without. */
  readonly invalidateSeq: Shared<number>;
  /** `active_invalidate_ranges` (under the lock). */
  active: number;
  /** `itree` (under the lock; frozen while the seq is odd). */
  readonly itree: IntervalSub[];
  /** `deferred_list`, head first (`hlist_add_head`). */
  readonly deferredList: IntervalSub[];
  /** `wq`: remove and `read_begin` sleep here until the seq moves. */
  readonly wq: WaitQueue;
}

/** A broken rule of the kernel code being modelled (a `WARN_ON` / `BUG_ON`). */
function warnOn(condition: boolean, what: string): void {
  if (condition) throw new StateError(`WARN_ON: ${what}`);
}

/** `mn_itree_is_invalidating()`: the seq is odd (fully excluded). Lock held. */
function isInvalidating(subs: Subscriptions): boolean {
  return (subs.invalidateSeq.value & 1) === 1;
}

/** A dereference of the interval (a point: other CPUs run); a freed one is a use-after-free. */
async function touch(sub: IntervalSub, by: string): Promise<void> {
  if ((await sub.mem.load()) === 'freed') {
    throw new StateError(`use-after-free: ${by} dereferences ${sub.name} after remove returned`);
  }
}

/** `mn_itree_inv_start_range()`: count the range; an overlap makes the seq odd. */
async function invStartRange(
  subs: Subscriptions,
  start: number,
  last: number,
): Promise<{ readonly overlaps: IntervalSub[]; readonly curSeq: number }> {
  await subs.lock.lock();
  subs.active++;
  // The tree cannot change while the seq is odd, so the unlocked mn_itree_inv_next() walk
  // sees the overlaps found here.
  const overlaps = subs.itree.filter((s) => s.start <= last && start <= s.last);
  if (overlaps.length > 0) subs.invalidateSeq.set(subs.invalidateSeq.value | 1);
  const curSeq = subs.invalidateSeq.value;
  subs.lock.unlock();
  return { overlaps, curSeq };
}

/**
 * `mn_itree_inv_end()`: the last end makes the seq even, then applies the deferred list
 * under the lock, one entry per step, then wakes the sleepers. Pairs with {@link invStartRange}.
 */
async function invEnd(subs: Subscriptions): Promise<void> {
  await subs.lock.lock();
  warnOn(subs.active === 0, 'mn_itree_inv_end() without a start');
  subs.active--;
  if (subs.active > 0 || !isInvalidating(subs)) {
    subs.lock.unlock();
    return;
  }
  subs.invalidateSeq.set(subs.invalidateSeq.value + 1); // even: the race window opens here
  while (subs.deferredList.length > 0) {
    const sub = subs.deferredList[0]!;
    await touch(sub, 'mn_itree_inv_end()');
    if (sub.inTree) subs.itree.splice(subs.itree.indexOf(sub), 1);
    else subs.itree.push(sub);
    sub.inTree = !sub.inTree;
    subs.deferredList.shift(); // hlist_del(&interval_sub->deferred_item)
    sub.deferred = false;
  }
  subs.lock.unlock();
  subs.wq.wakeUpAll();
}

/** An invalidation of `[start, last]` (`__mmu_notifier_invalidate_range_start/end`, itree part). */
async function invalidateRange(subs: Subscriptions, start: number, last: number): Promise<void> {
  const { overlaps, curSeq } = await invStartRange(subs, start, last);
  for (const sub of overlaps) {
    // The driver's invalidate(): under its own lock, mmu_interval_set_seq(), zap the device.
    await touch(sub, 'invalidate()');
    sub.invalidateSeq = curSeq;
  }
  // (the primary MMU changes its page table here)
  await invEnd(subs);
}

/** v5.17: `wait_event(wq, READ_ONCE(subscriptions->invalidate_seq) != seq)`, no lock. */
async function waitSeqUnlocked(subs: Subscriptions, seq: number): Promise<void> {
  // The read, the test and the sleeper's registration are one step: no wake is lost.
  while ((await subs.invalidateSeq.load()) === seq) await subs.wq.sleep();
}

/** v5.18: `wait_event(wq, mmu_interval_seq_released(subscriptions, seq))`: read under the lock. */
async function waitSeqReleased(subs: Subscriptions, seq: number): Promise<void> {
  for (;;) {
    await subs.lock.lock();
    const released = subs.invalidateSeq.value !== seq;
    subs.lock.unlock();
    if (released) return;
    await subs.wq.sleep();
  }
}

/** `mmu_interval_notifier_remove()`, v5.17 (`buggy`) or v5.18. */
async function intervalRemove(
  subs: Subscriptions,
  sub: IntervalSub,
  buggy: boolean,
): Promise<void> {
  await subs.lock.lock();
  let seq = 0;
  if (isInvalidating(subs)) {
    if (!sub.inTree) {
      // Its insert is still deferred: just drop it from the list.
      subs.deferredList.splice(subs.deferredList.indexOf(sub), 1);
      sub.deferred = false;
    } else {
      subs.deferredList.unshift(sub);
      sub.deferred = true;
      seq = subs.invalidateSeq.value;
    }
  } else {
    warnOn(!sub.inTree, `remove of ${sub.name}, which is not in the tree`);
    subs.itree.splice(subs.itree.indexOf(sub), 1);
    sub.inTree = false;
  }
  subs.lock.unlock();
  if (seq !== 0) await (buggy ? waitSeqUnlocked(subs, seq) : waitSeqReleased(subs, seq));
}

function setup(world: World, buggy: boolean): void {
  const subs: Subscriptions = {
    lock: world.mutex('subscriptions.lock'),
    invalidateSeq: world.shared(SEQ_INITIAL, 'invalidate_seq'),
    active: 0,
    itree: [],
    deferredList: [],
    wq: world.waitQueue('subscriptions.wq'),
  };
  const sub: IntervalSub = {
    name: 'interval_sub',
    start: 0x1000,
    last: 0x1fff,
    mem: world.shared<'live' | 'freed'>('live', 'interval_sub'),
    inTree: true, // inserted while idle: seq - 1
    deferred: false,
    invalidateSeq: SEQ_INITIAL - 1,
    removed: false,
  };
  subs.itree.push(sub);

  world.invariant('remove returned: nothing refers to the interval', () => {
    return !sub.removed || (!sub.inTree && !sub.deferred);
  });
  world.spawn('munmap', () => invalidateRange(subs, 0x1000, 0x1fff));
  world.spawn('mprotect', () => invalidateRange(subs, 0x1000, 0x1fff));
  world.spawn('remove', async () => {
    await intervalRemove(subs, sub, buggy);
    sub.removed = true;
    await sub.mem.store('freed'); // the driver's kfree()
  });
  world.finally(() => {
    const idle = subs.active === 0 && !isInvalidating(subs) && subs.deferredList.length === 0;
    if (!idle) throw new StateError('the interval tree is not idle after every task ended');
  });
}

const b319561669a59 = historyPair({
  name: '319561669a59',
  description:
    'The driver removes an interval (then frees it) while two invalidations of it run. v5.17 remove reads ' +
    'invalidate_seq without the lock and returns as soon as inv_end made it even, while inv_end still walks the ' +
    'deferred list holding the interval (use-after-free); v5.18 reads it under the lock and waits for the walk.',
  setup,
});

/** The interval-remove history pair (the notifier core's own code, modelled in the file). */
export const itreeRemoveHistory: readonly ScenarioEntry[] = b319561669a59;
