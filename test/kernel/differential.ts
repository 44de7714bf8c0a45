/**
 * The differential runner: one command sequence on a TS semantics and on a real kernel
 * version, compared after every step (the step's answer, the callbacks it caused with their
 * arguments in order, the WARN classes, `invalidate_seq` and `active_invalidate_ranges`).
 * The first disagreement ends the run; the classifier names the known classes.
 */

import { EAGAIN, type MmuNotifierRange, type Semantics } from '../../src/core/range.ts';
import { CallerModel, type Cmd, resolve, type Step } from './commands.ts';
import { Ledger } from './ledger.ts';
import { pairingRows } from './pairing-rows.ts';
import { RealSide } from './real-side.ts';
import { type Side, SLEEPS } from './sides.ts';
import { TsSide } from './ts-side.ts';
import type { DifferenceClass } from './versions.ts';

/** What one side showed after one step. */
export interface Observation {
  readonly answer: string;
  readonly calls: readonly string[];
  readonly warns: readonly string[];
  readonly seq: number;
  readonly active: number;
}

/** The first disagreement of a run. */
export interface Disagreement {
  readonly index: number;
  readonly steps: readonly string[];
  readonly ts: Observation;
  readonly real: Observation;
  readonly kind: DifferenceClass | 'unknown';
  /** Every class that explains the step (several rows may; [] when unknown). */
  readonly rows: readonly DifferenceClass[];
}

/** What an agreed step exercised; the test demands each is reached (see FEATURES). */
export type Feature =
  | 'would-sleep'
  | 'warn'
  | 'deferred'
  | 'nested'
  | 'eagain'
  | 'release'
  | 'retry-true'
  | 'free'
  | 'register-in-flight'
  | 'first-insert-in-flight'
  | 'release-while-open'
  | 'end-out-of-order'
  | 'bad-value'
  | 'past-difference';

/** Every {@link Feature} but `past-difference` (which only `current` can reach). */
export const FEATURES: readonly Feature[] = [
  'would-sleep',
  'warn',
  'deferred',
  'nested',
  'eagain',
  'release',
  'retry-true',
  'free',
  'register-in-flight',
  'first-insert-in-flight',
  'release-while-open',
  'end-out-of-order',
  'bad-value',
];

function featuresOf(
  step: Step,
  o: Observation,
  deferred: number,
  open: readonly MmuNotifierRange[],
): Feature[] {
  const { text, info } = step;
  const f: Feature[] = [];
  if (o.answer === SLEEPS) f.push('would-sleep');
  if (o.warns.length > 0) f.push('warn');
  if (deferred > 0) f.push('deferred');
  if (open.length >= 2 || (info.kind === 'start' && open.length >= 1)) f.push('nested');
  if (o.answer === String(EAGAIN)) f.push('eagain');
  if (text === 'release') f.push(open.length > 0 ? 'release-while-open' : 'release');
  if (text.startsWith('readRetry') && o.answer === 'true') f.push('retry-true');
  if (o.calls.some((c) => c.startsWith('free '))) f.push('free');
  if ((info.kind === 'register' || info.kind === 'get') && open.length > 0)
    f.push('register-in-flight');
  if (info.kind === 'insert' && info.firstWhileOpen) f.push('first-insert-in-flight');
  if (info.kind === 'end' && info.range !== open[open.length - 1]) f.push('end-out-of-order');
  if (
    info.kind === 'start' &&
    /^-?\d+$/.test(o.answer) &&
    !['0', String(EAGAIN)].includes(o.answer)
  )
    f.push('bad-value');
  return f;
}

export interface RunResult {
  /** The features the agreed steps exercised. */
  readonly features: ReadonlySet<Feature>;
  /** The real module's exact version. */
  readonly version: string;
  readonly steps: number;
  /** The classified differences the run went on past (`current` only, in practice). */
  readonly differences: readonly Disagreement[];
  /** The difference that ended the run, or null when it ran to its end. */
  readonly disagreement: Disagreement | null;
}

async function observe(side: Side, run: (s: Side) => Promise<string>): Promise<Observation> {
  const calls0 = side.log.length;
  const warns0 = side.warns.length;
  const answer = await run(side);
  const p = side.probe();
  return {
    answer,
    calls: side.log.slice(calls0),
    warns: side.warns.slice(warns0).sort(),
    seq: p.seq >>> 0,
    active: p.active >>> 0,
  };
}

function same(a: Observation, b: Observation): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The classes that explain a step's difference ([] when none does): the version differences
 * between the kernels, and for `current` the rows of docs/semantics.md (`pairing-rows.ts`).
 * 6.1's `invalidate_range` calls at an end are taken out first, so that an end may show
 * them together with an owed end of `current`'s rows.
 */
function classify(
  semantics: Semantics,
  step: Step,
  ts: Observation,
  real: Observation,
  ledger: Ledger,
): DifferenceClass[] {
  const rows: DifferenceClass[] = [];
  let r = real;
  if (isTlbsAtEnd(step.text, ts, real)) {
    rows.push('secondary-tlb-at-end');
    r = { ...real, calls: real.calls.filter((c) => !c.startsWith('tlbs ')) };
    if (same(ts, r)) return rows;
  }
  const more =
    semantics === 'current'
      ? pairingRows(step.info, step.text, ts, r, ledger)
      : isItreeEndFix(step.text, ts, r)
        ? (['itree-on-list-failure'] as DifferenceClass[])
        : [];
  return more.length === 0 ? [] : [...rows, ...more];
}

/**
 * The stable fix in 6.12.118: a non-blockable start whose list part failed also ends the
 * interval part (`mn_itree_inv_end`): same answer, calls and WARNs; one active range fewer;
 * the seq made even if that was the last one.
 */
function isItreeEndFix(text: string, ts: Observation, real: Observation): boolean {
  const sameSurface =
    ts.answer === real.answer &&
    JSON.stringify(ts.calls) === JSON.stringify(real.calls) &&
    JSON.stringify(ts.warns) === JSON.stringify(real.warns);
  return (
    text.startsWith('start ') &&
    text.endsWith(' nb') &&
    ts.answer !== '0' &&
    sameSurface &&
    real.active === (ts.active - 1) >>> 0 &&
    (real.seq === ts.seq || real.seq === ts.seq + 1)
  );
}

/**
 * 6.1's `mn_hlist_invalidate_end` also calls `invalidate_range` (registered here for
 * `archInvalidateSecondaryTlbs`) of every notifier at every range end (`only_end` false);
 * since v6.6 `arch_invalidate_secondary_tlbs` is called from the TLB flush only.
 */
function isTlbsAtEnd(text: string, ts: Observation, real: Observation): boolean {
  if (!text.startsWith('end ')) return false;
  const tlbs = (c: string) => c.startsWith('tlbs ');
  return real.calls.some(tlbs) && !ts.calls.some(tlbs);
}

/**
 * Runs `cmds` on `semantics` and on the real `series`, step by step. A classified
 * difference that leaves the answer, `invalidate_seq` and `active_invalidate_ranges` equal
 * is recorded and the run goes on (the sides differ only in who got which callback); any
 * other difference ends it.
 */
export async function runDifferential(
  semantics: Semantics,
  series: string,
  cmds: readonly Cmd[],
): Promise<RunResult> {
  const model = new CallerModel();
  const ledger = new Ledger();
  const ts = new TsSide(semantics);
  const real = new RealSide(series);
  const texts: string[] = [];
  const features = new Set<Feature>();
  const differences: Disagreement[] = [];
  const result = (disagreement: Disagreement | null): RunResult => ({
    features,
    version: real.core.version,
    steps: texts.length,
    differences,
    disagreement,
  });
  for (const cmd of cmds) {
    const step = resolve(model, cmd);
    if (step.text === '-') continue;
    texts.push(step.text);
    const a = await observe(ts, step.run);
    const b = await observe(real, step.run);
    if (!same(a, b)) {
      const rows = classify(semantics, step, a, b, ledger);
      const kind = rows[0] ?? 'unknown';
      const d: Disagreement = {
        index: texts.length - 1,
        steps: [...texts],
        ts: a,
        real: b,
        kind,
        rows,
      };
      const goOn =
        rows.length > 0 && a.answer === b.answer && a.seq === b.seq && a.active === b.active;
      if (!goOn) return result(d);
      differences.push(d);
      features.add('past-difference');
    }
    const open = [...model.open];
    step.after(a.answer);
    ledger.note(step.info, a.answer, a.calls, open);
    for (const f of featuresOf(step, a, real.core.deferredCount, open)) features.add(f);
  }
  return result(null);
}

/** A disagreement as text, for failure messages and the run's report. */
export function describeDisagreement(
  d: Disagreement,
  semantics: Semantics,
  version: string,
): string {
  const lines = [`${semantics} vs real ${version}: ${d.kind} at step ${d.index}`];
  for (const [i, s] of d.steps.entries()) lines.push(`  ${i === d.index ? '>>' : '  '} ${s}`);
  lines.push(`  ${semantics}: ${JSON.stringify(d.ts)}`);
  lines.push(`  real ${version}: ${JSON.stringify(d.real)}`);
  return lines.join('\n');
}
