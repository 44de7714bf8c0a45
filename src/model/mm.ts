/**
 * The primary MMU of one process: the kernel's `struct mm_struct` with its VMAs, page table,
 * `mmap_lock`, page-table lock and notifier subscriptions (the core's {@link AddressSpace}).
 * Follows `include/linux/mm_types.h` (`struct mm_struct`) and `mm/mmu_notifier.c`'s callers;
 * the fault paths (`mm/memory.c`, `mm/gup.c`) are in `mm-fault.ts`.
 *
 * Protocol
 * --------
 * | state                 | lock held                               |
 * |-----------------------|-----------------------------------------|
 * | VMA list              | `mmapLock` read to look up, write to change |
 * | page table entries    | `ptl` (a spin lock: no await inside)    |
 * | `MMF_OOM_SKIP`        | set by exit under `mmapLock` write, read by the reaper under read |
 *
 * Every change to a present PTE that a mirror may have copied (unmap, write-protect, pfn
 * change) happens between {@link Mm.invalidateStart} and {@link Mm.invalidateEnd}, and the pages
 * it unmapped are freed only after the end (the `mmu_gather` batch of `tlb_finish_mmu`).
 * Installing a PTE where none was, or making a present PTE writable in place, needs no
 * invalidation (no mirror can hold a stale copy of either).
 *
 * The start/end wrappers also keep the list of invalidations in flight, which the monitors
 * (`monitors.ts`) read: `starting` until the core's start returned, `started` until the end
 * was called, `ending` while it runs.
 */

import type { NotifierSubscriptions } from '../core/notifier-subscriptions.ts';
import { settled } from '../core/notifier-subscriptions.ts';
import { ADDRESS_END, EAGAIN, type MmuNotifierRange } from '../core/range.ts';
import { InvalidArgumentError, StateError } from '../errors.ts';
import { type Op, PrimitiveOp, type Scheduler } from '../sched/scheduler.ts';
import { RwSemaphore } from '../sync/rwsem.ts';
import { SpinLock } from '../sync/spinlock.ts';
import { faultIn, getUserPage, handleMmFault } from './mm-fault.ts';
import type { DevicePagemap, InflightInvalidation, Pte } from './mm-types.ts';
import { PAGE_SIZE, PageAllocator } from './page-alloc.ts';
import { PageCache } from './page-cache.ts';
import { checkRange, type Vma, VmaList, type VmaSpec } from './vma.ts';
import { Word } from './word.ts';

/** The top of the user address space (`TASK_SIZE`), the end of exit's full-range unmap. */
export const TASK_SIZE = 2 ** 47;

/** Options of {@link Mm}. */
export interface MmOptions {
  /**
   * The scheduler every lock of this mm parks through; by default the address space's own
   * (the world's, for `new Mm(world.addressSpace())`). A different one is refused.
   */
  readonly scheduler?: Scheduler;
  /** The page allocator (one per run); a new one by default. */
  readonly alloc?: PageAllocator;
  /** The process name, for traces. */
  readonly name?: string;
}

/** The kernel's `struct mm_struct`: the primary MMU. */
export class Mm {
  /** The notifier subscriptions (`mm->notifier_subscriptions`). */
  readonly as: NotifierSubscriptions;
  /** The scheduler of this run. */
  readonly sched: Scheduler;
  /** The physical page allocator. */
  readonly alloc: PageAllocator;
  /** The process name. */
  readonly name: string;
  /** `mm->mmap_lock`. */
  readonly mmapLock: RwSemaphore;
  /** The page-table lock (`pte_lockptr`; one for the whole table in the model). */
  readonly ptl: SpinLock;
  /** The VMAs (`mm->mm_mt`). */
  readonly vmas = new VmaList();
  /** `MMF_OOM_SKIP`: the OOM killer and reaper leave this mm alone. */
  readonly oomSkip: Word<boolean>;
  /** `MMF_UNSTABLE`: the reaper has started tearing down memory. */
  readonly unstable: Word<boolean>;
  /** `mm->mm_users`: the last `mmput` runs exit. */
  readonly users: Word<number>;
  readonly #ptes = new Map<number, Pte>();
  readonly #ptOp: Op;
  readonly #ptReadOp: Op;
  readonly #subsRead: Op;
  readonly #subsWrite: Op;
  readonly #pagemaps = new Map<unknown, DevicePagemap>();
  readonly #inflight: InflightInvalidation[] = [];
  readonly #coreStarted = new Set<InflightInvalidation>();
  #epoch = 0;

  /**
   * A process on `as`: `new Mm(world.addressSpace(), { name: 'mm' })` in a scenario's setup.
   * It starts with no VMA: add them with {@link Mm.mmap}, fault pages in with {@link Mm.populate}.
   * @throws InvalidArgumentError when `options.scheduler` is not the address space's.
   */
  constructor(as: NotifierSubscriptions, options: MmOptions = {}) {
    this.as = as;
    const sched = options.scheduler ?? as.scheduler;
    if (sched !== as.scheduler) {
      throw new InvalidArgumentError(
        `new Mm('${options.name ?? 'mm'}'): its scheduler is not its address space's; leave options.scheduler out`,
      );
    }
    this.sched = sched;
    this.alloc = options.alloc ?? new PageAllocator(this.sched);
    this.name = options.name ?? 'mm';
    this.mmapLock = new RwSemaphore({ scheduler: this.sched, name: `${this.name}.mmap_lock` });
    this.ptl = new SpinLock({ scheduler: this.sched, name: `${this.name}.ptl` });
    this.oomSkip = new Word(false, `${this.name}.MMF_OOM_SKIP`, this.sched);
    this.unstable = new Word(false, `${this.name}.MMF_UNSTABLE`, this.sched);
    this.users = new Word(1, `${this.name}.mm_users`, this.sched);
    const ptId = this.sched.objectId(`${this.name}.page_table`);
    const pt = `${this.name}.page_table`;
    this.#ptOp = new PrimitiveOp('pte.access', ptId, true, pt);
    this.#ptReadOp = new PrimitiveOp('pte.read', ptId, false, pt);
    const subs = `${this.name}.notifier_subscriptions`;
    const subsId = this.sched.objectId(subs);
    this.#subsRead = new PrimitiveOp('mm.released', subsId, false, subs);
    this.#subsWrite = new PrimitiveOp('mm.release', subsId, true, subs);
  }

  /**
   * `mmap(MAP_FIXED_NOREPLACE)` for a scenario's setup: no lock, no task may run yet.
   * `spec.prot` gives the protection; `shared: true` with no `file` is shmem; a `file` (a
   * {@link PageCache}) maps its pages. Returns the new VMA.
   * @throws InvalidArgumentError for an unaligned or empty range; StateError when it overlaps a VMA.
   */
  mmap(start: number, length: number, spec: VmaSpec): Vma {
    const end = checkRange(start, length);
    const shmem = spec.shared === true && spec.file === undefined;
    const file = shmem ? new PageCache(this.alloc, `${this.name}.shmem`) : spec.file;
    return this.vmas.insert(start, end, { ...spec, ...(file === undefined ? {} : { file }) });
  }

  /**
   * Faults in the page at `addr` (as a CPU access would, writable if the VMA is) and sets its
   * contents to `data`, for a scenario's setup. Returns the page's pfn.
   * @throws StateError when no VMA covers `addr`.
   */
  populate(addr: number, data: number): number {
    const vma = this.vmas.lookup(addr);
    if (vma === undefined) throw new StateError(`populate: no VMA at 0x${addr.toString(16)}`);
    const pfn = this.ptl.withLock(() =>
      faultIn(this, vma, addr - (addr % PAGE_SIZE), vma.prot.write),
    );
    this.alloc.write(pfn, data);
    return pfn;
  }

  /** Registers the `migrate_to_ram` handler of a device's private pages. */
  addPagemap(pagemap: DevicePagemap): void {
    this.#pagemaps.set(pagemap.owner, pagemap);
  }

  /** The pagemap of the device that owns device-private pages of `owner` (`page->pgmap`). */
  pagemapOf(owner: unknown): DevicePagemap | undefined {
    return this.#pagemaps.get(owner);
  }

  /** The PTE mapping `addr`, if any (`ptep_get`). Recorded as a page-table access. */
  pte(addr: number): Pte | undefined {
    this.sched.access(this.#ptReadOp);
    return this.#ptes.get(addr - (addr % PAGE_SIZE));
  }

  /** Installs or replaces a PTE (`set_pte_at`). The caller holds {@link Mm.ptl}. */
  setPte(addr: number, pte: Pte): void {
    this.#assertPtl('set_pte_at');
    this.sched.access(this.#ptOp);
    this.#ptes.set(addr - (addr % PAGE_SIZE), pte);
  }

  /** Clears the PTEs of `[start, end)` and returns their pfns (`zap_pte_range`). Under ptl. */
  zapPtes(start: number, end: number): number[] {
    this.#assertPtl('zap_pte_range');
    this.sched.access(this.#ptOp);
    const pfns: number[] = [];
    for (const [addr, pte] of this.#ptes) {
      if (addr < start || addr >= end) continue;
      this.#ptes.delete(addr);
      pfns.push(pte.pfn);
    }
    return pfns;
  }

  /** The present PTEs of `[start, end)`, in no particular order, for monitors. Not recorded. */
  ptesIn(start: number, end: number): Array<readonly [number, Pte]> {
    return [...this.#ptes].filter(([addr]) => addr >= start && addr < end);
  }

  /**
   * `ptep_clear_flush_young_notify()` of the page at `addr` (page aging in reclaim): clears
   * the primary's accessed bit and asks the mirrors (`clear_flush_young`). Under ptl.
   */
  clearFlushYoung(addr: number): boolean {
    this.#assertPtl('ptep_clear_flush_young');
    const page = addr - (addr % PAGE_SIZE);
    const pte = this.pte(page);
    this.sched.access(this.#ptOp);
    const young = pte?.young === true;
    if (pte !== undefined) pte.young = false;
    if (this.#isReleased()) return young;
    // Under ptl the real core runs the walk whole (a call in atomic context): a value here.
    return settled(this.as.clearFlushYoung(page, page + PAGE_SIZE), 'clearFlushYoung') || young;
  }

  /** The unrecorded PTE at `addr`, for monitors only. */
  peekPte(addr: number): Pte | undefined {
    return this.#ptes.get(addr - (addr % PAGE_SIZE));
  }

  /**
   * `handle_mm_fault()`: resolves `addr` for a read or a write; the pfn or -errno. The caller
   * holds `mmapLock`. See `mm-fault.ts`.
   */
  handleMmFault(addr: number, write: boolean): Promise<number> {
    return handleMmFault(this, addr, write);
  }

  /**
   * `get_user_pages()` of one page: the pfn with a reference the caller drops with
   * `alloc.put`, or -errno. Takes `mmapLock` itself. See `mm-fault.ts`.
   */
  getUserPage(addr: number, write: boolean): Promise<number> {
    return getUserPage(this, addr, write);
  }

  /** `mmu_notifier_invalidate_range_start()`, tracked for the monitors. Pairs with invalidateEnd. */
  async invalidateStart(range: MmuNotifierRange, by: string): Promise<InflightInvalidation> {
    const rec = this.#track(range, by);
    if (this.#isReleased()) {
      rec.phase = 'started'; // after mmu_notifier_release() nobody is subscribed
      return rec;
    }
    const pending = this.as.invalidateRangeStart(range);
    if (pending !== undefined) await pending;
    rec.phase = 'started';
    return rec;
  }

  /**
   * `mmu_notifier_invalidate_range_start_nonblock()`: the record, or `EAGAIN` (then the caller
   * must not call end). Pairs with invalidateEnd on success only.
   */
  async invalidateStartNonblock(
    range: MmuNotifierRange,
    by: string,
  ): Promise<InflightInvalidation | typeof EAGAIN> {
    const rec = this.#track(range, by);
    const ret = this.#isReleased() ? 0 : await this.as.invalidateRangeStartNonblock(range);
    if (ret !== 0) {
      this.#untrack(rec);
      return EAGAIN;
    }
    rec.phase = 'started';
    return rec;
  }

  /** `mmu_notifier_invalidate_range_end()` of a tracked start. Pairs with invalidateStart. */
  async invalidateEnd(rec: InflightInvalidation): Promise<void> {
    if (rec.phase !== 'started') throw new StateError(`invalidate end in phase ${rec.phase}`);
    rec.phase = 'ending';
    const pending =
      this.#isReleased() && !this.#openAtRelease(rec)
        ? undefined
        : this.as.invalidateRangeEnd(rec.range);
    if (pending !== undefined) await pending;
    this.#untrack(rec);
  }

  /** The invalidations in flight now (for monitors). */
  get inflight(): readonly InflightInvalidation[] {
    return this.#inflight;
  }

  /** Invalidations begun so far (a mirror attached at epoch e sees those with epoch >= e). */
  get epoch(): number {
    return this.#epoch;
  }

  /**
   * `mmu_notifier_release()` from exit: records the change (so the checker orders it against
   * every invalidation that reads it), then runs the core's release, which invalidates every
   * interval (`RELEASE`) and calls every `release`. The monitors see it as an invalidation of
   * everything that is `starting` until it returns. Pairs with exit only.
   */
  async release(): Promise<void> {
    this.sched.access(this.#subsWrite);
    const rec: InflightInvalidation = {
      range: { start: 0, end: ADDRESS_END, event: 'release', blockable: true },
      phase: 'starting',
      epoch: this.#epoch++,
      by: 'exit_mmap',
    };
    this.#inflight.push(rec);
    try {
      await this.as.release();
    } finally {
      this.#untrack(rec);
    }
  }

  /** The core's released flag, read as a recorded access (it decides whether to notify). */
  #isReleased(): boolean {
    this.sched.access(this.#subsRead);
    return this.as.released;
  }

  /** True when `rec` was started on the core before it was released (its end is still due). */
  #openAtRelease(rec: InflightInvalidation): boolean {
    return this.#coreStarted.has(rec);
  }

  #track(range: MmuNotifierRange, by: string): InflightInvalidation {
    const rec: InflightInvalidation = { range, phase: 'starting', epoch: this.#epoch++, by };
    if (!this.#isReleased()) this.#coreStarted.add(rec);
    this.#inflight.push(rec);
    return rec;
  }

  #untrack(rec: InflightInvalidation): void {
    this.#coreStarted.delete(rec);
    const i = this.#inflight.indexOf(rec);
    if (i < 0) throw new StateError('invalidation record is not in flight');
    this.#inflight.splice(i, 1);
  }

  #assertPtl(what: string): void {
    if (!this.ptl.isLocked) throw new StateError(`${what} without the page-table lock`);
  }
}
