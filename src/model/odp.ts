/**
 * RDMA on-demand paging today: one interval notifier per umem. Follows
 * `drivers/infiniband/core/umem_odp.c` (`ib_umem_odp_get`, `ib_umem_odp_map_dma_and_lock`,
 * `ib_umem_odp_unmap_dma_pages`, `ib_umem_odp_release`) and
 * `drivers/infiniband/hw/mlx5/odp.c` (`mlx5_ib_invalidate_range`, `pagefault_real_mr`) and
 * `mr.c` (`mlx5_revoke_mr`, with abb604a1a9c8).
 *
 * Protocol
 * --------
 * | step (fault)                            | step (invalidate, blockable only)          |
 * |-----------------------------------------|--------------------------------------------|
 * | seq = readBegin()                       | non-blockable: return false at once        |
 * | mmap_read_lock; hmm_range_fault; unlock | lock umem_mutex                            |
 * | EBUSY -> again                          | setSeq(curSeq)  (pairs with readRetry)     |
 * | lock umem_mutex; readRetry(seq) -> again| npages == 0 or no MR -> done               |
 * | map DMA, program the MR (may sleep)     | zap the MR's entries, unmap DMA            |
 * | unlock                                  | unlock                                     |
 *
 * Deregistration revokes the MR under `umem_mutex` and clears `umem_odp->private`, so an
 * invalidate that runs later skips the torn-down MR (abb604a1a9c8); `revokeUnlocked` is the
 * bug before it.
 */

import { type NowOrLater, thenNow } from '../core/notifier-subscriptions.ts';
import type { MmuIntervalNotifier, MmuIntervalNotifierOps } from '../core/ops.ts';
import type { MmuNotifierRange } from '../core/range.ts';
import { StateError } from '../errors.ts';
import { mightSleep } from '../sched/scheduler.ts';
import { Mutex } from '../sync/mutex.ts';
import { EBUSY, EINVAL } from './errno.ts';
import { hmmRangeFault } from './hmm.ts';
import type { Mirror, MirrorMapping } from './mirror.ts';
import type { Mm } from './mm.ts';
import { mmgetNotZero, mmput } from './mm-ops.ts';
import { PAGE_SIZE } from './page-alloc.ts';
import { Word } from './word.ts';

/** Attempts of one fault before `-EBUSY` (the kernel's `HMM_RANGE_DEFAULT_TIMEOUT`, as a count). */
export const ODP_FAULT_TRIES_MAX = 16;

/** The MR behind a umem (`struct mlx5_ib_mr`, reached through `umem_odp->private`). */
export interface OdpMr {
  /** Set by `destroy_mkey()`; recorded, since the buggy revoke writes it without a lock. */
  readonly destroyed: Word<boolean>;
}

/** One ODP umem (`struct ib_umem_odp`) and its MR. */
export class OdpUmem implements Mirror {
  /** The umem's name, for findings. */
  readonly name: string;
  /** The owning process (`umem.owning_mm`). */
  readonly mm: Mm;
  /** `ib_umem_start()`. */
  readonly start: number;
  /** `ib_umem_end()` (exclusive). */
  readonly end: number;
  /** `umem_odp->umem_mutex`. */
  readonly umemMutex: Mutex;
  /** `umem_odp->private`: the MR, or null once revoked (abb604a1a9c8). */
  mr: OdpMr | null;
  #attachEpoch: number;
  readonly #dma = new Map<number, MirrorMapping>();
  #notifier: MmuIntervalNotifier<OdpUmem> | undefined;

  constructor(mm: Mm, start: number, length: number, name = 'odp') {
    this.mm = mm;
    this.name = name;
    this.start = start;
    this.end = start + length;
    this.umemMutex = new Mutex({ scheduler: mm.sched, name: `${name}.umem_mutex` });
    this.mr = { destroyed: new Word(false, `${name}.mr.destroyed`, mm.sched) };
    this.#attachEpoch = mm.epoch;
  }

  /** `ib_init_umem_odp()`: `mmu_interval_notifier_insert()`. Pairs with {@link OdpUmem.release}. */
  insert(): NowOrLater<MmuIntervalNotifier<OdpUmem>> {
    this.#attachEpoch = this.mm.epoch;
    const r = this.mm.as.insertInterval<OdpUmem>(
      this.start,
      this.end - this.start,
      odpIntervalOps,
      {
        name: this.name,
        data: this,
      },
    );
    return thenNow(r, (n) => (this.#notifier = n));
  }

  /** The mm's invalidation epoch when the interval was inserted. */
  get attachEpoch(): number {
    return this.#attachEpoch;
  }

  /** The interval notifier (after insert). */
  get notifier(): MmuIntervalNotifier<OdpUmem> {
    if (this.#notifier === undefined) throw new StateError(`${this.name} is not inserted`);
    return this.#notifier;
  }

  /** `umem_odp->npages`: pages mapped for DMA. */
  get npages(): number {
    return this.#dma.size;
  }

  /** Maps a page for DMA and into the MR. Under umem_mutex. */
  map(addr: number, pfn: number, writable: boolean): void {
    if (!this.umemMutex.isLocked) throw new StateError(`${this.name}: dma map without umem_mutex`);
    this.#dma.set(addr, { addr, pfn, writable });
  }

  /** `ib_umem_odp_unmap_dma_pages()` of `[start, end)`. Under umem_mutex. */
  unmapDmaPages(start: number, end: number): void {
    if (!this.umemMutex.isLocked)
      throw new StateError(`${this.name}: dma unmap without umem_mutex`);
    for (const addr of [...this.#dma.keys()])
      if (addr >= start && addr < end) this.#dma.delete(addr);
  }

  /** For a scenario's setup: map `addr` as if a fault had completed before the run. */
  premap(addr: number): void {
    const pte = this.mm.peekPte(addr);
    if (pte === undefined || !this.umemMutex.tryLock())
      throw new StateError(`${this.name}: cannot premap ${addr}`);
    this.map(addr, pte.pfn, pte.writable);
    this.umemMutex.unlock();
  }

  /** `ib_umem_odp_release()`: unmap everything under the mutex, then remove the notifier. */
  async release(): Promise<void> {
    await this.umemMutex.lock();
    this.unmapDmaPages(this.start, this.end);
    this.umemMutex.unlock();
    await this.notifier.remove();
    this.#notifier = undefined;
  }

  /** What the device can reach: nothing once the MR is revoked (its mkey is gone). */
  mappings(): Iterable<MirrorMapping> {
    const mr = this.mr;
    return mr === null || mr.destroyed.peek() ? [] : this.#dma.values();
  }

  /** Invalidations that overlap the umem while inserted. */
  isSubject(range: MmuNotifierRange): boolean {
    return this.#notifier !== undefined && range.start < this.end && this.start < range.end;
  }
}

/** `mlx5_ib_invalidate_range()`. */
export const odpIntervalOps: MmuIntervalNotifierOps<OdpUmem> = {
  invalidate(sub, range, curSeq) {
    if (!range.blockable) return false;
    const odp = sub.data;
    return odp.umemMutex.lock().then(() => {
      try {
        sub.setSeq(curSeq);
        const mr = odp.mr;
        if (odp.npages === 0 || mr === null) return true;
        if (mr.destroyed.get())
          throw new StateError(`${odp.name}: invalidate used a destroyed MR (use after free)`);
        odp.unmapDmaPages(Math.max(odp.start, range.start), Math.min(odp.end, range.end));
        return true;
      } finally {
        odp.umemMutex.unlock();
      }
    });
  },
};

/**
 * `pagefault_real_mr()` -> `ib_umem_odp_map_dma_and_lock()` for one page: the pfn now mapped,
 * or -errno (`EBUSY` after {@link ODP_FAULT_TRIES_MAX} collisions).
 */
export async function odpPageFault(odp: OdpUmem, addr: number, write: boolean): Promise<number> {
  const page = addr - (addr % PAGE_SIZE);
  const mm = odp.mm;
  if (!mmgetNotZero(mm)) return EINVAL; // the owning process is gone
  try {
    return await odpFaultLoop(odp, page, write);
  } finally {
    await mmput(mm); // mmput_async()
  }
}

async function odpFaultLoop(odp: OdpUmem, page: number, write: boolean): Promise<number> {
  const mm = odp.mm;
  for (let attempt = 0; attempt < ODP_FAULT_TRIES_MAX; attempt++) {
    const seq = await odp.notifier.readBegin();
    await mm.mmapLock.readLock();
    let pfns: Awaited<ReturnType<typeof hmmRangeFault>>;
    try {
      pfns = await hmmRangeFault(mm, {
        notifier: odp.notifier,
        notifierSeq: seq,
        start: page,
        end: page + PAGE_SIZE,
        fault: true,
        write,
      });
    } finally {
      mm.mmapLock.readUnlock();
    }
    if (pfns === EBUSY) continue;
    if (typeof pfns === 'number') return pfns;
    await odp.umemMutex.lock();
    if (odp.notifier.readRetry(seq)) {
      odp.umemMutex.unlock();
      mm.sched.annotate({ kind: 'fault.retry', name: odp.name, detail: `read_retry(${seq})` });
      continue;
    }
    const entry = pfns[0]!;
    odp.map(page, entry.pfn, entry.writable);
    await mightSleep(mm.sched); // mlx5r_umr_update_xlt(): program the MR, may sleep, mutex held
    odp.umemMutex.unlock();
    return entry.pfn;
  }
  return EBUSY;
}

/**
 * `mlx5_ib_dereg_mr()` -> `mlx5_revoke_mr()`: destroys the MR's mkey (a firmware command that
 * may sleep). Fixed (abb604a1a9c8): under `umem_mutex`, then `umem_odp->private = NULL`.
 * `revokeUnlocked`: the bug before it (no lock, `private` left pointing at the dead MR).
 */
export async function odpRevokeMr(odp: OdpUmem, revokeUnlocked = false): Promise<void> {
  const mr = odp.mr;
  if (mr === null) throw new StateError(`${odp.name}: MR already revoked`);
  if (revokeUnlocked) {
    mr.destroyed.set(true);
    await mightSleep(odp.mm.sched); // destroy_mkey(): a firmware command
    return;
  }
  await odp.umemMutex.lock();
  mr.destroyed.set(true);
  odp.mr = null;
  odp.umemMutex.unlock();
}
