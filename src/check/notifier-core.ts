/**
 * The engine choice of a scenario's address space: `world.notifierCore()` is the TypeScript
 * core (`AddressSpace` under the run's semantics) or the real compiled `mm/mmu_notifier.c`
 * of that semantics' version (`FiberKernelCore`), by the check option `core` (CLI `--core`).
 * Both are seen through {@link NotifierCore}, the asynchronous surface the real core has
 * (its calls park inside C), so one scenario runs unchanged on either.
 *
 * The TypeScript side is a thin adapter: it forwards each call to the `AddressSpace` and
 * hands the scenario's callbacks the core's own handles (an `MmuIntervalNotifier` has
 * `readBegin`, `readRetry`, `checkRetry`, `setSeq`, `remove`, `name`).
 */

import type { AddressSpace } from '../core/address-space.ts';
import type { MmuNotifierRange, Semantics } from '../core/range.ts';
import { InvalidArgumentError } from '../errors.ts';

/** The `core` option's values. */
export const CORE_ENGINES = ['typescript', 'real'] as const;
/** Which engine runs `world.notifierCore()`: see {@link CORE_ENGINES}. */
export type CoreEngine = (typeof CORE_ENGINES)[number];

/** A list notifier of a {@link NotifierCore}. */
export interface CoreNotifier {
  /** The name given. */
  readonly name: string;
}

/** An interval notifier of a {@link NotifierCore}. */
export interface CoreInterval {
  /** The name given. */
  readonly name: string;
  /** `mmu_interval_read_begin` (may wait). */
  readBegin(): Promise<number>;
  /** `mmu_interval_read_retry`. */
  readRetry(seq: number): boolean;
  /** `mmu_interval_check_retry`. */
  checkRetry(seq: number): boolean;
  /** `mmu_interval_set_seq`. */
  setSeq(seq: number): void;
  /** `mmu_interval_notifier_remove` (may wait). */
  remove(): Promise<void>;
}

/** The callbacks of a list notifier (each may return a Promise where it may sleep). */
export interface CoreNotifierOps {
  /** `invalidate_range_start`: 0 (or nothing) or `-EAGAIN`. */
  invalidateRangeStart?(
    sub: CoreNotifier,
    range: MmuNotifierRange,
  ): number | void | Promise<number | void>;
  /** `invalidate_range_end`. */
  invalidateRangeEnd?(sub: CoreNotifier, range: MmuNotifierRange): void | Promise<void>;
}

/** The callback of an interval notifier. */
export interface CoreIntervalOps {
  /** `invalidate`: false only for a non-blockable range it cannot serve. */
  invalidate(
    sub: CoreInterval,
    range: MmuNotifierRange,
    curSeq: number,
  ): boolean | Promise<boolean>;
}

/** One address space, on either engine. */
export interface NotifierCore {
  /** `typescript <semantics>` or `real <version>`, for messages. */
  readonly engine: string;
  /** `mmu_notifier_register`. */
  register(ops: CoreNotifierOps, options?: { readonly name?: string }): Promise<CoreNotifier>;
  /** `mmu_interval_notifier_insert` of `[start, start + length - 1]`. */
  insertInterval(
    start: number,
    length: number,
    ops: CoreIntervalOps,
    options?: { readonly name?: string },
  ): Promise<CoreInterval>;
  /** `mmu_notifier_invalidate_range_start` (blockable). */
  invalidateRangeStart(range: MmuNotifierRange): Promise<void>;
  /** `mmu_notifier_invalidate_range_start_nonblock`: 0 or the failure (no end then). */
  invalidateRangeStartNonblock(range: MmuNotifierRange): Promise<number>;
  /** `mmu_notifier_invalidate_range_end`. */
  invalidateRangeEnd(range: MmuNotifierRange): Promise<void>;
  /** `mmu_notifier_synchronize`. */
  synchronize(): Promise<void>;
  /** `active_invalidate_ranges`. */
  readonly activeInvalidateRanges: number;
  /** `invalidate_seq`. */
  readonly invalidateSeq: number;
}

/**
 * The real series of a semantics (`linux-6.1` → `6.1`; `linux-6.12` and `kernel` → `6.12`).
 * @throws InvalidArgumentError for `current` and `legacy-2019`, which no Debian version runs.
 */
export function realSeriesOf(semantics: Semantics): string {
  if (semantics === 'linux-6.1') return '6.1';
  if (semantics === 'linux-6.12' || semantics === 'kernel') return '6.12';
  throw new InvalidArgumentError(
    `core 'real' needs semantics linux-6.1, linux-6.12 or kernel (a Debian version), not '${semantics}'`,
  );
}

/** {@link NotifierCore} over the TypeScript `AddressSpace`. */
export class TypeScriptCore implements NotifierCore {
  readonly engine: string;
  readonly #as: AddressSpace;

  constructor(as: AddressSpace, semantics: Semantics) {
    this.#as = as;
    this.engine = `typescript ${semantics}`;
  }

  async register(
    ops: CoreNotifierOps,
    options: { readonly name?: string } = {},
  ): Promise<CoreNotifier> {
    const start = ops.invalidateRangeStart;
    const end = ops.invalidateRangeEnd;
    return this.#as.register(
      {
        ...(start === undefined ? {} : { invalidateRangeStart: (sub, r) => start(sub, r) }),
        ...(end === undefined ? {} : { invalidateRangeEnd: (sub, r) => end(sub, r) }),
      },
      options.name === undefined ? {} : { name: options.name },
    );
  }

  async insertInterval(
    start: number,
    length: number,
    ops: CoreIntervalOps,
    options: { readonly name?: string } = {},
  ): Promise<CoreInterval> {
    return this.#as.insertInterval(
      start,
      length,
      { invalidate: (sub, range, seq) => ops.invalidate(sub, range, seq) },
      options.name === undefined ? {} : { name: options.name },
    );
  }

  async invalidateRangeStart(range: MmuNotifierRange): Promise<void> {
    await this.#as.invalidateRangeStart(range);
  }

  async invalidateRangeStartNonblock(range: MmuNotifierRange): Promise<number> {
    return this.#as.invalidateRangeStartNonblock(range);
  }

  async invalidateRangeEnd(range: MmuNotifierRange): Promise<void> {
    await this.#as.invalidateRangeEnd(range);
  }

  synchronize(): Promise<void> {
    return this.#as.synchronize();
  }

  get activeInvalidateRanges(): number {
    return this.#as.activeInvalidateRanges;
  }

  get invalidateSeq(): number {
    return this.#as.invalidateSeq;
  }
}
