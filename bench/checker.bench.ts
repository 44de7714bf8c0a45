/**
 * Benchmark 3: the interleaving checker (`check()` from `src/check/`).
 *
 * - `seed-2019` (the full model) and `seed-core` (the core-only seed scenario): the time and
 *   the schedules to the first finding under `legacy-2019`, and for a complete proof under
 *   `current`, with and without partial-order reduction (exhaustive DFS; `minimize: false`,
 *   so the figures are the search plus the one traced replay that confirms a finding);
 * - schedules per second on the three-task lost-update fixture (`test/check/fixtures.ts`),
 *   buggy (to its finding) and fixed (a complete proof without reduction: 270 schedules);
 * - the cost of the lock validator: `seed-2019` proven under `current` with DPOR, lockdep on
 *   (the default, as above) and off;
 * - schedules/s and steps/s on kernel-model scenarios (`checker-model.bench.ts`, in child
 *   processes).
 * Each check runs `warmup` times unmeasured, then `samples` times; we quote the median wall
 * time; schedule counts are deterministic.
 */

import { check } from '../src/check/check.ts';
import type { CheckOptions } from '../src/check/options.ts';
import { seedCoreScenario } from '../src/check/seed-scenario.ts';
import type { CheckResult } from '../src/check/types.ts';
import type { Scenario } from '../src/check/world.ts';
import { seed2019 } from '../src/scenarios/seed.ts';
import { lostUpdate } from '../test/check/fixtures.ts';
import { runCheckerModelBench } from './checker-model.bench.ts';
import { type Effort, type Row, summarize } from './harness.ts';

/** The figures of one measured check. */
interface Measured {
  readonly ms: number;
  readonly spreadPct: number;
  readonly samples: number[];
  readonly last: CheckResult;
}

async function measure(
  scenario: Scenario,
  options: CheckOptions,
  effort: Effort,
): Promise<Measured> {
  const samples: number[] = [];
  let last: CheckResult | undefined;
  for (let i = 0; i < effort.warmup + effort.samples; i++) {
    const t0 = process.hrtime.bigint();
    last = await check(scenario, { minimize: false, ...options });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (i >= effort.warmup) samples.push(ms);
  }
  const { median, spreadPct } = summarize(samples);
  return { ms: median, spreadPct, samples, last: last! };
}

function outcome(r: CheckResult): string {
  if (r.finding !== undefined) return `finding '${r.finding.kind}'`;
  return r.stats.complete
    ? 'complete proof'
    : `no finding, incomplete (${r.stats.stoppedBy ?? '?'})`;
}

function row(workload: string, m: Measured): Row {
  const s = m.last.stats;
  const perSecond = (1000 * s.schedules) / m.ms;
  return {
    bench: 'checker',
    workload,
    subject: 'mmu-notifier',
    unit: 'ms',
    value: m.ms,
    spreadPct: m.spreadPct,
    samples: m.samples,
    note: `${outcome(m.last)}; ${s.schedules} schedules, ${s.steps} steps, ${perSecond.toFixed(0)} schedules/s`,
  };
}

/** Runs the checker benchmark; returns the table rows. */
export async function runCheckerBench(effort: Effort): Promise<Row[]> {
  const rows: Row[] = [];
  for (const scenario of [seed2019, seedCoreScenario]) {
    for (const semantics of ['legacy-2019', 'current'] as const) {
      for (const reduction of [true, false]) {
        const goal = semantics === 'current' ? 'proof' : 'first finding';
        const m = await measure(scenario, { semantics, reduction }, effort);
        const dpor = reduction ? 'DPOR' : 'no reduction';
        rows.push(row(`${scenario.name} ${semantics}: ${goal}, ${dpor}`, m));
      }
    }
  }
  for (const lockdep of [true, false]) {
    // Measured side by side, after the rows above warmed the JIT, so the two compare.
    const m = await measure(seed2019, { semantics: 'current', lockdep }, effort);
    rows.push(row(`${seed2019.name} current: proof, DPOR, lockdep ${lockdep ? 'on' : 'off'}`, m));
  }
  for (const fixed of [false, true]) {
    const scenario = lostUpdate(fixed, 3);
    const m = await measure(scenario, { reduction: false }, effort);
    const r = row(`${scenario.name} (3 tasks), no reduction`, m);
    if (!fixed) {
      rows.push(r); // three schedules to the finding: a per-second figure would mean little
      continue;
    }
    rows.push(r, {
      ...r,
      unit: 'schedules/s',
      value: (1000 * m.last.stats.schedules) / m.ms,
      spreadPct: m.spreadPct,
      samples: m.samples.map((ms) => (1000 * m.last.stats.schedules) / ms),
    });
  }
  rows.push(...runCheckerModelBench(effort));
  return rows;
}
