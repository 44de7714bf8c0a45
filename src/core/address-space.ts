/**
 * An address space's notifier state and entry points: the kernel's
 * `struct mmu_notifier_subscriptions` and the `mmu_notifier_*` /
 * `mmu_interval_notifier_*` functions of `mm/mmu_notifier.c` that take an mm.
 *
 * Protocol
 * --------
 * | state      | what is allowed                                                           |
 * |------------|---------------------------------------------------------------------------|
 * | *live*     | everything                                                                |
 * | *released* | after `release()`: ends of open ranges, unregister/put/synchronize, interval remove and reads; anything new is a {@link ReleasedError} |
 *
 * Every entry point validates its input first and changes nothing when it throws a typed
 * error (`InvalidArgumentError`, `StateError`, `OverflowError`, `ReleasedError`). Callback
 * failures never throw: they are values (`EAGAIN`) and diagnostics. A callback that throws
 * reaches the caller after pairing is restored (several: an `AggregateError`).
 * The semantics (`current`, `linux-6.12` = `kernel`, `linux-6.1`, `legacy-2019`) changes the
 * invalidation path and the register checks; see `semantics.ts`. Invalidation internals live in `invalidate.ts`, lifetimes in `lifecycle.ts`.
 */

import { InvalidArgumentError, OverflowError, ReleasedError, StateError } from '../errors.ts';
import { defaultScheduler, type Scheduler } from '../sched/scheduler.ts';
import { CoreState } from './core-state.ts';
import { checkInsert, IntervalSubscription } from './interval-notifier.ts';
import { rangeEnd, rangeStart } from './invalidate.ts';
import { Invalidation } from './invalidation.ts';
import * as lifecycle from './lifecycle.ts';
import { registerAlloc } from './lockdep-maps.ts';
import type { NotifierSubscriptions } from './notifier-subscriptions.ts';
import {
  checkIntervalOps,
  checkNotifierOps,
  type MmuIntervalNotifier,
  type MmuIntervalNotifierOps,
  type MmuNotifier,
  type MmuNotifierOps,
} from './ops.ts';
import {
  type AddressSpaceOptions,
  checkOptions,
  checkSubscribeOptions,
  NOTIFIER_USERS_MAX,
  NOTIFIERS_MAX,
  type SubscribeOptions,
} from './options.ts';
import { checkRange, type MmuNotifierRange, type Semantics } from './range.ts';
import { strategyFor } from './semantics.ts';
import { Subscription } from './subscription.ts';
import * as young from './young.ts';

export type { AddressSpaceOptions, SubscribeOptions } from './options.ts';
export { NOTIFIER_USERS_MAX, NOTIFIERS_MAX } from './options.ts';

/** The kernel's `struct mmu_notifier_subscriptions` with the mm's notifier entry points. */
export class AddressSpace implements NotifierSubscriptions {
  /** The semantics this address space runs. */
  readonly semantics: Semantics;
  /** The label given at construction. */
  readonly name: string;
  /** The scheduling seam every blocking operation passes through. */
  readonly scheduler: Scheduler;
  readonly #core: CoreState;
  readonly #usersMax: number;
  #ids = 0;

  /** @throws InvalidArgumentError for a bad option. */
  constructor(options: AddressSpaceOptions = {}) {
    checkOptions(options);
    this.semantics = options.semantics ?? 'current';
    this.name = options.name ?? 'mm';
    this.scheduler = options.scheduler ?? defaultScheduler;
    this.#usersMax = options.notifierUsersMax ?? NOTIFIER_USERS_MAX;
    const strategy = strategyFor(this.semantics);
    this.#core = new CoreState(this, this.name, this.scheduler, strategy, options.onDiagnostic);
  }

  /** `typescript <semantics>`: the engine, for messages. */
  get engine(): string {
    return `typescript ${this.semantics}`;
  }

  /** `invalidate_seq`: even when no invalidation overlaps an interval, odd while one does. */
  get invalidateSeq(): number {
    this.#core.read();
    return this.#core.itree.seq;
  }

  /**
   * `active_invalidate_ranges`: invalidations in flight, counted once an interval notifier
   * exists (`has_itree`). Under `kernel` an unpaired end can make it -1: the kernel's
   * unsigned count wrapped to `ULONG_MAX`.
   */
  get activeInvalidateRanges(): number {
    this.#core.read();
    return this.#core.itree.active;
  }

  /** List notifiers registered now. */
  get notifierCount(): number {
    this.#core.read();
    return this.#core.list.length;
  }

  /** Interval notifiers in the tree now (deferred inserts not counted). */
  get intervalCount(): number {
    this.#core.read();
    return this.#core.itree.tree.size;
  }

  /** Invalidations started and not yet ended. */
  get inFlightCount(): number {
    this.#core.read();
    return this.#core.inFlight.open.length;
  }

  /** True once `release()` ran. */
  get released(): boolean {
    if (this.#core.traced) this.#core.sched.access(this.#core.releasedOps.read);
    return this.#core.released;
  }

  #checkLive(caller: string): void {
    if (this.#core.released) {
      throw new ReleasedError(
        `${caller}: address space '${this.name}' is released (exit_mmap ran)`,
      );
    }
  }

  #own(sub: unknown, caller: string): Subscription<unknown> {
    if (!(sub instanceof Subscription) || sub.mm !== this) {
      throw new InvalidArgumentError(`${caller}: not a notifier registered on '${this.name}'`);
    }
    if (sub.unregistered) {
      throw new StateError(`${caller}: notifier '${sub.name}' is unregistered already`);
    }
    return sub as Subscription<unknown>;
  }

  /**
   * `mmu_notifier_register`: adds a list notifier at the head (the newest runs first).
   * Pairs with {@link AddressSpace.unregister} (or {@link AddressSpace.put}).
   * @throws InvalidArgumentError for bad ops or options; ReleasedError; OverflowError.
   */
  register<D>(ops: MmuNotifierOps<D>, options: SubscribeOptions<D> = {}): MmuNotifier<D> {
    this.#checkLive('register');
    checkNotifierOps(ops, 'register', this.#core.strategy.secondaryTlbsExclusive);
    checkSubscribeOptions(options, 'register');
    return this.#register(ops, options.name, options.data as D);
  }

  #checkRoom(caller: string): void {
    if (this.#core.list.length >= NOTIFIERS_MAX) {
      throw new OverflowError(`${caller}: more than ${NOTIFIERS_MAX} notifiers on '${this.name}'`);
    }
  }

  #register<D>(ops: MmuNotifierOps<D>, name: string | undefined, data: D): MmuNotifier<D> {
    const core = this.#core;
    this.#checkRoom('register');
    const sub = new Subscription<D>(this, ops, name ?? `notifier#${++this.#ids}`, data);
    registerAlloc(core);
    core.strategy.onRegister(core);
    core.lock('mmu_notifier_register');
    core.list.addHead(sub as Subscription<unknown>);
    return sub;
  }

  /**
   * `mmu_notifier_unregister`: calls `release` if it has not run, unlinks, and waits for a
   * grace period: no callback of `sub` runs after it resolves. Pairs with register.
   * @throws InvalidArgumentError for a foreign subscription; StateError when called twice.
   */
  unregister(sub: MmuNotifier<unknown>): Promise<void> {
    try {
      return lifecycle.unregister(this.#core, this.#own(sub, 'unregister'));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * `mmu_notifier_get`: the one shared subscription for `ops` on this address space, created
   * with `ops.allocNotifier(mm)` as data, or the existing one with one more user.
   * Pairs with {@link AddressSpace.put}. Under a kernel semantics refusing the secondary-TLB
   * callback with start/end (6.12.118), that check runs after `allocNotifier`, and
   * `freeNotifier` is called before the error, as `mmu_notifier_get_locked` does.
   * @throws OverflowError past the users limit; InvalidArgumentError; ReleasedError.
   */
  get<D>(ops: MmuNotifierOps<D>, options: { readonly name?: string } = {}): MmuNotifier<D> {
    this.#checkLive('get');
    const strategy = this.#core.strategy;
    // `current` refuses bad ops first (ours); a kernel checks them in `__mmu_notifier_register`.
    const early = strategy.semantics === 'current';
    checkNotifierOps(ops, 'get', early && strategy.secondaryTlbsExclusive);
    checkSubscribeOptions(options, 'get');
    const found = lifecycle.findGet(this.#core, ops, this.#usersMax);
    if (found !== undefined) return found as Subscription<D>;
    this.#checkRoom('get'); // before allocNotifier: its data would have no freeNotifier
    const data = ops.allocNotifier === undefined ? (undefined as D) : ops.allocNotifier(this);
    const name = options.name ?? `notifier#${++this.#ids}`;
    if (!early && strategy.secondaryTlbsExclusive) {
      try {
        checkNotifierOps(ops, 'get', true);
      } catch (error) {
        // `mmu_notifier_get_locked`'s `out_free`: `free_notifier`, then `ERR_PTR(-EINVAL)`.
        ops.freeNotifier?.(new Subscription<D>(this, ops, name, data));
        throw error;
      }
    }
    return this.#register(ops, name, data);
  }

  /**
   * `mmu_notifier_put`: drops one user; the last one unlinks without `release` and frees
   * through `freeNotifier` after a grace period (see {@link AddressSpace.synchronize}).
   * Pairs with {@link AddressSpace.get}.
   * @throws InvalidArgumentError for a foreign subscription; StateError after the last put.
   */
  put(sub: MmuNotifier<unknown>): void {
    lifecycle.put(this.#core, this.#own(sub, 'put'));
  }

  /** `mmu_notifier_synchronize`: a grace period; every put before it has been freed after. */
  synchronize(): Promise<void> {
    return lifecycle.synchronizeAndFree(this.#core);
  }

  /**
   * `mmu_notifier_invalidate_range_start`: blockable (`range.blockable` must be true);
   * callbacks may return Promises; cannot fail. Returns a Promise only if a callback did.
   * Pairs with {@link AddressSpace.invalidateRangeEnd} on the same range object.
   * @throws InvalidArgumentError; ReleasedError; StateError (range already in flight); a
   * callback's error, after its pairing was restored (then no end is owed).
   */
  invalidateRangeStart(range: MmuNotifierRange): void | Promise<void> {
    checkRange(range, 'invalidateRangeStart');
    if (!range.blockable) {
      throw new InvalidArgumentError('invalidateRangeStart: range.blockable must be true');
    }
    this.#checkLive('invalidateRangeStart');
    const result = rangeStart(this.#core, range);
    // A type test, not `instanceof` (a prototype walk on the hot path).
    if (typeof result !== 'number') return result.then(() => {});
  }

  /**
   * `mmu_notifier_invalidate_range_start_nonblock`: synchronous (`range.blockable` must be
   * false). Returns 0, or the failure (`EAGAIN`; a list start's other integer is passed
   * through as the kernel's `ret`), in which case the caller must not call end (`current` has
   * already ended exactly those that started; `kernel` every notifier with an end).
   * Pairs with {@link AddressSpace.invalidateRangeEnd} when it returns 0.
   * @throws as {@link AddressSpace.invalidateRangeStart}.
   */
  invalidateRangeStartNonblock(range: MmuNotifierRange): number {
    checkRange(range, 'invalidateRangeStartNonblock');
    if (range.blockable) {
      throw new InvalidArgumentError('invalidateRangeStartNonblock: range.blockable must be false');
    }
    this.#checkLive('invalidateRangeStartNonblock');
    const result = rangeStart(this.#core, range);
    if (typeof result !== 'number') throw new StateError('non-blockable start went async');
    return result;
  }

  /**
   * `mmu_notifier_invalidate_range_end`, with the same range OBJECT the start was given.
   * An end with no open start is a diagnostic (`end-without-start` / `double-end`), not an
   * error. Pairs with the start.
   * @throws InvalidArgumentError; StateError (its start is still running); a callback's error.
   */
  invalidateRangeEnd(range: MmuNotifierRange): void | Promise<void> {
    const core = this.#core;
    // An open range was checked at its start (ranges are readonly): only a stranger is checked.
    const rec = core.inFlight.find(range);
    if (rec === undefined) checkRange(range, 'invalidateRangeEnd');
    return rangeEnd(core, range, rec);
  }

  /**
   * Starts an invalidation (blockable or not, by `range.blockable`) and returns it as an
   * {@link Invalidation}: `await using inv = await mm.invalidate(range)` ends it by
   * construction. `inv.ok` is false when a non-blockable start returned EAGAIN.
   */
  async invalidate(range: MmuNotifierRange): Promise<Invalidation> {
    checkRange(range, 'invalidate');
    let result = 0;
    if (range.blockable) await this.invalidateRangeStart(range);
    else result = this.invalidateRangeStartNonblock(range);
    return new Invalidation(range, result, (r) => this.invalidateRangeEnd(r));
  }

  /**
   * `mmu_interval_notifier_insert`: watches `[start, start + length - 1]`. While an
   * invalidation is in flight the insert may be deferred; its first `readBegin` then waits.
   * Pairs with `sub.remove()`.
   * @throws InvalidArgumentError (bad address, zero/negative/non-integer length, bad ops);
   * OverflowError when `start + length` passes ADDRESS_END; ReleasedError.
   */
  insertInterval<D>(
    start: number,
    length: number,
    ops: MmuIntervalNotifierOps<D>,
    options: SubscribeOptions<D> = {},
  ): MmuIntervalNotifier<D> {
    this.#checkLive('insertInterval');
    checkInsert(start, length);
    checkIntervalOps(ops, 'insertInterval');
    checkSubscribeOptions(options, 'insertInterval');
    const name = options.name ?? `interval#${++this.#ids}`;
    const core = this.#core;
    const sub = new IntervalSubscription<D>(
      this,
      core.itree,
      ops,
      name,
      start,
      start + length - 1,
      options.data as D,
    );
    core.itree.insert(sub as IntervalSubscription<unknown>);
    return sub;
  }

  /**
   * `__mmu_notifier_release` (exit_mmap): the interval part's release invalidate, then every
   * notifier's `release`, then a grace period. Reports `open-at-release` for open ranges.
   * @throws ReleasedError when called twice; callbacks' errors after everything ran.
   */
  release(): Promise<void> {
    try {
      this.#checkLive('release');
    } catch (error) {
      return Promise.reject(error);
    }
    return lifecycle.release(this.#core);
  }

  /** `mmu_notifier_clear_flush_young`: the OR of every answer over `[start, end)`. */
  clearFlushYoung(start: number, end: number): boolean {
    this.#checkLive('clearFlushYoung');
    return young.clearFlushYoung(this.#core, start, end);
  }

  /** `mmu_notifier_clear_young`: the OR of every answer over `[start, end)`. */
  clearYoung(start: number, end: number): boolean {
    this.#checkLive('clearYoung');
    return young.clearYoung(this.#core, start, end);
  }

  /** `mmu_notifier_test_young`: true at the first notifier that says young. */
  testYoung(address: number): boolean {
    this.#checkLive('testYoung');
    return young.testYoung(this.#core, address);
  }

  /** `mmu_notifier_arch_invalidate_secondary_tlbs`: every notifier's secondary TLB flush. */
  archInvalidateSecondaryTlbs(start: number, end: number): void {
    this.#checkLive('archInvalidateSecondaryTlbs');
    young.archInvalidateSecondaryTlbs(this.#core, start, end);
  }
}
