/**
 * Lock-order bugs of a driver's notifier, found by the lock validator (`src/check/lockdep/`)
 * on schedules that do NOT deadlock, as the kernel's lockdep reports them: the first time two
 * orders are seen, in any run.
 *
 * Goal: each buggy driver is reported as a `lock-order` finding whose schedule runs to its
 * end without a deadlock (tested by replaying it with lockdep off); each fixed driver is
 * proven clean by a complete search with lockdep on.
 * Method: a userptr-style driver on the core alone (`world.addressSpace()`): an interval
 * notifier whose `invalidate` takes the driver lock and calls `setSeq`, and a fault handler
 * with the collision-retry loop (`readBegin`, then under the lock `readRetry`), racing one
 * blockable invalidation of the same page.
 * - `lockdep-alloc-under-notifier-lock`: the fault allocates (`GFP_KERNEL`, `mightAlloc`)
 *   with the driver lock held. Reclaim may invalidate, and the invalidation takes that lock:
 *   `drv.lock -> __mmu_notifier_invalidate_range_start_map -> drv.lock` (v6.12
 *   `fs_reclaim_acquire()` primes the start map). Fixed: allocate before taking the lock.
 * - `lockdep-read-begin-under-lock`: the fault calls `readBegin` with the driver lock held.
 *   `mmu_interval_read_begin()` may wait for the invalidation to end while the invalidation
 *   waits for the lock (v6.12 takes the start map in `read_begin` to say so). With one
 *   interval no schedule deadlocks (the seq is odd only once `invalidate` ran, under the
 *   lock), which is why a deadlock search proves it; lockdep flags the order anyway.
 *   Fixed: `readBegin` before the lock, as the kernel documents.
 * - `lockdep-leak-on-collision`: the collision path returns without unlocking. The
 *   invalidation that caused the collision is past its callback by then, so no schedule
 *   deadlocks; lockdep reports the task ending with `drv.lock` held.
 */

import type { World } from '../check/world.ts';
import { mightAlloc } from '../core/lockdep-maps.ts';
import { settled } from '../core/notifier-subscriptions.ts';
import type { MmuIntervalNotifierOps } from '../core/ops.ts';
import type { Mutex } from '../sync/mutex.ts';
import type { Shared } from '../sync/shared.ts';
import type { ScenarioEntry } from './entry.ts';
import { BASE } from './fixture.ts';
import { historyPair } from './pair.ts';

const PAGE = 0x1000;
/** Fault attempts before the fault handler gives up (a limit on the retry loop). */
const FAULT_TRIES_MAX = 3;

interface Driver {
  /** The driver's notifier lock (`pt_lock`, `umem_mutex`, `svms->lock`). */
  readonly lock: Mutex;
  /** The device page table entry of the page: 1 mapped, 0 not. */
  readonly pte: Shared<number>;
}

/** The driver's `invalidate`: under its lock, `setSeq` then tear the mapping down. */
const driverOps: MmuIntervalNotifierOps<Driver> = {
  async invalidate(sub, range, curSeq) {
    if (!range.blockable) return false;
    const drv = sub.data;
    await drv.lock.lock();
    sub.setSeq(curSeq);
    await drv.pte.store(0);
    drv.lock.unlock();
    return true;
  },
};

type FaultBug = 'alloc-under-lock' | 'read-begin-under-lock' | 'leak-on-collision' | null;

/** A driver on one page, a fault with `bug`, and one blockable munmap of the page. */
function driverRace(world: World, bug: FaultBug): void {
  const mm = world.addressSpace({ name: 'mm' });
  const drv: Driver = { lock: world.mutex('drv.lock'), pte: world.shared(0, 'drv.pte') };
  const sub = settled(
    mm.insertInterval(BASE, PAGE, driverOps, { name: 'drv', data: drv }),
    'insertInterval',
  );
  world.spawn('fault', async () => {
    for (let tries = 0; tries < FAULT_TRIES_MAX; tries++) {
      let seq = 0;
      if (bug !== 'read-begin-under-lock') seq = await sub.readBegin();
      if (bug === null) mightAlloc(world.scheduler); // the page-table page, before the lock
      await drv.lock.lock();
      if (bug === 'read-begin-under-lock') seq = await sub.readBegin();
      if (bug === 'alloc-under-lock') mightAlloc(world.scheduler); // kmalloc under the lock
      if (!sub.readRetry(seq)) {
        await drv.pte.store(1);
        drv.lock.unlock();
        return;
      }
      if (bug === 'leak-on-collision') return; // -EAGAIN to the caller, the lock still held
      drv.lock.unlock();
    }
  });
  world.spawn('munmap', async () => {
    const range = { start: BASE, end: BASE + PAGE, event: 'unmap', blockable: true } as const;
    await mm.invalidateRangeStart(range);
    await mm.invalidateRangeEnd(range);
  });
}

const allocUnderLock = historyPair({
  name: 'lockdep-alloc-under-notifier-lock',
  description:
    'A driver allocates (GFP_KERNEL) while holding the lock its invalidate callback takes: reclaim may ' +
    'invalidate, so lockdep reports drv.lock -> invalidate_range_start -> drv.lock on a schedule that does ' +
    'not deadlock. Allocating before taking the lock is clean.',
  setup: (world, buggy) => driverRace(world, buggy ? 'alloc-under-lock' : null),
});

const readBeginUnderLock = historyPair({
  name: 'lockdep-read-begin-under-lock',
  description:
    'A fault calls readBegin with the driver lock held (one interval): readBegin may wait for the ' +
    'invalidation that waits for the lock. No schedule deadlocks here, yet lockdep reports the order, as ' +
    'the kernel does; readBegin before the lock is clean.',
  setup: (world, buggy) => driverRace(world, buggy ? 'read-begin-under-lock' : null),
});

const leakOnCollision = historyPair({
  name: 'lockdep-leak-on-collision',
  description:
    "A fault's collision path returns -EAGAIN without dropping the driver lock. The invalidation has " +
    'already finished with the lock when the fault collides, so nothing deadlocks; lockdep reports the ' +
    'task ending with drv.lock held. Unlocking before the retry is clean.',
  setup: (world, buggy) => driverRace(world, buggy ? 'leak-on-collision' : null),
});

/** The lockdep pairs. */
export const lockdepScenarios: readonly ScenarioEntry[] = [
  ...allocUnderLock,
  ...readBeginUnderLock,
  ...leakOnCollision,
];
