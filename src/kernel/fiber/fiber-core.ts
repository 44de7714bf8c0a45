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
 * Each call has an `…Now` form returning its value at once when no point parked (a
 * checker run's setup, or a call made with a spin lock of the model held, which runs whole:
 * the kernel runs it with preemption off) and a Promise otherwise; {@link RealAddressSpace}
 * builds the kernel model's address space on them.
 */

import { checkRange, MMU_NOTIFY_EVENTS, type MmuNotifierRange } from '../../core/range.ts';
import { InvalidArgumentError, StateError } from '../../errors.ts';
import { defaultScheduler, type Scheduler } from '../../sched/scheduler.ts';
import { checkUlong, errnoError, maskOf } from '../checks.ts';
import { DRIVER_IDS_MAX } from '../exports.ts';
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
  /** `mmu_notifier_get`'s ops tables by key, and the call in progress (name and ops). */
  readonly #sharedKeys = new Map<FiberNotifierOps, number>();
  readonly #getting = new Map<number, { readonly ops: FiberNotifierOps; readonly name?: string }>();
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
        allocShared: (key) => this.#allocShared(key),
        freeShared: (id) => {
          const n = this.#notifiers.get(id);
          this.#notifiers.delete(id);
          if (n !== undefined) n.ops.freeNotifier?.(n);
        },
      },
      options.unscheduled,
    );
  }

  /** `mmu_notifier_register`. @throws for -errno. */
  async register(
    ops: FiberNotifierOps,
    options: { readonly name?: string } = {},
  ): Promise<FiberNotifier> {
    return this.registerNow(ops, options);
  }

  /** {@link FiberKernelCore.register}, its value at once when nothing parked. */
  registerNow(
    ops: FiberNotifierOps,
    options: { readonly name?: string } = {},
  ): FiberNotifier | Promise<FiberNotifier> {
    const mask = maskOf(ops, 'register');
    const id = ++this.#ids;
    const sub = new FiberNotifier(id, options.name ?? `notifier#${id}`, ops);
    this.#notifiers.set(id, sub);
    return then(
      this.#k.call('register', () => this.#k.x.dn_register(id, mask)),
      (ret) => {
        if (ret === 0) return sub;
        this.#notifiers.delete(id);
        throw errnoError('register', ret);
      },
    );
  }

  /**
   * `mmu_notifier_get` (`_locked`, under the shim's mmap write lock): the one subscription of
   * `ops` on this mm, made by the core (`ops.allocNotifier` is told), or the existing one
   * with one more user. Pairs with {@link FiberKernelCore.put}. @throws for -errno (6.12.118
   * refuses the secondary-TLB callback with start/end: -EINVAL, after alloc and free).
   */
  getNow(
    ops: FiberNotifierOps,
    options: { readonly name?: string } = {},
  ): FiberNotifier | Promise<FiberNotifier> {
    const mask = maskOf(ops, 'get');
    let key = this.#sharedKeys.get(ops);
    if (key === undefined) {
      key = this.#sharedKeys.size + 1;
      if (key >= DRIVER_IDS_MAX) throw new StateError('get: too many ops tables');
      this.#sharedKeys.set(ops, key);
    }
    const k = key;
    // Keyed: another task's get of other ops may run while this one is parked in the C code.
    this.#getting.set(k, options.name === undefined ? { ops } : { ops, name: options.name });
    const done = (ret: number): FiberNotifier => {
      this.#getting.delete(k);
      if (ret < 0) throw errnoError('get', ret);
      const n = this.#notifiers.get(ret);
      if (n === undefined) throw new StateError(`get: the kernel returned unknown notifier ${ret}`);
      return n;
    };
    try {
      return then(
        this.#k.call('get', () => this.#k.x.dn_get(k, mask)),
        done,
      );
    } catch (error) {
      this.#getting.delete(k);
      throw error;
    }
  }

  #allocShared(key: number): number {
    const g = this.#getting.get(key);
    if (g === undefined) return -22;
    const id = ++this.#ids;
    const sub = new FiberNotifier(id, g.name ?? `notifier#${id}`, g.ops);
    this.#notifiers.set(id, sub);
    g.ops.allocNotifier?.(sub);
    return id;
  }

  /** `mmu_notifier_put`: the last put unlinks; `freeNotifier` runs after a grace period. */
  putNow(sub: FiberNotifier): void | Promise<void> {
    this.#ownNotifier(sub, 'put');
    return then(
      this.#k.call('put', () => this.#k.x.dn_put(sub.id)),
      (ret) => {
        if (ret !== 0) throw errnoError('put', ret);
      },
    );
  }

  #ownNotifier(sub: FiberNotifier, caller: string): void {
    if (this.#notifiers.get(sub?.id) !== sub)
      throw new InvalidArgumentError(`${caller}: not a notifier of '${this.name}'`);
  }

  /** `mmu_notifier_unregister`. */
  async unregister(sub: FiberNotifier): Promise<void> {
    this.#ownNotifier(sub, 'unregister');
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
    return this.insertIntervalNow(start, length, ops, options);
  }

  /** {@link FiberKernelCore.insertInterval}, its value at once when nothing parked. */
  insertIntervalNow(
    start: number,
    length: number,
    ops: FiberIntervalOps,
    options: { readonly name?: string } = {},
  ): FiberInterval | Promise<FiberInterval> {
    checkUlong(start, 'insertInterval: start');
    checkUlong(length, 'insertInterval: length');
    if (typeof ops?.invalidate !== 'function')
      throw new InvalidArgumentError('insertInterval: ops.invalidate must be a function');
    const id = ++this.#ids;
    const name = options.name ?? `interval#${id}`;
    const iv = new FiberInterval(id, name, start, start + length - 1, ops, this);
    this.#intervals.set(id, iv);
    const ret = this.#k.call('insertInterval', () => this.#k.x.dn_insert(id, start, length));
    return then(ret, (r) => {
      if (r === 0) return iv;
      this.#intervals.delete(id);
      throw errnoError('insertInterval', r);
    });
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
    await this.invalidateRangeStartNow(range);
  }

  /** {@link FiberKernelCore.invalidateRangeStart}, at once when nothing parked. */
  invalidateRangeStartNow(range: MmuNotifierRange): void | Promise<void> {
    if (range?.blockable !== true)
      throw new InvalidArgumentError('invalidateRangeStart: range.blockable must be true');
    const ptr = this.#rangePtr(range, 'invalidateRangeStart');
    return voidOf(this.#k.call('invalidateRangeStart', () => zero(this.#k.x.dn_start(ptr))));
  }

  /** `mmu_notifier_invalidate_range_start_nonblock`: 0, or the failure (no end then). */
  async invalidateRangeStartNonblock(range: MmuNotifierRange): Promise<number> {
    return this.invalidateRangeStartNonblockNow(range);
  }

  /** {@link FiberKernelCore.invalidateRangeStartNonblock}, at once when nothing parked. */
  invalidateRangeStartNonblockNow(range: MmuNotifierRange): number | Promise<number> {
    if (range?.blockable !== false)
      throw new InvalidArgumentError('invalidateRangeStartNonblock: range.blockable must be false');
    const ptr = this.#rangePtr(range, 'invalidateRangeStartNonblock');
    const x = this.#k.x;
    return then(
      this.#k.call('invalidateRangeStartNonblock', () => x.dn_start_nonblock(ptr)),
      (ret) => {
        if (ret !== 0) this.#dropRange(range);
        return ret;
      },
    );
  }

  /** `mmu_notifier_invalidate_range_end` (of a range started here, or not: see the `Now` form). */
  async invalidateRangeEnd(range: MmuNotifierRange): Promise<void> {
    await this.invalidateRangeEndNow(range);
  }

  /**
   * {@link FiberKernelCore.invalidateRangeEnd}, at once when nothing parked. An end of a
   * range this core never started (or whose non-blockable start failed) is passed to the C
   * code as the kernel gets it, an end with no start: the subscribers' ends run.
   */
  invalidateRangeEndNow(range: MmuNotifierRange): void | Promise<void> {
    const ptr = this.#open.get(range) ?? this.#rangePtr(range, 'invalidateRangeEnd');
    let ret: number | Promise<number>;
    try {
      ret = this.#k.call('invalidateRangeEnd', () => zero(this.#k.x.dn_end(ptr)));
    } catch (error) {
      this.#dropRange(range);
      throw error;
    }
    if (typeof ret === 'number') return this.#dropRange(range);
    return ret.then(
      () => this.#dropRange(range),
      (error: unknown) => {
        this.#dropRange(range);
        throw error;
      },
    );
  }

  /** `exit_mmap`: `mm_users` drops to 0, then `mmu_notifier_release`. */
  async release(): Promise<void> {
    await this.#k.callAsync('release', () => zero(this.#k.x.dn_release()));
  }

  /** `mmu_notifier_clear_flush_young` over `[start, end)`: the OR of the answers. */
  clearFlushYoungNow(start: number, end: number): boolean | Promise<boolean> {
    checkUlong(start, 'clearFlushYoung: start');
    checkUlong(end, 'clearFlushYoung: end');
    const x = this.#k.x;
    return then(
      this.#k.call('clearFlushYoung', () => x.dn_clear_flush_young(start, end)),
      truthy,
    );
  }

  /** `mmu_notifier_clear_young` over `[start, end)`. */
  clearYoungNow(start: number, end: number): boolean | Promise<boolean> {
    checkUlong(start, 'clearYoung: start');
    checkUlong(end, 'clearYoung: end');
    return then(
      this.#k.call('clearYoung', () => this.#k.x.dn_clear_young(start, end)),
      truthy,
    );
  }

  /** `mmu_notifier_test_young` of `address`. */
  testYoungNow(address: number): boolean | Promise<boolean> {
    checkUlong(address, 'testYoung: address');
    return then(
      this.#k.call('testYoung', () => this.#k.x.dn_test_young(address)),
      truthy,
    );
  }

  /**
   * `mmu_notifier_arch_invalidate_secondary_tlbs` (6.12.118); on 6.1.192 the same hook is
   * `mmu_notifier_invalidate_range` (the subscribers' `invalidate_range`).
   */
  archInvalidateSecondaryTlbsNow(start: number, end: number): void | Promise<void> {
    checkUlong(start, 'archInvalidateSecondaryTlbs: start');
    checkUlong(end, 'archInvalidateSecondaryTlbs: end');
    const x = this.#k.x;
    return voidOf(
      this.#k.call('archInvalidateSecondaryTlbs', () => zero(x.dn_secondary_tlbs(start, end))),
    );
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

/** `f` of a call's value: at once for a number, after it settles for a Promise. */
function then<T>(ret: number | Promise<number>, f: (v: number) => T): T | Promise<T> {
  return typeof ret === 'number' ? f(ret) : ret.then(f);
}

function voidOf(ret: number | Promise<number>): void | Promise<void> {
  if (typeof ret !== 'number') return ret.then(() => {});
}

function truthy(v: number): boolean {
  return v !== 0;
}
