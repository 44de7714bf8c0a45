/**
 * One interval notifier (`struct mmu_interval_notifier`): its `[start, last]`, its own
 * `invalidate_seq`, and the reader side of the collision-retry protocol
 * (`mmu_interval_read_begin`, `mmu_interval_read_retry`, `mmu_interval_check_retry`,
 * `mmu_interval_set_seq` in `include/linux/mmu_notifier.h`).
 *
 * States: *linked* (in the tree), *deferred* (inserted or removed while fully excluded, on
 * the deferred list), *removed* (after `remove()`; a second remove is a StateError).
 *
 * The driver's duty, as the kernel states it: `invalidate` calls `setSeq(curSeq)` under the
 * driver's lock before tearing a mapping down; a fault does `seq = await readBegin()`,
 * resolves the page, takes that same lock and installs only if `!readRetry(seq)`.
 * `setSeq` pairs with `readRetry`.
 */

import { InvalidArgumentError, OverflowError, StateError } from '../errors.ts';
import { OP_QUIET, type Op, PrimitiveOp } from '../sched/scheduler.ts';
import type { AddressSpace } from './address-space.ts';
import type { CoreNoteKind } from './core-state.ts';
import type { IntervalTreeNode } from './interval-tree.ts';
import type { IntervalState } from './itree.ts';
import type { MmuIntervalNotifier, MmuIntervalNotifierOps } from './ops.ts';
import { ADDRESS_END, checkAddress } from './range.ts';

/** The kernel's `struct mmu_interval_notifier`. Internal class; the public type is the interface. */
export class IntervalSubscription<D> implements MmuIntervalNotifier<D> {
  /** The tree node while linked; null while a deferred insert waits, and after removal. */
  node: IntervalTreeNode<IntervalSubscription<unknown>> | null = null;
  /** `interval_sub->invalidate_seq`: always odd. Written through {@link writeSeq}. */
  seq = 1;
  /** `remove()` was called. */
  removed = false;
  readonly #itree: IntervalState;
  /** The recorded read and write of `seq` (its own object, for the checker's reduction). */
  readonly #seqRead: Op;
  readonly #seqWrite: Op;

  constructor(
    readonly mm: AddressSpace,
    itree: IntervalState,
    readonly ops: MmuIntervalNotifierOps<D>,
    readonly name: string,
    readonly start: number,
    readonly last: number,
    readonly data: D,
  ) {
    this.#itree = itree;
    const obj = mm.scheduler.objectId(`${name}.seq`);
    this.#seqRead = new PrimitiveOp('interval.seq', obj, false, `${name}.seq`, OP_QUIET);
    this.#seqWrite = new PrimitiveOp('interval.set_seq', obj, true, `${name}.seq`, OP_QUIET);
  }

  /** Reads `seq`, recorded (`READ_ONCE(interval_sub->invalidate_seq)` in `read_begin`). */
  readSeq(): number {
    this.mm.scheduler.access(this.#seqRead);
    return this.seq;
  }

  /** Writes `seq`, recorded (the core's insert, and {@link setSeq}). */
  writeSeq(seq: number): void {
    this.mm.scheduler.access(this.#seqWrite);
    this.seq = seq;
  }

  /**
   * `mmu_interval_notifier_remove`: may sleep while this interval is being invalidated;
   * once it returns, no callback of this interval runs. Must not be called from a callback.
   * Pairs with `AddressSpace.insertInterval`.
   * @throws StateError when removed twice.
   */
  async remove(): Promise<void> {
    if (this.removed) throw new StateError(`interval '${this.name}' is removed already`);
    this.removed = true;
    await this.#itree.remove(this as IntervalSubscription<unknown>);
  }

  /** A trace note about this interval (callers test `#itree.noting` first). */
  #note(kind: CoreNoteKind, detail: string): void {
    this.#itree.note(kind, this as IntervalSubscription<unknown>, detail);
  }

  /** `mmu_interval_read_begin`: a scheduling point when it must sleep. Pairs with readRetry. */
  readBegin(): Promise<number> {
    return this.#itree.readBegin(this as IntervalSubscription<unknown>);
  }

  /** `mmu_interval_read_retry`: call under the user lock; true = an invalidation collided. */
  readRetry(seq: number): boolean {
    this.mm.scheduler.access(this.#seqRead);
    const retry = this.seq !== seq;
    if (this.#itree.noting) this.#note('interval.read_retry', verdict(seq, this.seq));
    return retry;
  }

  /** `mmu_interval_check_retry`: an unlocked hint; false does not mean no collision. */
  checkRetry(seq: number): boolean {
    this.mm.scheduler.access(this.#seqRead);
    const retry = this.seq !== seq;
    if (this.#itree.noting) this.#note('interval.check_retry', verdict(seq, this.seq));
    return retry;
  }

  /**
   * `mmu_interval_set_seq`: from `invalidate`, under the user lock, with its `curSeq`.
   * Pairs with {@link IntervalSubscription.readRetry}.
   * @throws InvalidArgumentError unless `seq` is an odd safe integer (a `curSeq`).
   */
  setSeq(seq: number): void {
    if (!Number.isSafeInteger(seq) || (seq & 1) !== 1) {
      throw new InvalidArgumentError(`setSeq: seq must be the odd curSeq, got ${seq}`);
    }
    const was = this.seq;
    this.writeSeq(seq);
    if (this.#itree.noting) this.#note('interval.set_seq', `seq ${seq} (was ${was})`);
  }
}

/** The trace detail of a retry check: `seq 3: ok` or `seq 3, now 5: retry`. */
function verdict(seq: number, now: number): string {
  return seq === now ? `seq ${seq}: ok` : `seq ${seq}, now ${now}: retry`;
}

/**
 * The address checks of `__mmu_interval_notifier_insert` (`-EOVERFLOW` for a zero length or
 * an overflowing end), with our bound: the last address stays below {@link ADDRESS_END},
 * so that `release()`'s `[0, ADDRESS_END)` covers every interval.
 * @throws InvalidArgumentError for a bad start or length; OverflowError past ADDRESS_END.
 */
export function checkInsert(start: number, length: number): void {
  checkAddress(start, 'insertInterval: start');
  if (typeof length !== 'number' || !Number.isSafeInteger(length) || length <= 0) {
    throw new InvalidArgumentError(
      `insertInterval: length must be a safe integer > 0, got ${String(length)}`,
    );
  }
  if (start + length > ADDRESS_END) {
    throw new OverflowError(`insertInterval: start + length passes ${ADDRESS_END}`);
  }
}
