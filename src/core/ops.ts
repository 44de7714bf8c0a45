/**
 * The callback tables and the handles of the notifier core: the kernel's
 * `struct mmu_notifier_ops`, `struct mmu_notifier`, `struct mmu_interval_notifier_ops` and
 * `struct mmu_interval_notifier` (`include/linux/mmu_notifier.h`), and the checks applied
 * when a table is registered (a table is validated once, not on every call).
 */

import { InvalidArgumentError } from '../errors.ts';
import type { NotifierSubscriptions } from './notifier-subscriptions.ts';
import type { MmuNotifierRange } from './range.ts';

/** `struct mmu_notifier_ops`. Every member is optional; each present one must be a function. */
export interface MmuNotifierOps<D = unknown> {
  /** `release`: the mm is going away (exit) or the notifier is unregistered. May sleep. */
  release?(sub: MmuNotifier<D>, mm: NotifierSubscriptions): void | Promise<void>;
  /** `clear_flush_young`: clear the accessed bit and flush; true if it was young. */
  clearFlushYoung?(
    sub: MmuNotifier<D>,
    mm: NotifierSubscriptions,
    start: number,
    end: number,
  ): boolean;
  /** `clear_young`: clear the accessed bit without a flush; true if it was young. */
  clearYoung?(sub: MmuNotifier<D>, mm: NotifierSubscriptions, start: number, end: number): boolean;
  /** `test_young`: true if the page at `address` is young. */
  testYoung?(sub: MmuNotifier<D>, mm: NotifierSubscriptions, address: number): boolean;
  /**
   * `invalidate_range_start`: 0 (or nothing) on success, `EAGAIN` only when
   * `!range.blockable` and it would have to sleep. Synchronous when non-blockable.
   * A notifier whose start can fail must not have an end (the kernel's rule; `current` keeps
   * pairing anyway and reports `failing-start-with-end`). Pairs with `invalidateRangeEnd`.
   */
  invalidateRangeStart?(
    sub: MmuNotifier<D>,
    range: MmuNotifierRange,
  ): number | void | Promise<number | void>;
  /** `invalidate_range_end`: called once per successful start. Pairs with `invalidateRangeStart`. */
  invalidateRangeEnd?(sub: MmuNotifier<D>, range: MmuNotifierRange): void | Promise<void>;
  /**
   * `arch_invalidate_secondary_tlbs` (6.12.118): from the TLB flush; exclusive with start/end
   * (v6.6 on). In 6.1.192 it is `invalidate_range`: also called by every range end
   * (`mn_hlist_invalidate_end`, under `linux-6.1` and `legacy-2019`) and combinable.
   */
  archInvalidateSecondaryTlbs?(
    sub: MmuNotifier<D>,
    mm: NotifierSubscriptions,
    start: number,
    end: number,
  ): void;
  /** `alloc_notifier`: the data of the shared subscription created by `get()`. */
  allocNotifier?(mm: NotifierSubscriptions): D;
  /** `free_notifier`: called after the grace period that follows the last `put()`. */
  freeNotifier?(sub: MmuNotifier<D>): void;
}

/** `struct mmu_notifier`: a handle on one registered list notifier. */
export interface MmuNotifier<D> {
  /** The name given at register (or a generated `notifier#N`), for traces and diagnostics. */
  readonly name: string;
  /** The callback table. */
  readonly ops: MmuNotifierOps<D>;
  /** The caller's data (`allocNotifier`'s result for `get()`). */
  readonly data: D;
  /** The address space it is registered on (`subscription->mm`). */
  readonly mm: NotifierSubscriptions;
}

/** `struct mmu_interval_notifier_ops`: `invalidate`, or the two-pass pair (2026 proposal). */
export interface MmuIntervalNotifierOps<D = unknown> {
  /**
   * `invalidate`: `false` only when `!range.blockable` and it would have to sleep. Must call
   * `sub.setSeq(curSeq)` under the driver's lock before tearing its mapping down.
   */
  invalidate?(
    sub: MmuIntervalNotifier<D>,
    range: MmuNotifierRange,
    curSeq: number,
  ): boolean | Promise<boolean>;
  /**
   * `invalidate_start` (two-pass): `false` would block (non-blockable only), `true` done,
   * or a finish object for {@link MmuIntervalNotifierOps.invalidateFinish}. Synchronous when
   * non-blockable; a blockable one may sleep (return a Promise of the same, e.g. for the
   * driver's lock), but should not wait for its device: that is what the finish is for.
   */
  invalidateStart?(
    sub: MmuIntervalNotifier<D>,
    range: MmuNotifierRange,
    curSeq: number,
  ): boolean | object;
  /** `invalidate_finish`: once per finish, after the whole first pass. Pairs with invalidateStart. */
  invalidateFinish?(sub: MmuIntervalNotifier<D>, finish: object): void | Promise<void>;
}

/** `struct mmu_interval_notifier`: a handle on one interval `[start, last]`. */
export interface MmuIntervalNotifier<D> {
  /** The name given at insert (or `interval#N`). */
  readonly name: string;
  /** First address covered. */
  readonly start: number;
  /** Last address covered (inclusive). */
  readonly last: number;
  /** The caller's data. */
  readonly data: D;
  /** The address space it is inserted in. */
  readonly mm: NotifierSubscriptions;
  /** `mmu_interval_notifier_remove`: may sleep; not from a callback. Pairs with insertInterval. */
  remove(): Promise<void>;
  /** `mmu_interval_read_begin`: a scheduling point; sleeps while this interval is invalidated. */
  readBegin(): Promise<number>;
  /** `mmu_interval_read_retry`: under the user lock; true = collided, drop the work. */
  readRetry(seq: number): boolean;
  /** `mmu_interval_check_retry`: an unlocked hint, for early exits only. */
  checkRetry(seq: number): boolean;
  /** `mmu_interval_set_seq`: from `invalidate`, under the user lock; `seq` is its odd `curSeq`. */
  setSeq(seq: number): void;
}

const NOTIFIER_MEMBERS = [
  'release',
  'clearFlushYoung',
  'clearYoung',
  'testYoung',
  'invalidateRangeStart',
  'invalidateRangeEnd',
  'archInvalidateSecondaryTlbs',
  'allocNotifier',
  'freeNotifier',
] as const;

const INTERVAL_MEMBERS = ['invalidate', 'invalidateStart', 'invalidateFinish'] as const;

function checkMembers(ops: unknown, members: readonly string[], caller: string): void {
  if (typeof ops !== 'object' || ops === null) {
    throw new InvalidArgumentError(`${caller}: ops must be an object, got ${String(ops)}`);
  }
  const table = ops as Readonly<Record<string, unknown>>;
  for (const member of members) {
    const fn = table[member];
    if (fn !== undefined && typeof fn !== 'function') {
      throw new InvalidArgumentError(
        `${caller}: ops.${member} must be a function, got ${typeof fn}`,
      );
    }
  }
}

/**
 * The checks of `__mmu_notifier_register`: members are functions, and, where `exclusive`
 * (v6.6 on: 6.12.118, and `current`), `archInvalidateSecondaryTlbs` is not combined with
 * start/end (`WARN_ON_ONCE`, `-EINVAL`); 6.1.192 and v5.2 accept the combination.
 */
export function checkNotifierOps(
  ops: unknown,
  caller: string,
  exclusive = true,
): asserts ops is MmuNotifierOps {
  checkMembers(ops, NOTIFIER_MEMBERS, caller);
  const o = ops as MmuNotifierOps;
  if (
    exclusive &&
    o.archInvalidateSecondaryTlbs &&
    (o.invalidateRangeStart || o.invalidateRangeEnd)
  ) {
    throw new InvalidArgumentError(
      `${caller}: ops.archInvalidateSecondaryTlbs cannot be combined with invalidateRangeStart/End`,
    );
  }
}

/** Interval ops: exactly one of `invalidate` / `invalidateStart`; a finish needs a start. */
export function checkIntervalOps(
  ops: unknown,
  caller: string,
): asserts ops is MmuIntervalNotifierOps {
  checkMembers(ops, INTERVAL_MEMBERS, caller);
  const o = ops as MmuIntervalNotifierOps;
  const one = (o.invalidate !== undefined) !== (o.invalidateStart !== undefined);
  if (!one) {
    throw new InvalidArgumentError(
      `${caller}: ops must have exactly one of invalidate and invalidateStart`,
    );
  }
  if ((o.invalidateStart !== undefined) !== (o.invalidateFinish !== undefined)) {
    throw new InvalidArgumentError(
      `${caller}: ops.invalidateStart and ops.invalidateFinish go together`,
    );
  }
}

/** Checks a subscriber name option. */
export function checkName(name: unknown, caller: string): void {
  if (name !== undefined && (typeof name !== 'string' || name.length === 0)) {
    throw new InvalidArgumentError(`${caller}: options.name must be a non-empty string`);
  }
}
