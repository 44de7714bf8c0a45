/**
 * The real `mm/mmu_notifier.c` of one kernel version as an address space whose calls can
 * interleave: an instance of the asyncified fiber build (`npm run kernel` with Binaryen's
 * `wasm-opt`), every call on its own fiber ({@link FiberStacks}), every shim point a
 * scheduling point of the given {@link Scheduler} ({@link PointHost}), and every subscriber
 * callback a scheduling point too, which may return a Promise: its fiber stays parked
 * inside the kernel's code until it settles.
 *
 * Protocol
 * --------
 * | state    | reached by                                     | what is allowed                      |
 * |----------|------------------------------------------------|--------------------------------------|
 * | *live*   | construction                                   | every call, from any number of tasks |
 * | *dead*   | a call that threw through the C frames (a BUG_ON, a callback's error, a sleep in non-blockable context) | nothing: StateError (the C state is mid-function) |
 *
 * A callback runs with no C frame on the JavaScript stack (its fiber unwound first) when the
 * scheduler is controlled or the callback returns a Promise; so it may call back into the
 * core (`setSeq`, `readRetry`, even `readBegin`): that call gets a fiber of its own.
 * In non-blockable context (`non_block_start`, a spin lock held) a callback is called at
 * once and a Promise from it is a {@link SleepInAtomicError}.
 *
 * Not here (yet): `mmu_notifier_get`/`put` and the young/secondary-TLB callbacks (the
 * synchronous {@link RealKernelCore} has them).
 */

import { checkRange, MMU_NOTIFY_EVENTS, type MmuNotifierRange } from '../../core/range.ts';
import { InvalidArgumentError, StateError } from '../../errors.ts';
import { defaultScheduler, type Scheduler } from '../../sched/scheduler.ts';
import { checkUlong, errnoError } from '../checks.ts';
import { CALLBACK_BITS } from '../exports.ts';
import { type KernelModule, loadFiberKernelModule } from '../module.ts';
import type { KernelDiagnostic } from '../types.ts';
import type { FiberStacks, FiberStats } from './fibers.ts';
import {
  FiberInterval,
  type FiberIntervalOps,
  FiberNotifier,
  type FiberNotifierOps,
} from './handles.ts';
import { FiberInstance } from './instance.ts';
import type { PointKind } from './points.ts';

/** Options of a {@link FiberKernelCore}. */
export interface FiberKernelCoreOptions {
  /** The scheduler whose points the kernel's points become (default: the event loop). */
  readonly scheduler?: Scheduler;
  /** A label for traces and errors (default `mm`). */
  readonly name?: string;
  /** Where `npm run kernel` put the modules. */
  readonly cacheDir?: string;
  /** WARN_ON / BUG_ON of the kernel's code. */
  readonly onDiagnostic?: (d: KernelDiagnostic) => void;
  /**
   * True while no task of a controlled scheduler runs (a checker run's setup and finally):
   * points then continue at once, and a wait that cannot is a KernelWouldSleepError.
   */
  readonly unscheduled?: () => boolean;
}

/** The real kernel's notifier core, with calls that interleave (one fiber per call). */
export class FiberKernelCore {
  /** The exact version (`6.12.118`). */
  readonly version: string;
  /** The package series (`6.12`). */
  readonly series: string;
  /** The label given. */
  readonly name: string;
  readonly #k: FiberInstance;
  readonly #notifiers = new Map<number, FiberNotifier>();
  readonly #intervals = new Map<number, FiberInterval>();
  readonly #ranges = new Map<number, MmuNotifierRange>();
  readonly #open = new Map<MmuNotifierRange, number>();
  #ids = 0;

  /**
   * Instantiates the fiber build of `kernel` (a series, an exact version, or a loaded module).
   * @throws KernelModuleMissingError naming `npm run kernel` when it is not built.
   */
  constructor(kernel: string | KernelModule, options: FiberKernelCoreOptions = {}) {
    const mod =
      typeof kernel === 'string' ? loadFiberKernelModule(kernel, options.cacheDir) : kernel;
    this.version = mod.version;
    this.series = mod.series;
    this.name = options.name ?? 'mm';
    const diag = options.onDiagnostic;
    this.#k = new FiberInstance(
      mod,
      this.name,
      options.scheduler ?? defaultScheduler,
      {
        notifier: (id) => {
          const n = this.#notifiers.get(id);
          if (n === undefined)
            throw new StateError(`the kernel called back unknown notifier ${id}`);
          return n;
        },
        interval: (id) => {
          const n = this.#intervals.get(id);
          if (n === undefined)
            throw new StateError(`the kernel called back unknown interval ${id}`);
          return n;
        },
        range: (ptr) => this.#ranges.get(ptr),
        diagnostic: (d) => diag?.(d),
      },
      options.unscheduled,
    );
  }

  /** `mmu_notifier_register`. @throws for -errno. */
  async register(
    ops: FiberNotifierOps,
    options: { readonly name?: string } = {},
  ): Promise<FiberNotifier> {
    let mask = 0;
    if (ops.release) mask |= CALLBACK_BITS.release;
    if (ops.invalidateRangeStart) mask |= CALLBACK_BITS.invalidateRangeStart;
    if (ops.invalidateRangeEnd) mask |= CALLBACK_BITS.invalidateRangeEnd;
    const id = ++this.#ids;
    const sub = new FiberNotifier(id, options.name ?? `notifier#${id}`, ops);
    this.#notifiers.set(id, sub);
    const ret = await this.#k.callAsync('register', () => this.#k.x.dn_register(id, mask));
    if (ret !== 0) {
      this.#notifiers.delete(id);
      throw errnoError('register', ret);
    }
    return sub;
  }

  /** `mmu_notifier_unregister`. */
  async unregister(sub: FiberNotifier): Promise<void> {
    if (this.#notifiers.get(sub?.id) !== sub)
      throw new InvalidArgumentError(`unregister: not a notifier of '${this.name}'`);
    await this.#k.callAsync('unregister', () => this.#k.x.dn_unregister(sub.id));
    this.#notifiers.delete(sub.id);
  }

  /** `mmu_interval_notifier_insert` of `[start, start + length - 1]`. @throws for -errno. */
  async insertInterval(
    start: number,
    length: number,
    ops: FiberIntervalOps,
    options: { readonly name?: string } = {},
  ): Promise<FiberInterval> {
    checkUlong(start, 'insertInterval: start');
    checkUlong(length, 'insertInterval: length');
    if (typeof ops?.invalidate !== 'function')
      throw new InvalidArgumentError('insertInterval: ops.invalidate must be a function');
    const id = ++this.#ids;
    const iv = new FiberInterval(
      id,
      options.name ?? `interval#${id}`,
      start,
      start + length - 1,
      ops,
      this,
    );
    this.#intervals.set(id, iv);
    const ret = await this.#k.callAsync('insertInterval', () =>
      this.#k.x.dn_insert(id, start, length),
    );
    if (ret !== 0) {
      this.#intervals.delete(id);
      throw errnoError('insertInterval', ret);
    }
    return iv;
  }

  #own(iv: FiberInterval, caller: string): void {
    if (this.#intervals.get(iv?.id) !== iv)
      throw new InvalidArgumentError(`${caller}: not an interval of '${this.name}'`);
  }

  /** `mmu_interval_read_begin` (may wait for the invalidations in progress). */
  async readBeginOf(iv: FiberInterval): Promise<number> {
    this.#own(iv, 'readBegin');
    return (await this.#k.callAsync('readBegin', () => this.#k.x.dn_read_begin(iv.id))) >>> 0;
  }

  /** `mmu_interval_read_retry` (or `_check_retry`): no scheduling point, synchronous. */
  readRetryOf(iv: FiberInterval, seq: number, checked: boolean): boolean {
    this.#own(iv, 'readRetry');
    checkUlong(seq, 'readRetry: seq');
    const x = this.#k.x;
    return (
      this.#k.callSync('readRetry', () =>
        checked ? x.dn_check_retry(iv.id, seq) : x.dn_read_retry(iv.id, seq),
      ) !== 0
    );
  }

  /** `mmu_interval_set_seq`: synchronous (from `invalidate`, usually). */
  setSeqOf(iv: FiberInterval, seq: number): void {
    this.#own(iv, 'setSeq');
    checkUlong(seq, 'setSeq: seq');
    this.#k.callSync('setSeq', () => zero(this.#k.x.dn_set_seq(iv.id, seq)));
  }

  /** `mmu_interval_notifier_remove` (may wait for the invalidations in progress). */
  async removeOf(iv: FiberInterval): Promise<void> {
    this.#own(iv, 'remove');
    await this.#k.callAsync('remove', () => this.#k.x.dn_remove(iv.id));
  }

  #rangePtr(range: MmuNotifierRange, caller: string): number {
    checkRange(range, caller);
    checkUlong(range.start, `${caller}: range.start`);
    checkUlong(range.end, `${caller}: range.end`);
    if (this.#open.has(range)) throw new StateError(`${caller}: this range object is already open`);
    const ev = MMU_NOTIFY_EVENTS.indexOf(range.event);
    const ptr = this.#k.x.dn_range_new(range.start, range.end, ev) >>> 0;
    if (ptr === 0) throw new StateError(`${caller}: the module is out of memory (kzalloc failed)`);
    this.#ranges.set(ptr, range);
    this.#open.set(range, ptr);
    return ptr;
  }

  #dropRange(range: MmuNotifierRange): void {
    const ptr = this.#open.get(range);
    if (ptr === undefined) return;
    this.#open.delete(range);
    this.#ranges.delete(ptr);
    if (this.#k.dead === null) this.#k.x.dn_range_free(ptr);
  }

  /** `mmu_notifier_invalidate_range_start` (blockable). Pairs with the end. */
  async invalidateRangeStart(range: MmuNotifierRange): Promise<void> {
    if (range?.blockable !== true)
      throw new InvalidArgumentError('invalidateRangeStart: range.blockable must be true');
    const ptr = this.#rangePtr(range, 'invalidateRangeStart');
    await this.#k.callAsync('invalidateRangeStart', () => zero(this.#k.x.dn_start(ptr)));
  }

  /** `mmu_notifier_invalidate_range_start_nonblock`: 0, or the failure (no end then). */
  async invalidateRangeStartNonblock(range: MmuNotifierRange): Promise<number> {
    if (range?.blockable !== false)
      throw new InvalidArgumentError('invalidateRangeStartNonblock: range.blockable must be false');
    const ptr = this.#rangePtr(range, 'invalidateRangeStartNonblock');
    const ret = await this.#k.callAsync('invalidateRangeStartNonblock', () =>
      this.#k.x.dn_start_nonblock(ptr),
    );
    if (ret !== 0) this.#dropRange(range);
    return ret;
  }

  /** `mmu_notifier_invalidate_range_end` of a range this core started. */
  async invalidateRangeEnd(range: MmuNotifierRange): Promise<void> {
    const ptr = this.#open.get(range);
    if (ptr === undefined)
      throw new StateError('invalidateRangeEnd: this range was not started on this core');
    try {
      await this.#k.callAsync('invalidateRangeEnd', () => zero(this.#k.x.dn_end(ptr)));
    } finally {
      this.#dropRange(range);
    }
  }

  /** `exit_mmap`: `mm_users` drops to 0, then `mmu_notifier_release`. */
  async release(): Promise<void> {
    await this.#k.callAsync('release', () => zero(this.#k.x.dn_release()));
  }

  /** `mmu_notifier_synchronize`: an SRCU grace period. */
  async synchronize(): Promise<void> {
    await this.#k.callAsync('synchronize', () => zero(this.#k.x.dn_synchronize()));
  }

  /** `invalidate_seq` (2 before the first registration). */
  get invalidateSeq(): number {
    return this.#k.x.dn_probe_has_subscriptions() ? this.#k.x.dn_probe_seq() >>> 0 : 2;
  }

  /** `active_invalidate_ranges`. */
  get activeInvalidateRanges(): number {
    return this.#k.x.dn_probe_has_subscriptions() ? this.#k.x.dn_probe_active() >>> 0 : 0;
  }

  /** The length of `deferred_list`. */
  get deferredCount(): number {
    return this.#k.x.dn_probe_has_subscriptions() ? this.#k.x.dn_probe_deferred() : 0;
  }

  /** `real <version>`, for messages (the engine name of `world.notifierCore()`). */
  get engine(): string {
    return `real ${this.version}`;
  }

  /** Why the instance is dead, or null. */
  get dead(): string | null {
    return this.#k.dead;
  }

  /** The fibers' counters (started, alive, slots, free slots, switches). */
  get fibers(): FiberStats {
    return this.#k.fibers.stats;
  }

  /** The C stack region of each fiber alive now, and its stack pointer (see {@link FiberStacks.regions}). */
  fiberRegions(): ReturnType<FiberStacks['regions']> {
    return this.#k.fibers.regions();
  }

  /** Shim points met so far, by kind. */
  get pointCounts(): ReadonlyMap<PointKind, number> {
    return this.#k.points.counts;
  }

  /** The module's memory: its size, the heap's high-water mark, the allocator's free chunks. */
  get memory(): {
    readonly bytes: number;
    readonly heapBytes: number;
    readonly freeChunks: number;
  } {
    const x = this.#k.x;
    return {
      bytes: x.memory.buffer.byteLength,
      heapBytes: x.dn_probe_heap_bytes() >>> 0,
      freeChunks: x.dn_probe_free_chunks(),
    };
  }

  /** Spin locks held now (kshim's count), SRCU readers now: both 0 between calls. */
  get held(): { readonly locks: number; readonly srcuReaders: number } {
    const x = this.#k.x;
    return { locks: x.dn_probe_locks_held(), srcuReaders: x.dn_probe_srcu_readers() };
  }
}

/** 0, for a void export called where a number is expected. */
function zero(_void: void): number {
  return 0;
}
