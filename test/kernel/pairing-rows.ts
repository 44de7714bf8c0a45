/**
 * The rows of docs/semantics.md that explain a step where `current` (ours: exact pairing)
 * and the real kernel differ. `current` keeps pairing where the kernel's code relies on a
 * rule instead; each difference must be one of these rows, marked as ours there:
 *
 * | row (docs/semantics.md)  | what the real code does at that step, and `current` does not |
 * |--------------------------|----------------------------------------------------------------|
 * | `failing-start-with-end` | a notifier whose start failed gets an end from the unwind     |
 * | `nonblock-failure-ends`  | a notifier that never started (no start op) gets an end from the unwind of a failed non-blockable start |
 * | `blockable-failure`      | a failed blockable start unwinds: every notifier with an end gets one already in the start |
 * | `itree-on-list-failure`  | (6.1 only) the interval part stays active after a failed non-blockable start |
 * | `blockable-failure`      | (at the caller's end) the notifier whose blockable start failed gets an end again |
 * | `register-in-flight`     | (at the end) a notifier registered while the range was open gets its end |
 * | `secondary-tlb-exclusive` | (at a register or get) 6.12.118 calls `free_notifier` before refusing; 6.1.192 accepts |
 * | `first-interval-in-flight` | (at the first insert) the open ranges are not counted: `active_invalidate_ranges` stays 0 |
 *
 * The ends a range owes under the kernel's rules only are kept by `ledger.ts`.
 */

import type { StepInfo } from './commands.ts';
import type { Observation } from './differential.ts';
import type { Ledger } from './ledger.ts';
import { REFUSED } from './sides.ts';
import type { DifferenceClass } from './versions.ts';

/** `a` minus `b`, as multisets of lines. */
function minus(a: readonly string[], b: readonly string[]): string[] {
  const rest = [...b];
  const out: string[] = [];
  for (const x of a) {
    const i = rest.indexOf(x);
    if (i >= 0) rest.splice(i, 1);
    else out.push(x);
  }
  return out;
}

/** The subscriber a callback line names (`end n3 unmap [...]` -> `n3`). */
function who(line: string): string {
  return line.split(' ')[1] ?? '';
}

function listRows(text: string, ts: Observation, extra: readonly string[]): DifferenceClass[] {
  if (!text.endsWith(' nb')) return ['blockable-failure'];
  const started = new Set(ts.calls.filter((c) => c.startsWith('start ')).map(who));
  const rows = new Set<DifferenceClass>();
  for (const line of extra) {
    rows.add(started.has(who(line)) ? 'failing-start-with-end' : 'nonblock-failure-ends');
  }
  return [...rows];
}

/**
 * The rows explaining a step's difference between `current` and the real code, or [] when
 * something is left unexplained.
 */
export function pairingRows(
  info: StepInfo,
  text: string,
  ts: Observation,
  real: Observation,
  ledger: Ledger,
): DifferenceClass[] {
  if (info.kind === 'end') return endRows(ts, real, ledger.owedBy(info.range));
  if (info.kind === 'insert') return info.firstWhileOpen ? firstIntervalRows(ts, real) : [];
  if (info.kind === 'register' || info.kind === 'get') return refusalRows(ts, real);
  return startRows(text, ts, real);
}

/** Everything but the callbacks agrees. */
function sameSurface(ts: Observation, real: Observation): boolean {
  return (
    ts.answer === real.answer &&
    ts.seq === real.seq &&
    ts.active === real.active &&
    JSON.stringify(ts.warns) === JSON.stringify(real.warns)
  );
}

/** An end: the real code's extra ends are exactly owed ones (`ledger.ts`). */
function endRows(
  ts: Observation,
  real: Observation,
  owed: ReadonlyMap<string, DifferenceClass>,
): DifferenceClass[] {
  if (!sameSurface(ts, real) || minus(ts.calls, real.calls).length > 0) return [];
  const rows = new Set<DifferenceClass>();
  for (const line of minus(real.calls, ts.calls)) {
    const why = line.startsWith('end ') ? owed.get(who(line)) : undefined;
    if (why === undefined) return [];
    rows.add(why);
  }
  return [...rows];
}

/**
 * The secondary-TLB callback with a start or an end: `current` refuses it before anything
 * (`get`: before `allocNotifier`); 6.12.118 allocates, then frees (`free_notifier`) and
 * refuses; 6.1.192 accepts it.
 */
function refusalRows(ts: Observation, real: Observation): DifferenceClass[] {
  if (ts.answer !== REFUSED || ts.calls.length > 0) return [];
  if (JSON.stringify(ts.warns) !== JSON.stringify(real.warns)) return [];
  const freedOnly = real.calls.every((c) => c.startsWith('free '));
  return real.answer !== REFUSED || freedOnly ? ['secondary-tlb-exclusive'] : [];
}

/** The first insert while ranges are open: `current` counts them now, the kernel never. */
function firstIntervalRows(ts: Observation, real: Observation): DifferenceClass[] {
  const rest = ts.answer === real.answer && JSON.stringify(ts.calls) === JSON.stringify(real.calls);
  if (!rest || JSON.stringify(ts.warns) !== JSON.stringify(real.warns)) return [];
  return real.active === 0 && ts.active > 0 ? ['first-interval-in-flight'] : [];
}

/** A start: the unwind's ends, and (6.1) the interval part left active. */
function startRows(text: string, ts: Observation, real: Observation): DifferenceClass[] {
  if (!text.startsWith('start ') || ts.answer !== real.answer) return [];
  if (JSON.stringify(ts.warns) !== JSON.stringify(real.warns)) return [];
  const extra = minus(real.calls, ts.calls);
  if (minus(ts.calls, real.calls).length > 0 || !extra.every((c) => c.startsWith('end ')))
    return [];
  const rows = extra.length > 0 ? listRows(text, ts, extra) : [];
  const itreeSame = ts.active === real.active && ts.seq === real.seq;
  if (!itreeSame) {
    const leaked =
      real.active === ts.active + 1 && (real.seq === ts.seq || real.seq + 1 === ts.seq);
    if (!leaked || !text.endsWith(' nb') || ts.answer === '0') return [];
    rows.push('itree-on-list-failure');
  }
  return rows;
}
