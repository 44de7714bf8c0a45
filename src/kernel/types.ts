/**
 * The public types of the real-kernel driver ({@link RealKernelCore}): callback tables and
 * handles shaped like `src/core`'s (`MmuNotifierOps`, `MmuNotifier`, ...) but synchronous,
 * since the real code calls them from C and cannot wait for a Promise.
 */

import type { MmuNotifierRange } from '../core/range.ts';
import type { KernelSite } from '../errors.ts';

/** Forward reference to the core, for handles. */
export interface RealKernelCoreLike {
  /** The exact kernel version the module was built from (`6.12.118`). */
  readonly version: string;
}

/**
 * `struct mmu_notifier_ops`, synchronous. Each present member becomes the kernel's callback
 * (a trampoline in the driver); an absent one is NULL in the kernel's table. On 6.1
 * `archInvalidateSecondaryTlbs` is registered as `invalidate_range` (called from every
 * range end as well), on 6.6+ as `arch_invalidate_secondary_tlbs`.
 */
export interface RealNotifierOps {
  /** `release`. */
  release?(sub: RealNotifier): void;
  /** `invalidate_range_start`: 0 (or nothing) or `-EAGAIN` (`EAGAIN`). */
  invalidateRangeStart?(sub: RealNotifier, range: MmuNotifierRange): number | void;
  /** `invalidate_range_end`. */
  invalidateRangeEnd?(sub: RealNotifier, range: MmuNotifierRange): void;
  /** `clear_flush_young`. */
  clearFlushYoung?(sub: RealNotifier, start: number, end: number): boolean;
  /** `clear_young`. */
  clearYoung?(sub: RealNotifier, start: number, end: number): boolean;
  /** `test_young`. */
  testYoung?(sub: RealNotifier, address: number): boolean;
  /** `arch_invalidate_secondary_tlbs` (6.6+), `invalidate_range` (6.1). */
  archInvalidateSecondaryTlbs?(sub: RealNotifier, start: number, end: number): void;
  /** `free_notifier`, for subscriptions made by `get` (after the grace period of the last put). */
  freeNotifier?(sub: RealNotifier): void;
}

/** A list notifier registered in the real code (`struct mmu_notifier`). */
export interface RealNotifier {
  /** The driver's id of this subscriber (1..4095). */
  readonly id: number;
  /** The name given (or `notifier#<id>`). */
  readonly name: string;
  /** The callback table. */
  readonly ops: RealNotifierOps;
  /** The address space. */
  readonly core: RealKernelCoreLike;
}

/** `struct mmu_interval_notifier_ops`. */
export interface RealIntervalOps {
  /** `invalidate`: false only when `!range.blockable` and it would have to sleep. */
  invalidate(sub: RealInterval, range: MmuNotifierRange, curSeq: number): boolean;
}

/** An interval notifier inserted in the real code (`struct mmu_interval_notifier`). */
export interface RealInterval {
  /** The driver's id (1..4095). */
  readonly id: number;
  /** The name given (or `interval#<id>`). */
  readonly name: string;
  /** First address. */
  readonly start: number;
  /** Last address (inclusive). */
  readonly last: number;
  /** The address space. */
  readonly core: RealKernelCoreLike;
  /** `mmu_interval_read_begin`. @throws KernelWouldSleepError when it would wait. */
  readBegin(): number;
  /** `mmu_interval_read_retry`. */
  readRetry(seq: number): boolean;
  /** `mmu_interval_check_retry`. */
  checkRetry(seq: number): boolean;
  /** `mmu_interval_set_seq` (from `invalidate`). */
  setSeq(seq: number): void;
  /** `mmu_interval_notifier_remove`. @throws KernelWouldSleepError when it would wait. */
  remove(): void;
}

/** A `WARN_ON` (or `WARN_ON_ONCE`) or `BUG_ON` that fired in the real code. */
export interface KernelDiagnostic extends KernelSite {
  /** `warn` (the code goes on) or `bug` (the kernel would oops; the call throws). */
  readonly kind: 'warn' | 'bug';
}

/** Options of {@link RealKernelCore}. */
export interface RealKernelCoreOptions {
  /** A label for messages. Default `mm`. */
  readonly name?: string;
  /** Called for every WARN_ON / BUG_ON the kernel's code hits, synchronously. */
  readonly onDiagnostic?: (d: KernelDiagnostic) => void;
  /** Where the built modules are (default: see `availableKernelModules`). */
  readonly cacheDir?: string;
  /**
   * What `mm_take_all_locks` (in `__mmu_notifier_register`: `register`, `get`, the first
   * `insertInterval`) does while a range started here is still open. `sleeps` (the
   * default): this thread holds a lock it needs, a `KernelWouldSleepError`. `proceeds`: it
   * returns, as if the open ranges were another thread's that broke the locking rule; the
   * kernel's code then runs on (what the TS kernel semantics do after reporting
   * `subscribe-in-flight`), so the differential test can compare the two past that point.
   */
  readonly takeAllLocks?: 'sleeps' | 'proceeds';
}
