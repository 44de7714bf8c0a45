/**
 * A userptr-style driver: a device that mirrors part of a process's memory (a GPU's userptr
 * buffer object, an RDMA memory region), written the way `drivers/gpu/drm/amd/amdgpu/
 * amdgpu_hmm.c` and `drivers/infiniband/core/umem_odp.c` do it (checked against Linux 6.12):
 *
 * - an **interval notifier** on the buffer's range (`mmu_interval_notifier_insert`);
 * - a **device page table** (addr -> pfn), changed only under the driver's lock;
 * - `invalidate`: take the lock, `setSeq(curSeq)`, zap the device page table, unlock
 *   (trylock and fail when the range is not blockable, as the OOM reaper's is);
 * - a **fault handler** with the collision-retry loop of `Documentation/mm/hmm.rst`:
 *   `readBegin` -> `hmmRangeFault` under `mmap_lock` -> lock -> `readRetry` (retry on a
 *   collision) -> program the device -> unlock.
 *
 * `bugs.retryOutsideLock` plants the classic mistake: `readRetry` checked *before* taking the
 * lock, so a whole invalidation can run between the check and the programming of the device,
 * which then maps a page the process already freed.
 *
 * This file is the guide's example (docs/writing-a-driver-scenario.md); it imports only the
 * package's public API, like a driver developer's own file.
 */

import {
  EBUSY,
  type HmmPfn,
  hmmRangeFault,
  type Mirror,
  type MirrorMapping,
  type Mm,
  type MmuIntervalNotifier,
  type MmuNotifierRange,
  type Mutex,
  PAGE_SIZE,
  settled,
  type World,
} from 'mmu-notifier';

/** Tries of the fault loop before it gives up (a limit on everything: a livelock is a bug). */
export const FAULT_TRIES_MAX = 16;

/** Mistakes to plant, one flag each. */
export interface UserptrBugs {
  /** Check `readRetry` before taking the driver lock (the race `amdgpu` fixed). */
  readonly retryOutsideLock?: boolean;
}

/** One buffer object of the device: an interval notifier, a lock and a device page table. */
export class UserptrDriver implements Mirror {
  readonly name: string;
  readonly attachEpoch: number;
  /** The driver's notifier lock (amdgpu's `notifier_lock`, ODP's `umem_mutex`). */
  readonly lock: Mutex;
  /** The interval notifier on the buffer's range. */
  readonly notifier: MmuIntervalNotifier<UserptrDriver>;
  /** The device page table: the primary's address -> what the device maps there. */
  readonly #pt = new Map<number, MirrorMapping>();
  readonly #mm: Mm;
  readonly #bugs: UserptrBugs;

  constructor(
    world: World,
    mm: Mm,
    start: number,
    length: number,
    name: string,
    bugs: UserptrBugs = {},
  ) {
    this.name = name;
    this.#mm = mm;
    this.#bugs = bugs;
    this.lock = world.mutex(`${name}.notifier_lock`);
    this.attachEpoch = mm.epoch;
    this.notifier = settled(
      mm.as.insertInterval(
        start,
        length,
        {
          invalidate: (sub, range, curSeq) => sub.data.#invalidate(range, curSeq),
        },
        { name, data: this },
      ),
      'insertInterval',
    );
  }

  /** The `invalidate` callback: `setSeq` and zap under the lock. */
  #invalidate(range: MmuNotifierRange, curSeq: number): boolean | Promise<boolean> {
    if (!range.blockable) {
      if (!this.lock.tryLock()) return false; // the reaper retries later
      this.#zap(range, curSeq);
      return true;
    }
    return this.lock.lock().then(() => {
      this.#zap(range, curSeq);
      return true;
    });
  }

  /** Under the lock: mark the collision, drop the device's mappings of `range`, unlock. */
  #zap(range: MmuNotifierRange, curSeq: number): void {
    this.notifier.setSeq(curSeq);
    for (const addr of [...this.#pt.keys()]) {
      if (addr >= range.start && addr < range.end) this.#pt.delete(addr);
    }
    this.lock.unlock();
  }

  /**
   * The device faults on `[start, start + pages * PAGE_SIZE)`: the collision-retry loop.
   * Returns 0, or a negative errno from `hmmRangeFault` (`EFAULT`, `EPERM`).
   */
  async fault(start: number, pages: number, write: boolean): Promise<number> {
    const mm = this.#mm;
    const end = start + pages * PAGE_SIZE;
    for (let tries = 0; tries < FAULT_TRIES_MAX; tries++) {
      const seq = await this.notifier.readBegin();
      await mm.mmapLock.readLock();
      const range = { notifier: this.notifier, notifierSeq: seq, start, end, fault: true, write };
      const pfns = await hmmRangeFault(mm, range);
      mm.mmapLock.readUnlock();
      if (pfns === EBUSY) continue; // an invalidation ran during the walk: start again
      if (typeof pfns === 'number') return pfns;
      if (this.#bugs.retryOutsideLock && this.notifier.readRetry(seq)) continue; // the bug
      await this.lock.lock();
      if (!this.#bugs.retryOutsideLock && this.notifier.readRetry(seq)) {
        this.lock.unlock(); // a collision: the pfns may be stale
        continue;
      }
      this.#program(start, pfns);
      this.lock.unlock();
      return 0;
    }
    throw new Error(`${this.name}: fault gave up after ${FAULT_TRIES_MAX} collisions`);
  }

  /** Under the lock: write the device page table. */
  #program(start: number, pfns: readonly HmmPfn[]): void {
    pfns.forEach((p, i) => {
      const addr = start + i * PAGE_SIZE;
      if (p.valid) this.#pt.set(addr, { addr, pfn: p.pfn, writable: p.writable });
    });
  }

  /** What the device maps now (the monitors read it after every step). */
  mappings(): Iterable<MirrorMapping> {
    return this.#pt.values();
  }

  /** Every invalidation that overlaps the buffer reaches this driver. */
  isSubject(range: MmuNotifierRange): boolean {
    return range.start <= this.notifier.last && this.notifier.start < range.end;
  }
}
