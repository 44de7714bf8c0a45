/**
 * A started invalidation as a disposable value, so that TypeScript's `await using` pairs the
 * end with the start by construction:
 *
 * ```ts
 * {
 *   await using inv = await mm.invalidate(range);
 *   if (!inv.ok) return;            // EAGAIN: nothing to end
 *   // ... change the primary page table ...
 * }                                 // invalidateRangeEnd(range) runs here, exactly once
 * ```
 */

import type { MmuNotifierRange } from './range.ts';

/** The end half, supplied by the address space. */
export type EndFn = (range: MmuNotifierRange) => void | Promise<void>;

/** A start that returned; `end()` / `[Symbol.asyncDispose]` run its end once (if `ok`). */
export class Invalidation implements AsyncDisposable {
  /** The start's result: 0, or the failure (`EAGAIN`...) of a non-blockable start: nothing to end. */
  readonly result: number;
  /** The range, the same object the end will be given. */
  readonly range: MmuNotifierRange;
  readonly #end: EndFn;
  #ended = false;

  constructor(range: MmuNotifierRange, result: number, end: EndFn) {
    this.range = range;
    this.result = result;
    this.#end = end;
  }

  /** True when the start succeeded, so an end is owed. */
  get ok(): boolean {
    return this.result === 0;
  }

  /** True once the end ran (or was never owed). */
  get ended(): boolean {
    return this.#ended || this.result !== 0;
  }

  /**
   * `mmu_notifier_invalidate_range_end` for this start, once; later calls do nothing.
   * Pairs with the start that made this object.
   */
  async end(): Promise<void> {
    if (this.ended) return;
    this.#ended = true;
    await this.#end(this.range);
  }

  /** Ends the invalidation (for `await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.end();
  }
}
