/**
 * KVM's secondary MMU: the seed thread's notifier "A". Follows `virt/kvm/kvm_main.c`
 * (`struct kvm`'s MMU fields, `kvm_handle_hva_range`, `kvm_mmu_invalidate_begin/_range_add/_end`,
 * `kvm_destroy_vm`) and `include/linux/kvm_host.h` (`mmu_invalidate_retry_gfn`). The
 * notifier's callbacks are in `kvm-notifier.ts`; faults, memslot updates and the gfn=>pfn
 * cache in `kvm-fault.ts`.
 *
 * Protocol
 * --------
 * | state                          | lock                 | written by                    |
 * |--------------------------------|----------------------|-------------------------------|
 * | `mn_active_invalidate_count`   | `mn_invalidate_lock` | start ++, end -- (every range) |
 * | `mmu_invalidate_in_progress`   | `mmu_lock`           | start ++ / end --, only if a memslot overlaps |
 * | `mmu_invalidate_seq`           | `mmu_lock`           | end ++ (before in_progress--)  |
 * | `mmu_invalidate_range_start/end` | `mmu_lock`         | reset on 0->1, widened by each start |
 * | shadow PTEs (`sptes`)          | `mmu_lock`           | zapped by start, installed by faults |
 *
 * Start and end decide "a memslot overlaps" separately, so memslots must not change between
 * them (52ac8b358b0c): a memslot update waits for `mn_active_invalidate_count == 0`.
 * The start always returns 0: KVM never fails, which is why it may have an end.
 */

import { type NowOrLater, thenNow } from '../core/notifier-subscriptions.ts';
import type { MmuNotifier } from '../core/ops.ts';
import type { MmuNotifierRange } from '../core/range.ts';
import { StateError } from '../errors.ts';
import type { Scheduler } from '../sched/scheduler.ts';
import { SpinLock } from '../sync/spinlock.ts';
import { WaitQueue } from '../sync/wait-queue.ts';
import { kvmMmuNotifierOps } from './kvm-notifier.ts';
import type { Mirror, MirrorMapping } from './mirror.ts';
import type { Mm } from './mm.ts';
import { PAGE_SIZE } from './page-alloc.ts';
import { Word } from './word.ts';

/** The kernel's `INVALID_GPA`: no range recorded yet. */
export const INVALID_GPA = -1;

/** A memslot: guest frames `[baseGfn, baseGfn + npages)` backed at `userspaceAddr`. */
export interface Memslot {
  /** The slot id. */
  readonly id: number;
  /** The first guest frame. */
  readonly baseGfn: number;
  /** Pages in the slot. */
  readonly npages: number;
  /** The host virtual address of `baseGfn`. */
  readonly userspaceAddr: number;
}

/** A shadow PTE: gfn -> pfn, with the hva it was resolved from. */
export interface Spte {
  /** The host page frame. */
  readonly pfn: number;
  /** The host virtual address it was resolved from. */
  readonly hva: number;
  /** Writable by the guest. */
  readonly writable: boolean;
  /** The accessed bit (cleared by the young callbacks). */
  young: boolean;
}

/** A gfn=>pfn cache (`struct gfn_to_pfn_cache`): a translation KVM uses outside the sptes. */
export interface PfnCache {
  /** The cached host virtual address. */
  readonly uhva: number;
  /** `gpc->lock` (a rwlock in the kernel; a spin lock here). */
  readonly lock: SpinLock;
  /** `gpc->valid`: `pfn` may be used. */
  valid: boolean;
  /** `gpc->pfn`. */
  pfn: number;
}

/** Options of {@link Kvm}. */
export interface KvmOptions {
  /** The VM's name (`kvm` by default). */
  readonly name?: string;
  /** The initial memslots. */
  readonly memslots?: readonly Memslot[];
}

/** One VM's MMU state (`struct kvm`). */
export class Kvm implements Mirror {
  /** The VM's name, for findings. */
  readonly name: string;
  /** The process whose memory the guest uses (`kvm->mm`). */
  readonly mm: Mm;
  /** The scheduler of this run. */
  readonly sched: Scheduler;
  /** `kvm->mmu_lock`. */
  readonly mmuLock: SpinLock;
  /** `kvm->mn_invalidate_lock`. */
  readonly mnInvalidateLock: SpinLock;
  /** `kvm->mmu_invalidate_in_progress`. */
  readonly inProgress: Word<number>;
  /** `kvm->mmu_invalidate_seq`. */
  readonly seq: Word<number>;
  /** `kvm->mn_active_invalidate_count`. */
  readonly activeInvalidateCount: Word<number>;
  /** The memslots (`kvm->memslots`, published with RCU). */
  readonly memslots: Word<readonly Memslot[]>;
  /** `mn_memslots_update_rcuwait`: a memslot update waits here for the count to reach 0. */
  readonly memslotsUpdateWait: WaitQueue;
  /** Where a vCPU fault or a cache refresh waits for an invalidation to end (their retry). */
  readonly invalidateWait: WaitQueue;
  /** The gfn=>pfn caches (`kvm->gpc_list`). */
  readonly pfnCaches: PfnCache[] = [];
  /** The mm's invalidation epoch when the VM was created. */
  readonly attachEpoch: number;
  readonly #sptes = new Map<number, Spte>();
  #rangeStart = INVALID_GPA;
  #rangeEnd = INVALID_GPA;
  #open = 0;
  #destroyed = false;
  #notifier: MmuNotifier<Kvm> | undefined;

  constructor(mm: Mm, options: KvmOptions = {}) {
    this.mm = mm;
    this.sched = mm.sched;
    this.name = options.name ?? 'kvm';
    const s = this.sched;
    this.mmuLock = new SpinLock({ scheduler: s, name: `${this.name}.mmu_lock` });
    this.mnInvalidateLock = new SpinLock({ scheduler: s, name: `${this.name}.mn_invalidate_lock` });
    this.inProgress = new Word(0, `${this.name}.mmu_invalidate_in_progress`, s);
    this.seq = new Word(0, `${this.name}.mmu_invalidate_seq`, s);
    this.activeInvalidateCount = new Word(0, `${this.name}.mn_active_invalidate_count`, s);
    this.memslots = new Word(options.memslots ?? [], `${this.name}.memslots`, s);
    this.memslotsUpdateWait = new WaitQueue({
      scheduler: s,
      name: `${this.name}.mn_memslots_update_rcuwait`,
    });
    this.invalidateWait = new WaitQueue({ scheduler: s, name: `${this.name}.invalidate_wait` });
    this.attachEpoch = mm.epoch;
  }

  /** `kvm_init_mmu_notifier()`: registers the notifier (`mmu_notifier_register`). */
  register(): NowOrLater<MmuNotifier<Kvm>> {
    const r = this.mm.as.register<Kvm>(kvmMmuNotifierOps, { name: this.name, data: this });
    return thenNow(r, (n) => (this.#notifier = n));
  }

  /**
   * `kvm_destroy_vm()`: `mmu_notifier_unregister()`, then, as the kernel does, forgive a
   * start whose end will never come (unregistered between the two): the VM is gone, so
   * `mn_active_invalidate_count` is reset and the pairing monitor stops counting.
   * Pairs with {@link Kvm.register}.
   */
  async unregister(): Promise<void> {
    const sub = this.#notifier;
    if (sub === undefined) throw new StateError(`${this.name} is not registered`);
    this.#notifier = undefined;
    this.#destroyed = true; // kvm_destroy_vm() has begun: no end is owed to it any more
    await this.mm.as.unregister(sub);
    this.mnInvalidateLock.withLock(() => this.activeInvalidateCount.set(0));
    this.flushShadowAll();
  }

  /** For a scenario's setup: a spte for `gfn` as if a vCPU fault had completed before the run. */
  premap(gfn: number): void {
    const slot = this.slotOfGfn(gfn);
    const hva =
      slot === undefined ? undefined : slot.userspaceAddr + (gfn - slot.baseGfn) * PAGE_SIZE;
    const pte = hva === undefined ? undefined : this.mm.peekPte(hva);
    if (hva === undefined || pte === undefined)
      throw new StateError(`${this.name}: cannot premap gfn ${gfn}`);
    this.mmuLock.withLock(() =>
      this.setSpte(gfn, { pfn: pte.pfn, hva, writable: pte.writable, young: true }),
    );
  }

  /** `mmu_invalidate_retry_gfn()`: true when a fault that snapshotted `mmuSeq` must retry. Under mmu_lock. */
  retryGfn(mmuSeq: number, gfn: number): boolean {
    if (this.inProgress.get() > 0) {
      if (this.#rangeStart === INVALID_GPA || this.#rangeEnd === INVALID_GPA) return true;
      if (gfn >= this.#rangeStart && gfn < this.#rangeEnd) return true;
    }
    return this.seq.get() !== mmuSeq;
  }

  /** The memslot holding `gfn` (`gfn_to_memslot`). */
  slotOfGfn(gfn: number): Memslot | undefined {
    return this.memslots.get().find((s) => gfn >= s.baseGfn && gfn < s.baseGfn + s.npages);
  }

  /** Installs a shadow PTE (`kvm_mmu_map_page`). Under mmu_lock. */
  setSpte(gfn: number, spte: Spte): void {
    this.#assertMmuLock();
    this.#sptes.set(gfn, spte);
  }

  /** Zaps the shadow PTEs of `[gfnStart, gfnEnd)` (`kvm_unmap_gfn_range`). Under mmu_lock. */
  zapGfnRange(gfnStart: number, gfnEnd: number): boolean {
    this.#assertMmuLock();
    let flushed = false;
    for (const gfn of [...this.#sptes.keys()]) {
      if (gfn >= gfnStart && gfn < gfnEnd) flushed = this.#sptes.delete(gfn) || flushed;
    }
    return flushed;
  }

  /**
   * `kvm_handle_hva_range()`: for each memslot overlapping `[start, end)`, take `mmu_lock` at
   * the first one and call `onLock`, then `handler` on the gfn range. Returns (found, any).
   */
  handleHvaRange(
    start: number,
    end: number,
    onLock: (() => void) | undefined,
    handler: (gfnStart: number, gfnEnd: number) => boolean,
  ): { found: boolean; ret: boolean } {
    let found = false;
    let ret = false;
    for (const slot of this.memslots.get()) {
      const hvaStart = Math.max(start, slot.userspaceAddr);
      const hvaEnd = Math.min(end, slot.userspaceAddr + slot.npages * PAGE_SIZE);
      if (hvaStart >= hvaEnd) continue;
      if (!found) {
        found = true;
        this.mmuLock.lock();
        onLock?.();
      }
      const gfnStart = slot.baseGfn + Math.floor((hvaStart - slot.userspaceAddr) / PAGE_SIZE);
      const gfnEnd = slot.baseGfn + Math.ceil((hvaEnd - slot.userspaceAddr) / PAGE_SIZE);
      ret = handler(gfnStart, gfnEnd) || ret;
    }
    if (found) this.mmuLock.unlock();
    return { found, ret };
  }

  /** `kvm_mmu_invalidate_begin()`. Under mmu_lock. Pairs with {@link Kvm.invalidateEndLocked}. */
  invalidateBegin(): void {
    const n = this.inProgress.get() + 1;
    this.inProgress.set(n);
    if (n === 1) this.#rangeStart = this.#rangeEnd = INVALID_GPA;
  }

  /** `kvm_mmu_invalidate_range_add()`. Under mmu_lock. */
  invalidateRangeAdd(gfnStart: number, gfnEnd: number): void {
    if (this.#rangeStart === INVALID_GPA) {
      this.#rangeStart = gfnStart;
      this.#rangeEnd = gfnEnd;
    } else {
      this.#rangeStart = Math.min(this.#rangeStart, gfnStart);
      this.#rangeEnd = Math.max(this.#rangeEnd, gfnEnd);
    }
  }

  /** `kvm_mmu_invalidate_end()`: seq++ before in_progress--. Under mmu_lock. Pairs with invalidateBegin. */
  invalidateEndLocked(): void {
    this.seq.set(this.seq.get() + 1);
    this.inProgress.set(this.inProgress.get() - 1); // KVM_BUG_ON(< 0): the monitors check it
  }

  /** Notes a start that succeeded / an end that ran, for the pairing monitor. */
  noteStart(delta: 1 | -1): void {
    this.#open += delta;
  }

  /** Clears every shadow PTE (`kvm_flush_shadow_all`). */
  flushShadowAll(): void {
    this.mmuLock.withLock(() => this.#sptes.clear());
  }

  /** The shadow PTEs (monitors and tests). */
  get sptes(): ReadonlyMap<number, Spte> {
    return this.#sptes;
  }

  /** The recorded invalidation range `[start, end)` in gfns (INVALID_GPA when none). */
  get invalidateRange(): readonly [number, number] {
    return [this.#rangeStart, this.#rangeEnd];
  }

  *mappings(): Iterable<MirrorMapping> {
    for (const spte of this.#sptes.values())
      yield { addr: spte.hva, pfn: spte.pfn, writable: spte.writable };
    for (const gpc of this.pfnCaches)
      if (gpc.valid) yield { addr: gpc.uhva, pfn: gpc.pfn, writable: false };
  }

  /** Every invalidation while registered (a list notifier). */
  isSubject(_range: MmuNotifierRange): boolean {
    return this.#notifier !== undefined;
  }

  /** Starts without their end yet (0 once the VM is being destroyed). */
  openStarts(): number {
    return this.#destroyed ? 0 : this.#open;
  }

  /** `in_progress` must not go negative, and both counts are 0 when idle. */
  balanceViolation(idle: boolean): string | undefined {
    if (this.#destroyed) return undefined;
    const n = this.inProgress.peek();
    const c = this.activeInvalidateCount.peek();
    if (n < 0) return `mmu_invalidate_in_progress=${n}: an end without a start (KVM_BUG_ON)`;
    if (idle && n !== 0)
      return `mmu_invalidate_in_progress=${n} with no invalidation in flight: the guest will hang`;
    if (idle && c !== 0)
      return `mn_active_invalidate_count=${c} with no invalidation in flight: memslot updates hang`;
    return undefined;
  }

  #assertMmuLock(): void {
    if (!this.mmuLock.isLocked)
      throw new StateError(`${this.name}: sptes changed without mmu_lock`);
  }
}
