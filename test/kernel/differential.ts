/**
 * The differential runner: one command sequence on a TS semantics and on a real kernel
 * version, compared after every step (the step's answer, the callbacks it caused with their
 * arguments in order, the WARN classes, `invalidate_seq` and `active_invalidate_ranges`).
 * The first disagreement ends the run; the classifier names the known classes.
 */

import { EAGAIN, type Semantics } from '../../src/core/range.ts';
import { CallerModel, type Cmd, resolve } from './commands.ts';
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

/** The result of one run. */
/** What an agreed step exercised; the test demands each is reached (see FEATURES). */
export type Feature =
  | 'would-sleep'
  | 'warn'
  | 'deferred'
  | 'nested'
  | 'eagain'
  | 'release'
  | 'retry-true'
  | 'free';

/** Every {@link Feature}. */
export const FEATURES: readonly Feature[] = [
  'would-sleep',
  'warn',
  'deferred',
  'nested',
  'eagain',
  'release',
  'retry-true',
  'free',
];

function featuresOf(text: string, o: Observation, deferred: number, open: number): Feature[] {
  const f: Feature[] = [];
  if (o.answer === SLEEPS) f.push('would-sleep');
  if (o.warns.length > 0) f.push('warn');
  if (deferred > 0) f.push('deferred');
  if (open >= 2) f.push('nested');
  if (o.answer === String(EAGAIN)) f.push('eagain');
  if (text === 'release') f.push('release');
  if (text.startsWith('readRetry') && o.answer === 'true') f.push('retry-true');
  if (o.calls.some((c) => c.startsWith('free '))) f.push('free');
  return f;
}

export interface RunResult {
  /** The features the agreed steps exercised. */
  readonly features: ReadonlySet<Feature>;
  /** The real module's exact version. */
  readonly version: string;
  readonly steps: number;
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
 * of `kernel`, or for `current` the rows of docs/semantics.md (`pairing-rows.ts`).
 */
function classify(
  semantics: Semantics,
  text: string,
  ts: Observation,
  real: Observation,
): DifferenceClass[] {
  if (isTlbsAtEnd(text, ts, real)) return ['secondary-tlbs-at-end'];
  if (semantics === 'current') return pairingRows(text, ts, real);
  return isItreeEndFix(text, ts, real) ? ['nonblock-list-failure-ends-itree'] : [];
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
  const extra = real.calls.filter((c) => c.startsWith('tlbs '));
  const rest = real.calls.filter((c) => !c.startsWith('tlbs '));
  const { calls: _a, ...tsRest } = ts;
  const { calls: _b, ...realRest } = real;
  return (
    extra.length > 0 &&
    JSON.stringify(rest) === JSON.stringify(ts.calls) &&
    same(tsRest as Observation, realRest as Observation)
  );
}

/** Runs `cmds` on `semantics` and on the real `series`, step by step. */
export async function runDifferential(
  semantics: Semantics,
  series: string,
  cmds: readonly Cmd[],
): Promise<RunResult> {
  const model = new CallerModel();
  const ts = new TsSide(semantics);
  const real = new RealSide(series);
  const texts: string[] = [];
  const features = new Set<Feature>();
  for (const cmd of cmds) {
    const step = resolve(model, cmd);
    if (step.text === '-') continue;
    texts.push(step.text);
    const a = await observe(ts, step.run);
    const b = await observe(real, step.run);
    if (!same(a, b)) {
      const rows = classify(semantics, step.text, a, b);
      const kind = rows[0] ?? 'unknown';
      return {
        features,
        version: real.core.version,
        steps: texts.length,
        disagreement: { index: texts.length - 1, steps: texts, ts: a, real: b, kind, rows },
      };
    }
    step.after(a.answer);
    for (const f of featuresOf(step.text, a, real.core.deferredCount, model.open.length)) {
      features.add(f);
    }
  }
  return { features, version: real.core.version, steps: texts.length, disagreement: null };
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
