/**
 * The kernel model's address space on the real code: {@link NotifierSubscriptions} over a
 * {@link FiberKernelCore} (Debian's compiled `mm/mmu_notifier.c`, 6.1.192 or 6.12.118), so
 * `Mm`, KVM, ODP, HMM and the OOM reaper run unchanged on it (`world.addressSpace({ core:
 * 'real' })`, CLI `check <scenario> --core real`). It translates the model's callback tables
 * (`MmuNotifierOps`, `MmuIntervalNotifierOps`: `sub.data`, `sub.mm`) into the fiber core's
 * and hands the callbacks handles with the model's shape.
 *
 * Protocol
 * --------
 * | state      | reached by    | what is allowed                                               |
 * |------------|---------------|---------------------------------------------------------------|
 * | *live*     | construction  | everything                                                    |
 * | *released* | `release()`   | ends, unregister/put/synchronize, interval reads and remove; anything new is a ReleasedError, as on the TypeScript core |
 *
 * Addresses: the module is wasm32 (`unsigned long` is 32 bits), the model's address space
 * 2^47 (`TASK_SIZE`). An end past 2^32 (exit's full-range unmap, the HMM mirror's interval
 * over everything) is clamped to the wasm32 `ULONG_MAX`: the range the C code sees is then
 * a copy, and every address the model maps is below 2^32.
 *
 * What the real code has not: two-pass interval callbacks (`invalidateStart`/`Finish`, not
 * in 6.1.192 or 6.12.118: an InvalidArgumentError); the TypeScript core's contract
 * diagnostics (an end without a start, a range open at release): the kernel's own WARN_ONs
 * are the findings there.
 */

import type { NotifierSubscriptions, NowOrLater } from '../../core/notifier-subscriptions.ts';
import {
  checkIntervalOps,
  checkNotifierOps,
  type MmuIntervalNotifier,
  type MmuIntervalNotifierOps,
  type MmuNotifier,
  type MmuNotifierOps,
} from '../../core/ops.ts';
import { checkSubscribeOptions, type SubscribeOptions } from '../../core/options.ts';
import type { MmuNotifierRange } from '../../core/range.ts';
import { InvalidArgumentError, ReleasedError } from '../../errors.ts';
import type { Scheduler } from '../../sched/scheduler.ts';
import { KERNEL_ULONG_MAX } from '../exports.ts';
import type { FiberKernelCore } from './fiber-core.ts';
import type { FiberInterval, FiberNotifier, FiberNotifierOps } from './handles.ts';

/** A list notifier of a {@link RealAddressSpace}, with the model's shape. */
class RealMmuNotifier<D> implements MmuNotifier<D> {
  constructor(
    readonly name: string,
    readonly ops: MmuNotifierOps<D>,
    readonly data: D,
    readonly mm: RealAddressSpace,
    readonly fiber: FiberNotifier | null,
  ) {}
}

/** An interval notifier of a {@link RealAddressSpace}, with the model's shape. */
class RealMmuIntervalNotifier<D> implements MmuIntervalNotifier<D> {
  iv: FiberInterval | null = null;
  constructor(
    readonly name: string,
    readonly start: number,
    readonly last: number,
    readonly data: D,
    readonly mm: RealAddressSpace,
  ) {}
  #live(): FiberInterval {
    if (this.iv === null) throw new InvalidArgumentError(`${this.name}: not inserted`);
    return this.iv;
  }
  remove(): Promise<void> {
    return this.#live().remove();
  }
  readBegin(): Promise<number> {
    return this.#live().readBegin();
  }
  readRetry(seq: number): boolean {
    return this.#live().readRetry(seq);
  }
  checkRetry(seq: number): boolean {
    return this.#live().checkRetry(seq);
  }
  setSeq(seq: number): void {
    this.#live().setSeq(seq);
  }
}

/** The model's address space on the real compiled core (see the module comment). */
export class RealAddressSpace implements NotifierSubscriptions {
  /** The real core underneath. */
  readonly core: FiberKernelCore;
  /** The scheduler of the run. */
  readonly scheduler: Scheduler;
  readonly #subs = new Map<FiberNotifier, RealMmuNotifier<unknown>>();
  readonly #shared = new Map<MmuNotifierOps<never>, FiberNotifierOps>();
  readonly #specs = new WeakMap<
    FiberNotifierOps,
    { ops: MmuNotifierOps<unknown>; data: unknown }
  >();
  readonly #copies = new WeakMap<MmuNotifierRange, MmuNotifierRange>();
  #released = false;

  /** The model's address space on `core` (whose scheduler is `scheduler`). */
  constructor(core: FiberKernelCore, scheduler: Scheduler) {
    this.core = core;
    this.scheduler = scheduler;
  }

  /** The core's label. */
  get name(): string {
    return this.core.name;
  }

  /** `real <version>`. */
  get engine(): string {
    return this.core.engine;
  }

  get invalidateSeq(): number {
    return this.core.invalidateSeq;
  }

  get activeInvalidateRanges(): number {
    return this.core.activeInvalidateRanges;
  }

  get released(): boolean {
    return this.#released;
  }

  #checkLive(caller: string): void {
    if (this.#released)
      throw new ReleasedError(
        `${caller}: address space '${this.name}' is released (exit_mmap ran)`,
      );
  }

  #handle(f: FiberNotifier): RealMmuNotifier<unknown> {
    let h = this.#subs.get(f);
    if (h === undefined) {
      const spec = this.#specs.get(f.ops);
      if (spec === undefined) throw new InvalidArgumentError(`no model handle for '${f.name}'`);
      h = new RealMmuNotifier(f.name, spec.ops, spec.data, this, f);
      this.#subs.set(f, h);
    }
    return h;
  }

  /** The fiber core's table for the model's `ops` (each callback gets the model's handle). */
  #fiberOps<D>(ops: MmuNotifierOps<D>, extra: Partial<FiberNotifierOps> = {}): FiberNotifierOps {
    const h = (f: FiberNotifier) => this.#handle(f) as RealMmuNotifier<D>;
    const o: FiberNotifierOps = { ...extra };
    if (ops.release) o.release = (f: FiberNotifier) => ops.release?.(h(f), this);
    if (ops.invalidateRangeStart)
      o.invalidateRangeStart = (f: FiberNotifier, r: MmuNotifierRange) =>
        ops.invalidateRangeStart?.(h(f), r);
    if (ops.invalidateRangeEnd)
      o.invalidateRangeEnd = (f: FiberNotifier, r: MmuNotifierRange) =>
        ops.invalidateRangeEnd?.(h(f), r);
    if (ops.clearFlushYoung)
      o.clearFlushYoung = (f: FiberNotifier, s: number, e: number) =>
        ops.clearFlushYoung?.(h(f), this, s, e) === true;
    if (ops.clearYoung)
      o.clearYoung = (f: FiberNotifier, s: number, e: number) =>
        ops.clearYoung?.(h(f), this, s, e) === true;
    if (ops.testYoung)
      o.testYoung = (f: FiberNotifier, a: number) => ops.testYoung?.(h(f), this, a) === true;
    if (ops.archInvalidateSecondaryTlbs)
      o.archInvalidateSecondaryTlbs = (f: FiberNotifier, s: number, e: number) =>
        ops.archInvalidateSecondaryTlbs?.(h(f), this, s, e);
    return o;
  }

  register<D>(
    ops: MmuNotifierOps<D>,
    options: SubscribeOptions<D> = {},
  ): NowOrLater<MmuNotifier<D>> {
    this.#checkLive('register');
    checkNotifierOps(ops, 'register', false);
    checkSubscribeOptions(options, 'register');
    const fops = this.#fiberOps(ops);
    // A callback may come before register returns (another task's invalidation once the C
    // code linked it): the handle is made on first use, from this spec.
    this.#specs.set(fops, { ops: ops as MmuNotifierOps<unknown>, data: options.data });
    const name = options.name === undefined ? {} : { name: options.name };
    const ret = this.core.registerNow(fops, name);
    const fin = (f: FiberNotifier): MmuNotifier<D> => this.#handle(f) as MmuNotifier<D>;
    return ret instanceof Promise ? ret.then(fin) : fin(ret);
  }

  unregister(sub: MmuNotifier<unknown>): Promise<void> {
    const f = this.#ownFiber(sub, 'unregister');
    return this.core.unregister(f).then(() => {
      this.#subs.delete(f);
      this.#specs.delete(f.ops);
    });
  }

  #ownFiber(sub: MmuNotifier<unknown>, caller: string): FiberNotifier {
    if (!(sub instanceof RealMmuNotifier) || sub.mm !== this || sub.fiber === null)
      throw new InvalidArgumentError(`${caller}: not a notifier registered on '${this.name}'`);
    return sub.fiber;
  }

  get<D>(
    ops: MmuNotifierOps<D>,
    options: { readonly name?: string } = {},
  ): NowOrLater<MmuNotifier<D>> {
    this.#checkLive('get');
    checkNotifierOps(ops, 'get', false);
    checkSubscribeOptions(options, 'get');
    let fops = this.#shared.get(ops as MmuNotifierOps<never>);
    if (fops === undefined) {
      fops = this.#fiberOps(ops, {
        allocNotifier: (f) => {
          const data = ops.allocNotifier === undefined ? (undefined as D) : ops.allocNotifier(this);
          this.#subs.set(
            f,
            new RealMmuNotifier<D>(f.name, ops, data, this, f) as RealMmuNotifier<unknown>,
          );
        },
        freeNotifier: (f) => {
          const h = this.#subs.get(f);
          this.#subs.delete(f);
          if (h !== undefined) ops.freeNotifier?.(h as RealMmuNotifier<D>);
        },
      });
      this.#shared.set(ops as MmuNotifierOps<never>, fops);
    }
    const ret = this.core.getNow(fops, options);
    const fin = (f: FiberNotifier): MmuNotifier<D> => this.#handle(f) as MmuNotifier<D>;
    return ret instanceof Promise ? ret.then(fin) : fin(ret);
  }

  put(sub: MmuNotifier<unknown>): NowOrLater<void> {
    return this.core.putNow(this.#ownFiber(sub, 'put'));
  }

  synchronize(): Promise<void> {
    return this.core.synchronize();
  }

  /** The range the C code sees: `range`, or a copy with its end clamped to 2^32 - 1. */
  #clamped(range: MmuNotifierRange): MmuNotifierRange {
    if (typeof range?.end !== 'number' || range.end <= KERNEL_ULONG_MAX) return range;
    let c = this.#copies.get(range);
    if (c === undefined) {
      c = Object.freeze({ ...range, end: KERNEL_ULONG_MAX });
      this.#copies.set(range, c);
    }
    return c;
  }

  invalidateRangeStart(range: MmuNotifierRange): NowOrLater<void> {
    this.#checkLive('invalidateRangeStart');
    return this.core.invalidateRangeStartNow(this.#clamped(range));
  }

  invalidateRangeStartNonblock(range: MmuNotifierRange): NowOrLater<number> {
    this.#checkLive('invalidateRangeStartNonblock');
    return this.core.invalidateRangeStartNonblockNow(this.#clamped(range));
  }

  invalidateRangeEnd(range: MmuNotifierRange): NowOrLater<void> {
    const c = this.#clamped(range);
    this.#copies.delete(range);
    return this.core.invalidateRangeEndNow(c);
  }

  insertInterval<D>(
    start: number,
    length: number,
    ops: MmuIntervalNotifierOps<D>,
    options: SubscribeOptions<D> = {},
  ): NowOrLater<MmuIntervalNotifier<D>> {
    this.#checkLive('insertInterval');
    checkIntervalOps(ops, 'insertInterval');
    checkSubscribeOptions(options, 'insertInterval');
    const invalidate = ops.invalidate;
    if (invalidate === undefined)
      throw new InvalidArgumentError(
        `insertInterval: two-pass interval callbacks (invalidateStart/invalidateFinish) are not in the real ${this.core.version} code`,
      );
    const name = options.name ?? `interval@${start.toString(16)}`;
    const h = new RealMmuIntervalNotifier<D>(
      name,
      start,
      start + length - 1,
      options.data as D,
      this,
    );
    const clampedLength =
      Number.isInteger(start) && start >= 0 && start <= KERNEL_ULONG_MAX
        ? Math.min(length, KERNEL_ULONG_MAX - start)
        : length;
    const ret = this.core.insertIntervalNow(
      start,
      clampedLength,
      {
        // The C code may call it before the insert returns (parked at its spin_unlock, the
        // interval already linked), as the kernel may: the handle is live from then on.
        invalidate: (iv, range, seq) => {
          h.iv ??= iv;
          return invalidate(h, range, seq);
        },
      },
      { name },
    );
    const fin = (iv: FiberInterval): MmuIntervalNotifier<D> => {
      h.iv = iv;
      return h;
    };
    return ret instanceof Promise ? ret.then(fin) : fin(ret);
  }

  release(): Promise<void> {
    if (this.#released)
      return Promise.reject(new ReleasedError(`release: '${this.name}' is released already`));
    this.#released = true;
    return this.core.release();
  }

  clearFlushYoung(start: number, end: number): NowOrLater<boolean> {
    this.#checkLive('clearFlushYoung');
    return this.core.clearFlushYoungNow(start, Math.min(end, KERNEL_ULONG_MAX));
  }

  clearYoung(start: number, end: number): NowOrLater<boolean> {
    this.#checkLive('clearYoung');
    return this.core.clearYoungNow(start, Math.min(end, KERNEL_ULONG_MAX));
  }

  testYoung(address: number): NowOrLater<boolean> {
    this.#checkLive('testYoung');
    return this.core.testYoungNow(address);
  }

  archInvalidateSecondaryTlbs(start: number, end: number): NowOrLater<void> {
    this.#checkLive('archInvalidateSecondaryTlbs');
    return this.core.archInvalidateSecondaryTlbsNow(start, Math.min(end, KERNEL_ULONG_MAX));
  }
}
