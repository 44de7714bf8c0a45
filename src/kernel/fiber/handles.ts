/**
 * The subscribers of a {@link FiberKernelCore}: callback tables that may return Promises
 * (a blockable callback parks its fiber inside the kernel's code until it settles), and the
 * handles the core hands out.
 */

import type { MmuNotifierRange } from '../../core/range.ts';

/** `struct mmu_notifier_ops` for the fiber core: each callback may return a Promise. */
export interface FiberNotifierOps {
  /** `release`. */
  release?(sub: FiberNotifier): void | Promise<void>;
  /** `invalidate_range_start`: 0 (or nothing) or `-EAGAIN`. */
  invalidateRangeStart?(
    sub: FiberNotifier,
    range: MmuNotifierRange,
  ): number | void | Promise<number | void>;
  /** `invalidate_range_end`. */
  invalidateRangeEnd?(sub: FiberNotifier, range: MmuNotifierRange): void | Promise<void>;
  /** `clear_flush_young` (called under the caller's page-table lock: no Promise). */
  clearFlushYoung?(sub: FiberNotifier, start: number, end: number): boolean;
  /** `clear_young` (no Promise: the kernel calls it in an SRCU read section). */
  clearYoung?(sub: FiberNotifier, start: number, end: number): boolean;
  /** `test_young` (no Promise). */
  testYoung?(sub: FiberNotifier, address: number): boolean;
  /**
   * The secondary-TLB flush: `arch_invalidate_secondary_tlbs` (6.6+; 6.12.118), called as
   * `invalidate_range` on 6.1.192 (no Promise: the kernel calls it under the page-table lock).
   */
  archInvalidateSecondaryTlbs?(sub: FiberNotifier, start: number, end: number): void;
  /**
   * `alloc_notifier` of `mmu_notifier_get` ({@link FiberKernelCore.get}): the core made a
   * new shared subscription `sub` (called once, before it is linked).
   */
  allocNotifier?(sub: FiberNotifier): void;
  /** `free_notifier`: the last `put`'s grace period ended; `sub` is gone. */
  freeNotifier?(sub: FiberNotifier): void;
}

/** `struct mmu_interval_notifier_ops` for the fiber core. */
export interface FiberIntervalOps {
  /** `invalidate`: false only for a non-blockable range it cannot serve. */
  invalidate(
    sub: FiberInterval,
    range: MmuNotifierRange,
    curSeq: number,
  ): boolean | Promise<boolean>;
}

/** A list notifier of a {@link FiberKernelCore}. */
export class FiberNotifier {
  constructor(
    /** The driver's id. */
    readonly id: number,
    /** The name given. */
    readonly name: string,
    /** The callback table. */
    readonly ops: FiberNotifierOps,
  ) {}
}

/** What an interval needs of its core. Internal to `src/kernel/fiber`. */
export interface FiberIntervalHost {
  readBeginOf(iv: FiberInterval): Promise<number>;
  readRetryOf(iv: FiberInterval, seq: number, checked: boolean): boolean;
  setSeqOf(iv: FiberInterval, seq: number): void;
  removeOf(iv: FiberInterval): Promise<void>;
}

/** An interval notifier of a {@link FiberKernelCore}. */
export class FiberInterval {
  readonly #host: FiberIntervalHost;
  constructor(
    /** The driver's id. */
    readonly id: number,
    /** The name given. */
    readonly name: string,
    /** First address. */
    readonly start: number,
    /** Last address (inclusive). */
    readonly last: number,
    /** The callback table. */
    readonly ops: FiberIntervalOps,
    host: FiberIntervalHost,
  ) {
    this.#host = host;
  }
  /** `mmu_interval_read_begin` (may wait). */
  readBegin(): Promise<number> {
    return this.#host.readBeginOf(this);
  }
  /** `mmu_interval_read_retry`. */
  readRetry(seq: number): boolean {
    return this.#host.readRetryOf(this, seq, false);
  }
  /** `mmu_interval_check_retry`. */
  checkRetry(seq: number): boolean {
    return this.#host.readRetryOf(this, seq, true);
  }
  /** `mmu_interval_set_seq`. */
  setSeq(seq: number): void {
    this.#host.setSeqOf(this, seq);
  }
  /** `mmu_interval_notifier_remove` (may wait). */
  remove(): Promise<void> {
    return this.#host.removeOf(this);
  }
}
