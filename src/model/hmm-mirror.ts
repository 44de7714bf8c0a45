/**
 * The HMM device mirror of the kernel's test driver: `struct dmirror` of `lib/test_hmm.c`
 * (`dmirror_fops_open/_release`, `dmirror_interval_invalidate`, `dmirror_range_fault`,
 * `dmirror_fault`, `dmirror_do_fault`, `dmirror_read`, `dmirror_write`,
 * `dmirror_range_snapshot`). Migration to and from device memory is in `hmm-migrate.ts`.
 *
 * Protocol
 * --------
 * The device page table `pt` (an xarray in the kernel) changes only under `mutex`, except
 * the erase of `dmirror_devmem_fault`, which the kernel does under the xarray's own lock.
 *
 *     fault:  seq = readBegin; mmap_read_lock; hmm_range_fault; unlock; EBUSY -> again
 *             lock mutex; readRetry(seq) -> unlock, again; store pfns in pt; unlock
 *     invalidate: migrate event with our owner -> skip (the migration updates pt itself)
 *             blockable: lock / non-blockable: trylock or return false
 *             setSeq(curSeq); erase pt in range; unlock
 *
 * `DmirrorBugs` switch on the mistakes other drivers made (each scenario names the fix).
 */

import { type NowOrLater, thenNow } from '../core/notifier-subscriptions.ts';
import type { MmuIntervalNotifier, MmuIntervalNotifierOps } from '../core/ops.ts';
import type { MmuNotifierRange } from '../core/range.ts';
import { StateError } from '../errors.ts';
import { type Op, PrimitiveOp } from '../sched/scheduler.ts';
import { Mutex } from '../sync/mutex.ts';
import { EBUSY, EINVAL, ENOENT } from './errno.ts';
import { type HmmPfn, hmmRangeFault } from './hmm.ts';
import type { DmirrorDevice } from './hmm-migrate.ts';
import type { Mirror, MirrorMapping } from './mirror.ts';
import { type Mm, TASK_SIZE } from './mm.ts';
import { mmgetNotZero, mmput } from './mm-ops.ts';
import { PAGE_SIZE } from './page-alloc.ts';

/** Pages per `hmm_range_fault` call (`dmirror_fault`'s `pfns[32]`). */
export const DMIRROR_FAULT_PAGES = 32;
/** Attempts of one range fault before `-EBUSY` (`HMM_RANGE_DEFAULT_TIMEOUT`, as a count). */
export const DMIRROR_FAULT_TRIES_MAX = 16;

/** Mistakes other drivers made, switched on by history scenarios. */
export interface DmirrorBugs {
  /** Sleep on the mutex in non-blockable context too (before ba170f76b69d caught it). */
  readonly nonblockSleeps?: boolean;
  /** Never call `setSeq` from invalidate: `readRetry` cannot see the collision. */
  readonly noSetSeq?: boolean;
  /** Check `readRetry` before taking the mutex that invalidate holds. */
  readonly retryWithoutLock?: boolean;
}

/** One device page-table entry: the page and whether the device may write it. */
export interface DmirrorEntry {
  /** The page the device reaches. */
  readonly pfn: number;
  /** `DPT_XA_TAG_WRITE`: the device may write it. */
  readonly write: boolean;
}

/** What a read or write command returns (`struct hmm_dmirror_cmd`). */
export interface DmirrorCmdResult {
  /** 0, or -errno. */
  readonly ret: number;
  /** Pages copied. */
  readonly cpages: number;
  /** Times the command had to fault (`cmd->faults`). */
  readonly faults: number;
  /** The data read (read) or written (write), one number per page. */
  readonly data: readonly number[];
}

/** `struct dmirror`: one open file of the test device, mirroring one mm. */
export class Dmirror implements Mirror {
  /** The mirror's name, for findings. */
  readonly name: string;
  /** The mirrored process. */
  readonly mm: Mm;
  /** The device (`dmirror->mdevice`), owner of its private pages. */
  readonly device: DmirrorDevice;
  /** The mistakes switched on (none by default). */
  readonly bugs: DmirrorBugs;
  /** `dmirror->mutex`. */
  readonly mutex: Mutex;
  /** The mm's invalidation epoch when the mirror was created. */
  readonly attachEpoch: number;
  readonly #pt = new Map<number, DmirrorEntry>();
  readonly #ptOp: Op;
  #migrating: readonly [number, number] | undefined;
  #closing = false;
  #notifier: MmuIntervalNotifier<Dmirror> | undefined;

  constructor(mm: Mm, device: DmirrorDevice, name = 'dmirror', bugs: DmirrorBugs = {}) {
    this.mm = mm;
    this.device = device;
    this.name = name;
    this.bugs = bugs;
    this.mutex = new Mutex({ scheduler: mm.sched, name: `${name}.mutex` });
    const id = mm.sched.objectId(`${name}.pt`);
    this.#ptOp = new PrimitiveOp('xa.store', id, true, `${name}.pt`);
    this.attachEpoch = mm.epoch;
  }

  /** `dmirror_fops_open()`: an interval notifier over the whole address space. */
  open(): NowOrLater<MmuIntervalNotifier<Dmirror>> {
    const r = this.mm.as.insertInterval<Dmirror>(0, TASK_SIZE, dmirrorMinOps, {
      name: this.name,
      data: this,
    });
    return thenNow(r, (n) => (this.#notifier = n));
  }

  /** `dmirror_fops_release()`: `mmu_interval_notifier_remove()`. Pairs with {@link Dmirror.open}. */
  async close(): Promise<void> {
    this.#closing = true; // the file is being released: the device no longer runs commands
    await this.notifier.remove();
    this.#notifier = undefined;
    this.erase(0, TASK_SIZE); // xa_destroy()
  }

  /** The interval notifier (after open). */
  get notifier(): MmuIntervalNotifier<Dmirror> {
    if (this.#notifier === undefined) throw new StateError(`${this.name} is not open`);
    return this.#notifier;
  }

  /** The device page-table entry of `addr` (xa_load). */
  entry(addr: number): DmirrorEntry | undefined {
    this.mm.sched.access(this.#ptOp);
    return this.#pt.get(addr - (addr % PAGE_SIZE));
  }

  /** `xa_store()`. Under `mutex` (or the migration path). */
  store(addr: number, entry: DmirrorEntry): void {
    this.mm.sched.access(this.#ptOp);
    this.#pt.set(addr, entry);
  }

  /** `dmirror_do_update()`: erases the entries of `[start, end)`. */
  erase(start: number, end: number): void {
    this.mm.sched.access(this.#ptOp);
    for (const addr of [...this.#pt.keys()]) if (addr >= start && addr < end) this.#pt.delete(addr);
  }

  /** Marks `[start, end)` as being migrated by this mirror (or clears it). */
  setMigrating(range: readonly [number, number] | undefined): void {
    this.#migrating = range;
  }

  /** The device page table (nothing once the file is being released). */
  mappings(): Iterable<MirrorMapping> {
    if (this.#closing) return [];
    return [...this.#pt].map(([addr, e]) => ({ addr, pfn: e.pfn, writable: e.write }));
  }

  /** Every invalidation while open, except the migrations this device owns. */
  isSubject(range: MmuNotifierRange): boolean {
    if (this.#notifier === undefined) return false;
    return !(
      (range.event === 'migrate' || range.event === 'exclusive') &&
      range.owner === this.device
    );
  }

  /** True inside this mirror's own migration of `addr`. */
  isMigrating(addr: number): boolean {
    return this.#migrating !== undefined && addr >= this.#migrating[0] && addr < this.#migrating[1];
  }

  /** `dmirror_range_fault()`: fault `[start, end)` into the device page table. 0 or -errno. */
  async rangeFault(start: number, end: number, write: boolean): Promise<number> {
    const notifier = this.notifier;
    for (let attempt = 0; attempt < DMIRROR_FAULT_TRIES_MAX; attempt++) {
      const seq = await notifier.readBegin();
      await this.mm.mmapLock.readLock();
      let pfns: HmmPfn[] | number;
      try {
        const range = {
          notifier,
          notifierSeq: seq,
          start,
          end,
          fault: true,
          write,
          devPrivateOwner: this.device,
        };
        pfns = await hmmRangeFault(this.mm, range);
      } finally {
        this.mm.mmapLock.readUnlock();
      }
      if (pfns === EBUSY) continue;
      if (typeof pfns === 'number') return pfns;
      const early = this.bugs.retryWithoutLock === true && notifier.readRetry(seq);
      if (early) continue;
      await this.mutex.lock();
      if (this.bugs.retryWithoutLock !== true && notifier.readRetry(seq)) {
        this.mutex.unlock();
        this.mm.sched.annotate({
          kind: 'fault.retry',
          name: this.name,
          detail: `read_retry(${seq})`,
        });
        continue;
      }
      for (const [i, p] of pfns.entries())
        this.store(start + i * PAGE_SIZE, { pfn: p.pfn, write: p.writable }); // dmirror_do_fault()
      this.mutex.unlock();
      return 0;
    }
    return EBUSY;
  }

  /** `dmirror_fault()`: `[start, end)` in chunks of {@link DMIRROR_FAULT_PAGES}. */
  async fault(start: number, end: number, write: boolean): Promise<number> {
    if (!mmgetNotZero(this.mm)) return 0;
    let ret = 0;
    for (let addr = start; addr < end && ret === 0; addr += DMIRROR_FAULT_PAGES * PAGE_SIZE) {
      ret = await this.rangeFault(
        addr,
        Math.min(addr + DMIRROR_FAULT_PAGES * PAGE_SIZE, end),
        write,
      );
    }
    await mmput(this.mm);
    return ret;
  }

  /** `dmirror_read()` (`HMM_DMIRROR_READ`): read `npages` from `addr` through the device. */
  read(addr: number, npages: number): Promise<DmirrorCmdResult> {
    return this.#command(addr, npages, false, []);
  }

  /** `dmirror_write()` (`HMM_DMIRROR_WRITE`): write `data` (one number per page) through the device. */
  write(addr: number, data: readonly number[]): Promise<DmirrorCmdResult> {
    return this.#command(addr, data.length, true, data);
  }

  async #command(
    addr: number,
    npages: number,
    write: boolean,
    input: readonly number[],
  ): Promise<DmirrorCmdResult> {
    const end = addr + npages * PAGE_SIZE;
    if (npages <= 0 || !Number.isSafeInteger(end))
      return { ret: EINVAL, cpages: 0, faults: 0, data: [] };
    const data: number[] = [];
    let faults = 0;
    let ret = 0;
    for (let loop = 0; loop <= DMIRROR_FAULT_TRIES_MAX; loop++) {
      await this.mutex.lock();
      ret = this.#doAccess(addr + data.length * PAGE_SIZE, end, write, input, data); // dmirror_do_read/_write
      this.mutex.unlock();
      if (ret !== ENOENT) break;
      ret = await this.fault(addr + data.length * PAGE_SIZE, end, write);
      if (ret !== 0) break;
      faults++;
      if (loop === DMIRROR_FAULT_TRIES_MAX) ret = EBUSY; // the kernel would loop on; we stop
    }
    return { ret, cpages: data.length, faults, data };
  }

  #doAccess(
    start: number,
    end: number,
    write: boolean,
    input: readonly number[],
    out: number[],
  ): number {
    for (let addr = start; addr < end; addr += PAGE_SIZE) {
      const e = this.entry(addr);
      if (e === undefined || (write && !e.write)) return ENOENT;
      const i = out.length;
      if (write) this.mm.alloc.write(e.pfn, input[i] ?? 0);
      out.push(write ? (input[i] ?? 0) : this.mm.alloc.read(e.pfn)); // throws on a freed page
    }
    return 0;
  }
}

/** `dmirror_min_ops`: `dmirror_interval_invalidate()`. */
export const dmirrorMinOps: MmuIntervalNotifierOps<Dmirror> = {
  invalidate(sub, range, curSeq) {
    const dmirror = sub.data;
    if (
      (range.event === 'migrate' || range.event === 'exclusive') &&
      range.owner === dmirror.device
    )
      return true;
    const update = (): boolean => {
      if (dmirror.bugs.noSetSeq !== true) sub.setSeq(curSeq);
      dmirror.erase(range.start, range.end);
      dmirror.mutex.unlock();
      return true;
    };
    if (range.blockable || dmirror.bugs.nonblockSleeps === true)
      return dmirror.mutex.lock().then(update);
    if (!dmirror.mutex.tryLock()) return false;
    return update();
  },
};
