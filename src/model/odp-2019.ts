/**
 * RDMA on-demand paging as it was in v5.2 (July 2019): the seed thread's notifier "B", a
 * list notifier whose start may fail. Follows v5.2's `drivers/infiniband/core/umem_odp.c`
 * (`ib_umem_notifier_invalidate_range_start/_end`, `ib_umem_notifier_start_account/_end_account`,
 * `ib_umem_odp_map_dma_pages`, `ib_umem_mmu_notifier_retry`) as the seed describes it:
 *
 *     B invalidate_range_start:            B invalidate_range_end:
 *       if (!try_mutex_lock()) return -EAGAIN;   spin_lock(); counter--; spin_unlock();
 *       counter++; (zap) mutex_unlock();
 *
 * and the fault that pairs with it: snapshot `notifiers_seq`, fault the page through the
 * primary, take `umem_mutex`, retry while `notifiers_count != 0` or the seq moved, program the
 * device (may sleep, mutex held). Today's kernel forbids a notifier that can fail from having
 * an end; this one has both, which is what the seed bug needs. Unlike v5.2 the device mapping
 * holds no page reference (as today's hmm-based ODP), so a stale one shows as a freed pfn.
 */

import { type NowOrLater, thenNow } from '../core/notifier-subscriptions.ts';
import type { MmuNotifier, MmuNotifierOps } from '../core/ops.ts';
import { EAGAIN, type MmuNotifierRange } from '../core/range.ts';
import { StateError } from '../errors.ts';
import { mightSleep } from '../sched/scheduler.ts';
import { Mutex } from '../sync/mutex.ts';
import { SpinLock } from '../sync/spinlock.ts';
import { WaitQueue } from '../sync/wait-queue.ts';
import type { Mirror, MirrorMapping } from './mirror.ts';
import type { Mm } from './mm.ts';
import { PAGE_SIZE } from './page-alloc.ts';
import { Word } from './word.ts';

/** Retries one ODP fault may take before it is reported as stuck. */
export const ODP_FAULT_RETRIES_MAX = 16;

/** One 2019 ODP umem registered as a list notifier (`struct ib_ucontext_per_mm` + one umem). */
export class Odp2019 implements Mirror {
  /** The umem's name, for findings. */
  readonly name: string;
  /** The owning process. */
  readonly mm: Mm;
  /** `umem_odp->umem_mutex`. */
  readonly umemMutex: Mutex;
  /** The lock of the end's decrement (the seed's `spin_lock`). */
  readonly countLock: SpinLock;
  /** `umem_odp->notifiers_count`. */
  readonly notifiersCount: Word<number>;
  /** `umem_odp->notifiers_seq`. */
  readonly notifiersSeq: Word<number>;
  /** `umem_odp->notifier_completion`: faults wait here for the count to drop. */
  readonly completion: WaitQueue;
  /** The mm's invalidation epoch at creation. */
  readonly attachEpoch: number;
  readonly #dma = new Map<number, MirrorMapping>();
  #open = 0;
  #notifier: MmuNotifier<Odp2019> | undefined;

  constructor(mm: Mm, name = 'odp2019') {
    this.mm = mm;
    this.name = name;
    const s = mm.sched;
    this.umemMutex = new Mutex({ scheduler: s, name: `${name}.umem_mutex` });
    this.countLock = new SpinLock({ scheduler: s, name: `${name}.count_lock` });
    this.notifiersCount = new Word(0, `${name}.notifiers_count`, s);
    this.notifiersSeq = new Word(0, `${name}.notifiers_seq`, s);
    this.completion = new WaitQueue({ scheduler: s, name: `${name}.notifier_completion` });
    this.attachEpoch = mm.epoch;
  }

  /** `mmu_notifier_register()` from `ib_umem_odp_get()`. */
  register(): NowOrLater<MmuNotifier<Odp2019>> {
    const r = this.mm.as.register<Odp2019>(odp2019Ops, { name: this.name, data: this });
    return thenNow(r, (n) => (this.#notifier = n));
  }

  /** Zaps the device mappings of `[start, end)` (`invalidate_range` callback). */
  zap(start: number, end: number): void {
    for (const addr of [...this.#dma.keys()])
      if (addr >= start && addr < end) this.#dma.delete(addr);
  }

  /** Installs a device mapping (`ib_umem_odp_map_dma_single_page`). Under umem_mutex. */
  map(addr: number, pfn: number, writable: boolean): void {
    if (!this.umemMutex.isLocked) throw new StateError(`${this.name}: mapping without umem_mutex`);
    this.#dma.set(addr, { addr, pfn, writable });
  }

  /** Notes a start that succeeded (+1) or an end (-1), for the pairing monitor. */
  noteStart(delta: 1 | -1): void {
    this.#open += delta;
  }

  /** The device's DMA mappings. */
  mappings(): Iterable<MirrorMapping> {
    return this.#dma.values();
  }

  /** Every invalidation while registered (a list notifier). */
  isSubject(_range: MmuNotifierRange): boolean {
    return this.#notifier !== undefined;
  }

  /** Successful starts without their end yet. */
  openStarts(): number {
    return this.#open;
  }

  /** `notifiers_count` must not go negative, and is 0 when idle. */
  balanceViolation(idle: boolean): string | undefined {
    const n = this.notifiersCount.peek();
    if (n < 0) return `notifiers_count=${n}: an end without a start`;
    if (idle && n !== 0)
      return `notifiers_count=${n} with no invalidation in flight: faults will spin`;
    return undefined;
  }
}

function startLocked(odp: Odp2019, range: MmuNotifierRange): 0 {
  odp.notifiersCount.set(odp.notifiersCount.get() + 1); // ib_umem_notifier_start_account()
  odp.zap(range.start, range.end);
  odp.umemMutex.unlock();
  odp.noteStart(1);
  return 0;
}

/** The 2019 ODP `mmu_notifier_ops`: a start that may fail, and an end. */
export const odp2019Ops: MmuNotifierOps<Odp2019> = {
  invalidateRangeStart(sub, range) {
    const odp = sub.data;
    if (range.blockable) return odp.umemMutex.lock().then(() => startLocked(odp, range));
    if (!odp.umemMutex.tryLock()) return EAGAIN;
    return startLocked(odp, range);
  },
  invalidateRangeEnd(sub) {
    const odp = sub.data;
    odp.countLock.withLock(() => {
      const n = odp.notifiersCount.get() - 1; // ib_umem_notifier_end_account()
      odp.notifiersCount.set(n);
      if (n === 0) odp.notifiersSeq.set(odp.notifiersSeq.get() + 1);
    });
    odp.noteStart(-1);
    odp.completion.wakeUpAll();
  },
};

/**
 * `ib_umem_odp_map_dma_pages()` for one page, with its retry: returns the pfn the device now
 * maps, or -errno. The device programming runs with `umem_mutex` held and may sleep.
 */
export async function odp2019Fault(odp: Odp2019, addr: number, write: boolean): Promise<number> {
  const page = addr - (addr % PAGE_SIZE);
  for (let attempt = 0; attempt < ODP_FAULT_RETRIES_MAX; attempt++) {
    const seq = odp.notifiersSeq.get(); // smp_rmb() follows
    const pfn = await odp.mm.getUserPage(page, write);
    if (pfn < 0) return pfn;
    await odp.umemMutex.lock();
    const stale = odp.notifiersCount.get() !== 0 || odp.notifiersSeq.get() !== seq;
    if (!stale) {
      odp.map(page, pfn, write);
      await mightSleep(odp.mm.sched); // program the device's page table: may sleep, mutex held
    }
    odp.umemMutex.unlock();
    odp.mm.alloc.put(pfn);
    odp.mm.sched.annotate({
      kind: stale ? 'fault.retry' : 'fault.map',
      name: odp.name,
      detail: `pfn ${pfn}`,
    });
    if (!stale) return pfn;
    if (odp.mm.inflight.length === 0 && odp.notifiersCount.get() !== 0) {
      throw new StateError(
        `liveness: ${odp.name} fault retries forever: notifiers_count=${odp.notifiersCount.get()} with no invalidation in flight`,
      );
    }
    await odp.completion.wait(() => odp.notifiersCount.peek() === 0);
  }
  throw new StateError(
    `liveness: ${odp.name} fault at ${page} did not complete in ${ODP_FAULT_RETRIES_MAX} tries`,
  );
}
