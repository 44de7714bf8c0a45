/**
 * What the two sides of the differential test share (`ts-side.ts`: a TypeScript
 * `AddressSpace` under a semantics of src/core; `real-side.ts`: the real kernel's code,
 * `RealKernelCore`): the scripted subscribers, one interface, one normal form. Each side logs every callback with its arguments in one normal form, and the
 * rules it saw broken, as WARN classes (the real code's WARN_ON sites, the TS core's
 * diagnostics of the same rules), so that a step's observation is comparable.
 */

import type { Diagnostic } from '../../src/core/diagnostics.ts';
import { ADDRESS_END, EAGAIN, type MmuNotifierRange } from '../../src/core/range.ts';
import { InvalidArgumentError } from '../../src/errors.ts';
import { KERNEL_ULONG_MAX } from '../../src/kernel/exports.ts';
import type { KernelDiagnostic } from '../../src/kernel/types.ts';

/**
 * How a list notifier's start answers: none (no start op), 0, `-EAGAIN` non-blockably or
 * always, `-ENOMEM` non-blockably (0 blockably), or 1 always (bad values).
 */
export type StartMode = 'none' | 'ok' | 'fail-nonblock' | 'fail-always' | 'fail-enomem' | 'ret-one';
/** How an interval's invalidate answers. */
export type IntervalMode = 'ok' | 'fail-nonblock' | 'fail-always';

/** A scripted list notifier. */
export interface NotifierSpec {
  readonly start: StartMode;
  readonly end: boolean;
  readonly release: boolean;
  /** Answers of clear_flush_young / clear_young / test_young; undefined: no such callback. */
  readonly young: readonly [boolean | undefined, boolean | undefined, boolean | undefined];
  /** Has `archInvalidateSecondaryTlbs` (6.12 refuses it with a start or an end; 6.1 not). */
  readonly tlbs: boolean;
}

/** A result a side gives for one call: a value, or the thread would sleep there. */
export type Answer = string;
/** The answer of a call that would sleep forever (one thread). */
export const SLEEPS = 'would-sleep';

/** One side of the differential. */
export interface Side {
  readonly log: string[];
  readonly warns: string[];
  register(label: string, spec: NotifierSpec): Promise<Answer>;
  unregister(label: string): Promise<Answer>;
  get(label: string, key: number, spec: NotifierSpec): Promise<Answer>;
  put(label: string): Promise<Answer>;
  synchronize(): Promise<Answer>;
  insert(label: string, start: number, length: number, mode: IntervalMode): Promise<Answer>;
  remove(label: string): Promise<Answer>;
  readBegin(label: string): Promise<Answer>;
  readRetry(label: string, seq: number): Promise<Answer>;
  start(range: MmuNotifierRange): Promise<Answer>;
  end(range: MmuNotifierRange): Promise<Answer>;
  release(): Promise<Answer>;
  young(which: 0 | 1 | 2, start: number, end: number): Promise<Answer>;
  tlbs(start: number, end: number): Promise<Answer>;
  probe(): { readonly seq: number; readonly active: number };
}

/** A range in normal form; the release walk's `[0, ULONG_MAX)` reads `[0, MAX)` on both. */
export function describe(r: MmuNotifierRange): string {
  const end = r.end === ADDRESS_END || r.end === KERNEL_ULONG_MAX ? 'MAX' : r.end.toString(16);
  return `${r.event} [${r.start.toString(16)}, ${end}) ${r.blockable ? 'b' : 'nb'}`;
}

/** A scripted start's answer. */
export function startAnswer(mode: StartMode, range: MmuNotifierRange): number {
  if (mode === 'fail-always' || (mode === 'fail-nonblock' && !range.blockable)) return EAGAIN;
  if (mode === 'fail-enomem' && !range.blockable) return ENOMEM;
  if (mode === 'ret-one') return 1;
  return 0;
}

/** `-ENOMEM`, a start's bad value. */
export const ENOMEM = -12;

/** A scripted invalidate's answer. */
export function intervalAnswer(mode: IntervalMode, range: MmuNotifierRange): boolean {
  return !(mode === 'fail-always' || (mode === 'fail-nonblock' && !range.blockable));
}

/**
 * The WARN class of a real WARN_ON site, by its condition (stable across versions).
 * `fail-in-blockable` is the site `WARN_ON(mmu_notifier_range_blockable(range) || _ret !=
 * -EAGAIN)` (and `mn_itree_invalidate`'s `WARN_ON(mmu_notifier_range_blockable(range))`): a
 * failure in a blockable range, or any value but `-EAGAIN` (the TS core's `bad-return`).
 */
const WARN_CLASSES: Readonly<Record<string, string>> = {
  'mmu_notifier_range_blockable(range) || _ret != -EAGAIN': 'fail-in-blockable',
  'mmu_notifier_range_blockable(range)': 'fail-in-blockable',
  '!ret': 'fail-in-blockable',
  'ops->invalidate_range_end': 'failing-start-with-end',
  'mn_itree_is_invalidating(subscriptions)': 'insert-while-invalidating',
};

/**
 * The real code's diagnostic as a WARN class (unknown sites keep their text), or null for
 * 6.12's `WARN_ON_ONCE` refusing the secondary-TLB callback with start/end: the TS core
 * refuses with an `InvalidArgumentError` instead (bad input is a typed error here), so the
 * refusal is compared by the answer `refused`.
 */
export function realWarnClass(d: KernelDiagnostic): string | null {
  if (d.condition.includes('arch_invalidate_secondary_tlbs &&')) return null;
  return `${d.kind}:${WARN_CLASSES[d.condition] ?? `${d.file}:${d.condition}`}`;
}

/** The answer of a register or get refused (`-EINVAL` there, `InvalidArgumentError` here). */
export const REFUSED = 'refused';

/** Runs a register or get: its answer, or REFUSED for an `InvalidArgumentError`. */
export function refusable(fn: () => Answer): Answer {
  try {
    return fn();
  } catch (error) {
    if (error instanceof InvalidArgumentError) return REFUSED;
    throw error;
  }
}

/** The TS core's diagnostic as a WARN class, or null for its own monitors (no kernel WARN). */
export function tsWarnClass(d: Diagnostic): string | null {
  if (d.kind === 'fail-in-blockable' || d.kind === 'failing-start-with-end')
    return `warn:${d.kind}`;
  // A start's integer other than 0/-EAGAIN: the same WARN_ON(blockable || _ret != -EAGAIN).
  if (d.kind === 'bad-return' && d.message.includes('invalidateRangeStart of'))
    return 'warn:fail-in-blockable';
  if (d.kind === 'active-underflow' && d.message.includes('WARN_ON'))
    return 'warn:insert-while-invalidating';
  return null;
}

/** Logs `text` and returns `value` (a young answer). */
export function said(log: string[], text: string, value: boolean): boolean {
  log.push(text);
  return value;
}
