/**
 * Ranges and return codes of the notifier core: the kernel's `struct mmu_notifier_range`,
 * `enum mmu_notifier_event` and `-EAGAIN` (`include/linux/mmu_notifier.h`).
 *
 * A range is `[start, end)` over safe integers `>= 0` with `start < end`. The core never
 * copies a range: `invalidateRangeEnd` must be given the same OBJECT as the start, which is
 * how the core finds the start's record (who started, which finishes ran).
 */

import { InvalidArgumentError } from '../errors.ts';

/** `enum mmu_notifier_event`, in kebab case (`MMU_NOTIFY_PROTECTION_VMA` -> `protection-vma`). */
export type MmuNotifyEvent =
  | 'unmap'
  | 'clear'
  | 'protection-vma'
  | 'protection-page'
  | 'soft-dirty'
  | 'release'
  | 'migrate'
  | 'exclusive';

/** `struct mmu_notifier_range`: `[start, end)`, the event, the blockable flag and the owner. */
export interface MmuNotifierRange {
  /** First address, a safe integer `>= 0`. */
  readonly start: number;
  /** One past the last address (exclusive), a safe integer `> start`. */
  readonly end: number;
  /** Why the range is invalidated. */
  readonly event: MmuNotifyEvent;
  /** `MMU_NOTIFIER_RANGE_BLOCKABLE`: may callbacks sleep (return a Promise)? */
  readonly blockable: boolean;
  /** `range->owner`: a driver skips `migrate`/`exclusive` invalidations it caused itself. */
  readonly owner?: unknown;
}

/** The kernel's `-EAGAIN`: a non-blockable start that could not proceed. A value, never thrown. */
export const EAGAIN = -11;

/**
 * Every semantics, in the order the docs and the matrix list them:
 *
 * - `current` (the default): the kernel's path plus exact pairing (ours; docs/semantics.md).
 * - `linux-6.12`: Debian's 6.12.118 `mm/mmu_notifier.c` path for path (with the 2026 stable
 *   fix "mm/mmu_notifier: finish non-blocking interval invalidation on error").
 * - `linux-6.1`: Debian's 6.1.192 `mm/mmu_notifier.c` path for path, flaws included
 *   (without that fix; `invalidate_range` still called from `mn_hlist_invalidate_end`).
 * - `kernel`: an alias of the newest versioned semantics, `linux-6.12`.
 * - `legacy-2019`: v5.2's list part (the seed thread's core) over the v5.5-v5.11 interval part.
 */
export const SEMANTICS = ['current', 'linux-6.12', 'linux-6.1', 'kernel', 'legacy-2019'] as const;

/** Which core to run: one of {@link SEMANTICS} (`current` by default). */
export type Semantics = (typeof SEMANTICS)[number];

/** Every {@link MmuNotifyEvent}, for validation and for generators in tests. */
export const MMU_NOTIFY_EVENTS: readonly MmuNotifyEvent[] = [
  'unmap',
  'clear',
  'protection-vma',
  'protection-page',
  'soft-dirty',
  'release',
  'migrate',
  'exclusive',
];

/** True for a known event (a switch: internalized strings compare by pointer, no hashing). */
function isEvent(event: unknown): boolean {
  switch (event) {
    case 'unmap':
    case 'clear':
    case 'protection-vma':
    case 'protection-page':
    case 'soft-dirty':
    case 'release':
    case 'migrate':
    case 'exclusive':
      return true;
    default:
      return false;
  }
}

/** The largest address; `release()` invalidates `[0, ADDRESS_END)` (the kernel's `ULONG_MAX`). */
export const ADDRESS_END = Number.MAX_SAFE_INTEGER;

/** True for a safe integer in `[0, ADDRESS_END]`. */
function isAddress(value: unknown): value is number {
  return (
    typeof value === 'number' &&
    value >= 0 &&
    value <= Number.MAX_SAFE_INTEGER &&
    Math.floor(value) === value
  );
}

/** Throws unless `value` is a safe integer in `[0, ADDRESS_END]`; `what` names it in the message. */
export function checkAddress(value: unknown, what: string): asserts value is number {
  if (!isAddress(value)) {
    throw new InvalidArgumentError(`${what} must be a safe integer >= 0, got ${String(value)}`);
  }
}

/**
 * Validates a range given to an invalidation entry point (`mmu_notifier_range_init` has no
 * checks; ours names the problem). Allocates nothing unless it throws (a hot path).
 * @throws InvalidArgumentError for a missing object, bad addresses, `start >= end`, an unknown
 * event, or a `blockable` that is not a boolean.
 */
export function checkRange(range: unknown, caller: string): asserts range is MmuNotifierRange {
  if (typeof range !== 'object' || range === null) {
    throw new InvalidArgumentError(`${caller}: range must be an object, got ${String(range)}`);
  }
  const r = range as Partial<MmuNotifierRange>;
  const { start, end } = r;
  if (!isAddress(start)) checkAddress(start, `${caller}: range.start`);
  if (!isAddress(end)) checkAddress(end, `${caller}: range.end`);
  if (start >= end) {
    throw new InvalidArgumentError(
      `${caller}: range.start must be < range.end, got [${start}, ${end})`,
    );
  }
  if (!isEvent(r.event)) {
    throw new InvalidArgumentError(`${caller}: unknown range.event ${String(r.event)}`);
  }
  if (typeof r.blockable !== 'boolean') {
    throw new InvalidArgumentError(`${caller}: range.blockable must be a boolean`);
  }
}

/** A short text for traces and messages: `unmap [0x1000, 0x2000) nb`. */
export function describeRange(range: MmuNotifierRange): string {
  const mode = range.blockable ? '' : ' nonblock';
  return `${range.event} [0x${range.start.toString(16)}, 0x${range.end.toString(16)})${mode}`;
}
