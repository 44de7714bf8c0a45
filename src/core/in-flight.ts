/**
 * The record of one in-flight invalidation: the core's addition to the kernel, which keeps
 * no record and relies on the rule that a notifier that can fail has no end.
 *
 * Protocol
 * --------
 * A record is bound to the caller's range OBJECT from the start call until the end (or the
 * start's own unwind). Records are pooled: the hot path allocates nothing after warm-up.
 *
 * | state      | entered by                       | holds                                   |
 * |------------|----------------------------------|-----------------------------------------|
 * | `idle`     | release to the pool              | nothing                                 |
 * | `starting` | `acquire` (start entry)          | who succeeded so far, queued finishes   |
 * | `started`  | start returned 0                 | who gets an end (`started`)             |
 * | `ending`   | end entry                        | the same, being walked                  |
 *
 * The last {@link RECENT_ENDS} ended ranges are remembered so that a second end is told
 * apart from an end that never had a start (`double-end` vs `end-without-start`).
 */

import { OverflowError, StateError } from '../errors.ts';
import type { IntervalSubscription } from './interval-notifier.ts';
import { SplitQuery } from './interval-search.ts';
import type { MmuNotifierRange } from './range.ts';
import type { Subscription } from './subscription.ts';

/** How many ended ranges are remembered to diagnose a double end. */
export const RECENT_ENDS = 16;
/** The most invalidations one address space may have in flight at once. */
export const IN_FLIGHT_MAX = 4096;

const NO_RANGE: MmuNotifierRange = { start: 0, end: 1, event: 'unmap', blockable: true };

/** One in-flight invalidation. Internal to `src/core`. */
export class InFlight {
  /** The caller's range object; `NO_RANGE` while idle. */
  range: MmuNotifierRange = NO_RANGE;
  /** Where the record is in its life. */
  state: 'idle' | 'starting' | 'started' | 'ending' = 'idle';
  /**
   * List subscribers whose start succeeded, in call order: exactly who gets an end. Only
   * the first {@link InFlight.startedCount} entries are live (the array is reused).
   */
  readonly started: (Subscription<unknown> | null)[] = [];
  /** How many entries of `started` are live. */
  startedCount = 0;
  /** Two-pass: the interval of each queued finish (parallel to `finishes`). */
  readonly finishSubs: IntervalSubscription<unknown>[] = [];
  /** Two-pass: the finishes returned by the first pass, in the order the starts ran. */
  readonly finishes: object[] = [];
  /** Two-pass: finishes called so far in this walk's second pass (the monitor's count). */
  finishesRun = 0;
  /** Errors thrown by callbacks during the current call, rethrown after pairing. */
  errors: unknown[] | null = null;
  /** Some start (interval or list) failed during the start call. */
  failed = false;
  /** `ret` of `mn_hlist_invalidate_range_start`: the last failing list start's value, else 0. */
  ret = 0;
  /** This range holds one `active_invalidate_ranges` count (`mn_itree_inv_start_range` ran). */
  itreeActive = false;
  /** The range as `[start, last]` split for the interval walk (set by `invStartRange`). */
  readonly query = new SplitQuery();
  /** `cur_seq` handed to the interval callbacks. */
  curSeq = 0;
  /** The SRCU read section's token while a list walk is open, else -1. */
  srcuToken = -1;
  /** Its index in the table's open list while open (O(1) release), else -1. */
  openAt = -1;

  /** Records a successful start. */
  addStarted(sub: Subscription<unknown>): void {
    this.started[this.startedCount++] = sub;
  }

  /** Adds an error thrown by a callback. */
  addError(error: unknown): void {
    if (this.errors === null) this.errors = [error];
    else this.errors.push(error);
  }

  /** Takes the collected errors (one error, an AggregateError, or null) and clears them. */
  takeError(): unknown {
    const errors = this.errors;
    this.errors = null;
    if (errors === null) return null;
    if (errors.length === 1) return errors[0];
    return new AggregateError(errors, `${errors.length} notifier callbacks threw`);
  }

  /** Back to `idle`, keeping the arrays' storage. */
  reset(): void {
    this.range = NO_RANGE;
    this.state = 'idle';
    // Setting `length` is a runtime call in V8: skip it when already empty (the hot path).
    const started = this.started;
    for (let i = 0; i < this.startedCount; i++) started[i] = null;
    this.startedCount = 0;
    if (this.finishes.length !== 0) {
      this.finishSubs.length = 0;
      this.finishes.length = 0;
    }
    this.finishesRun = 0;
    this.errors = null;
    this.failed = false;
    this.ret = 0;
    this.itreeActive = false;
    this.curSeq = 0;
    this.srcuToken = -1;
    this.openAt = -1;
  }
}

/** The open records of one address space, and the pool. Internal to `src/core`. */
export class InFlightTable {
  readonly #open: InFlight[] = [];
  readonly #pool: InFlight[] = [];
  readonly #ended: (MmuNotifierRange | null)[] = new Array<MmuNotifierRange | null>(
    RECENT_ENDS,
  ).fill(null);
  #endedAt = 0;

  /** The records open now (for release's `open-at-release` check). */
  get open(): readonly InFlight[] {
    return this.#open;
  }

  /**
   * Binds a record to `range` (state `starting`). Pairs with {@link InFlightTable.release}.
   * @throws StateError if `range` is already in flight; OverflowError past IN_FLIGHT_MAX.
   */
  acquire(range: MmuNotifierRange): InFlight {
    if (this.find(range) !== undefined) {
      throw new StateError('this range object is already in flight: use a new object per start');
    }
    if (this.#open.length >= IN_FLIGHT_MAX) {
      throw new OverflowError(`more than ${IN_FLIGHT_MAX} invalidations in flight`);
    }
    const rec = this.#pool.pop() ?? new InFlight();
    rec.range = range;
    rec.state = 'starting';
    rec.openAt = this.#open.length;
    this.#open.push(rec);
    return rec;
  }

  /** The open record of `range`, by identity. */
  find(range: MmuNotifierRange): InFlight | undefined {
    const open = this.#open;
    for (let i = open.length - 1; i >= 0; i--) {
      const rec = open[i]!;
      if (rec.range === range) return rec;
    }
    return undefined;
  }

  /** Unbinds `rec`; `ended` remembers its range for the double-end check. */
  release(rec: InFlight, ended: boolean): void {
    const open = this.#open;
    const i = rec.openAt;
    if (i < 0 || open[i] !== rec) return;
    const moved = open[open.length - 1]!;
    open[i] = moved;
    moved.openAt = i;
    open.pop();
    if (ended) {
      this.#ended[this.#endedAt] = rec.range;
      if (++this.#endedAt === RECENT_ENDS) this.#endedAt = 0;
    }
    rec.reset();
    this.#pool.push(rec);
  }

  /** True if `range` ended recently (a second end is a `double-end`). */
  wasEnded(range: MmuNotifierRange): boolean {
    return this.#ended.includes(range);
  }
}
