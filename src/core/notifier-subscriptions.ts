/**
 * `mm->notifier_subscriptions` as the kernel model (`Mm`, KVM, ODP, HMM, the OOM reaper)
 * sees it: the entry points of `mm/mmu_notifier.c` that take an mm, on either engine — the
 * TypeScript `AddressSpace` or the real compiled code of a Debian kernel
 * (`RealAddressSpace`, `world.addressSpace({ core: 'real' })`). A call returns its value at
 * once where the engine did not park, and a Promise where it did: the real code parks at
 * every lock, wait, SRCU section and callback of the C code under the checker, so callers
 * `await` what may be a Promise (awaiting a plain value costs one microtask, no scheduling
 * point). The one exception is a call made with a spin lock of the model held (the
 * young-bit walk under the page-table lock): the real code then runs it whole.
 */

import { StateError } from '../errors.ts';
import type { Scheduler } from '../sched/scheduler.ts';
import type {
  MmuIntervalNotifier,
  MmuIntervalNotifierOps,
  MmuNotifier,
  MmuNotifierOps,
} from './ops.ts';
import type { SubscribeOptions } from './options.ts';
import type { MmuNotifierRange } from './range.ts';

/** A value now, or later. */
export type NowOrLater<T> = T | Promise<T>;

/** The notifier entry points of one mm, on either engine (see the module comment). */
export interface NotifierSubscriptions {
  /** The label given. */
  readonly name: string;
  /** The scheduler every blocking operation passes through. */
  readonly scheduler: Scheduler;
  /** `typescript <semantics>` or `real <version>`, for messages. */
  readonly engine: string;
  /** `invalidate_seq`. */
  readonly invalidateSeq: number;
  /** `active_invalidate_ranges`. */
  readonly activeInvalidateRanges: number;
  /** True once `release()` ran (was called). */
  readonly released: boolean;
  /** `mmu_notifier_register`. Pairs with `unregister` (or `put`). */
  register<D>(ops: MmuNotifierOps<D>, options?: SubscribeOptions<D>): NowOrLater<MmuNotifier<D>>;
  /** `mmu_notifier_unregister`. Pairs with `register`. */
  unregister(sub: MmuNotifier<unknown>): Promise<void>;
  /** `mmu_notifier_get`. Pairs with `put`. */
  get<D>(ops: MmuNotifierOps<D>, options?: { readonly name?: string }): NowOrLater<MmuNotifier<D>>;
  /** `mmu_notifier_put`. Pairs with `get`. */
  put(sub: MmuNotifier<unknown>): NowOrLater<void>;
  /** `mmu_notifier_synchronize`. */
  synchronize(): Promise<void>;
  /** `mmu_notifier_invalidate_range_start` (blockable). Pairs with the end. */
  invalidateRangeStart(range: MmuNotifierRange): NowOrLater<void>;
  /** `mmu_notifier_invalidate_range_start_nonblock`: 0, or the failure (no end then). */
  invalidateRangeStartNonblock(range: MmuNotifierRange): NowOrLater<number>;
  /** `mmu_notifier_invalidate_range_end`. Pairs with the start. */
  invalidateRangeEnd(range: MmuNotifierRange): NowOrLater<void>;
  /** `mmu_interval_notifier_insert`. Pairs with `sub.remove()`. */
  insertInterval<D>(
    start: number,
    length: number,
    ops: MmuIntervalNotifierOps<D>,
    options?: SubscribeOptions<D>,
  ): NowOrLater<MmuIntervalNotifier<D>>;
  /** `__mmu_notifier_release` (exit_mmap). */
  release(): Promise<void>;
  /** `mmu_notifier_clear_flush_young` over `[start, end)`. */
  clearFlushYoung(start: number, end: number): NowOrLater<boolean>;
  /** `mmu_notifier_clear_young` over `[start, end)`. */
  clearYoung(start: number, end: number): NowOrLater<boolean>;
  /** `mmu_notifier_test_young` of `address`. */
  testYoung(address: number): NowOrLater<boolean>;
  /** `mmu_notifier_arch_invalidate_secondary_tlbs` (`invalidate_range` on 6.1). */
  archInvalidateSecondaryTlbs(start: number, end: number): NowOrLater<void>;
}

/**
 * The value of a call that must not park (a scenario's setup, where the real core's points
 * continue at once): `v` itself.
 * @throws StateError naming `what` when it is a Promise (the call parked).
 */
export function settled<T>(v: NowOrLater<T>, what: string): T {
  if (v instanceof Promise)
    throw new StateError(`${what} parked: call it in a task and await it, not in setup`);
  return v;
}

/** `f` of `v`: at once for a value, after it settles for a Promise. */
export function thenNow<T, U>(v: NowOrLater<T>, f: (value: T) => U): NowOrLater<U> {
  return v instanceof Promise ? v.then(f) : f(v);
}
