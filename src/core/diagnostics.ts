/**
 * The contract monitor's records: every broken rule of the notifier contract that the core
 * detects is reported as a typed {@link Diagnostic} through the one `onDiagnostic` hook of
 * the address space, and the core stays consistent (pairing is kept, nothing is leaked).
 *
 * | kind                      | the rule broken (kernel counterpart)                              |
 * |---------------------------|-------------------------------------------------------------------|
 * | `end-without-start`       | `invalidateRangeEnd` for a range object that has no start open     |
 * | `double-end`              | a second `invalidateRangeEnd` for a range already ended            |
 * | `open-at-release`         | a start still open when `release()` (exit_mmap) runs               |
 * | `sleep-in-nonblock`       | a callback returned a Promise in non-blockable mode (`non_block_start` splat) |
 * | `fail-in-blockable`       | a start failed (or an interval returned false) in a blockable range (WARN_ON) |
 * | `failing-start-with-end`  | a notifier that has an end failed its start (WARN_ON(ops->invalidate_range_end)) |
 * | `callback-threw`          | a callback threw (the error is rethrown to the invalidator after pairing) |
 * | `bad-return`              | a start returned something other than 0 / EAGAIN, an interval op not a boolean / finish |
 * | `unpaired-start`          | a successful start that will never get its end (`legacy-2019`, the seed bug) |
 * | `finish-unpaired`         | a two-pass finish that was not run exactly once after all first passes |
 * | `subscribe-in-flight`     | the kernel semantics: a register (or the first interval insert) while an invalidation is in flight (`mm_take_all_locks` excludes it) |
 * | `active-underflow`        | the kernel semantics: `mn_itree_inv_end` for a count its start never took (`active_invalidate_ranges` wraps) |
 */

import type { MmuNotifierRange } from './range.ts';

/** What a {@link Diagnostic} reports. */
export type DiagnosticKind =
  | 'end-without-start'
  | 'double-end'
  | 'open-at-release'
  | 'sleep-in-nonblock'
  | 'fail-in-blockable'
  | 'failing-start-with-end'
  | 'callback-threw'
  | 'bad-return'
  | 'unpaired-start'
  | 'finish-unpaired'
  | 'subscribe-in-flight'
  | 'active-underflow';

/** One broken rule, as delivered to `AddressSpaceOptions.onDiagnostic`. */
export interface Diagnostic {
  /** The rule broken. */
  readonly kind: DiagnosticKind;
  /** One line naming the problem, the subscriber and the range. */
  readonly message: string;
  /** The subscriber's name, when one is to blame. */
  readonly subscriber?: string;
  /** The range concerned, when there is one. */
  readonly range?: MmuNotifierRange;
}

/**
 * The hook type: called synchronously, once per diagnostic. It must not throw: an error it
 * throws does not reach the core's caller; it is rethrown as an uncaught exception after the
 * core's operation has completed (the core stays consistent).
 */
export type DiagnosticHook = (d: Diagnostic) => void;
