/**
 * The handles {@link RealKernelCore} hands out: a list notifier and an interval notifier of
 * the real code, each named by the driver's small integer id. An interval's reader-side
 * methods go through the core (which owns the module instance).
 */

import type { RealInterval, RealIntervalOps, RealNotifier, RealNotifierOps } from './types.ts';

/** What an interval handle needs of its core. Internal to `src/kernel`. */
export interface IntervalHost {
  readonly version: string;
  readBeginOf(sub: IntervalHandle): number;
  readRetryOf(sub: IntervalHandle, seq: number, checked: boolean): boolean;
  setSeqOf(sub: IntervalHandle, seq: number): void;
  removeOf(sub: IntervalHandle): void;
}

/** A list notifier of the real code. */
export class NotifierHandle implements RealNotifier {
  /** Unregistered, or freed after its last put. */
  gone = false;
  constructor(
    readonly id: number,
    readonly name: string,
    readonly ops: RealNotifierOps,
    readonly core: { readonly version: string },
  ) {}
}

/** An interval notifier of the real code. */
export class IntervalHandle implements RealInterval {
  /** `remove()` was called. */
  removed = false;
  readonly #host: IntervalHost;
  constructor(
    readonly id: number,
    readonly name: string,
    readonly start: number,
    readonly last: number,
    readonly ops: RealIntervalOps,
    host: IntervalHost,
  ) {
    this.#host = host;
  }
  /** The address space. */
  get core(): { readonly version: string } {
    return this.#host;
  }
  /** `mmu_interval_read_begin`. */
  readBegin(): number {
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
  /** `mmu_interval_notifier_remove`. */
  remove(): void {
    this.#host.removeOf(this);
  }
}
