/**
 * Benchmark 4b: every library scenario on the real compiled `mm/mmu_notifier.c` against the
 * TypeScript semantics of the same version (issue 13): schedules/s and steps/s of each.
 *
 * For each built fiber module (6.1.192, 6.12.118) and each library scenario that has an
 * address space to put on a core (not `NO_CORE`, not `n/a` on the real code): one bounded
 * run on each engine (`maxSchedules` = the budget; a search that ends sooner counts what it
 * ran) with the library defaults and that version's semantics, as
 * `mmu-notifier check <name> --semantics linux-<v>` and `--core linux-<v>` run it. Two rows a
 * scenario and version: the TypeScript core's schedules/s, then the real core's with its
 * ratio to it; steps/s in each note. Each rate follows a warm-up run and sums runs until the budget's
 * schedules or 200 ms: a throughput comparison, not a latency figure.
 */

import { NO_CORE } from '../scripts/matrix.ts';
import { check } from '../src/check/check.ts';
import { ScenarioSetupError } from '../src/errors.ts';
import { availableKernelModules } from '../src/kernel/module.ts';
import { type ScenarioEntry, scenarioLibrary } from '../src/scenarios/index.ts';
import type { Row } from './harness.ts';

interface Rate {
  readonly schedules: number;
  readonly steps: number;
  readonly ms: number;
}

async function once(
  entry: ScenarioEntry,
  semantics: 'linux-6.1' | 'linux-6.12',
  core: 'typescript' | 'real',
  budget: number,
): Promise<Rate | undefined> {
  const t0 = process.hrtime.bigint();
  try {
    const r = await check(entry.scenario, {
      ...entry.defaults,
      semantics,
      core,
      maxSchedules: budget,
      timeLimitMs: 60_000,
    });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    return { schedules: r.stats.schedules, steps: r.stats.steps, ms };
  } catch (error) {
    // What the real code does not have (two-pass callbacks): no row.
    if (error instanceof ScenarioSetupError && /not in the real/.test(error.message))
      return undefined;
    throw error;
  }
}

/**
 * One warm-up run thrown away, then runs summed until `budget` schedules or
 * {@link MIN_MS} (a search shorter than the budget is repeated: a steady rate).
 */
async function rate(
  entry: ScenarioEntry,
  semantics: 'linux-6.1' | 'linux-6.12',
  core: 'typescript' | 'real',
  budget: number,
): Promise<Rate | undefined> {
  if ((await once(entry, semantics, core, budget)) === undefined) return undefined;
  let sum: Rate = { schedules: 0, steps: 0, ms: 0 };
  do {
    const r = (await once(entry, semantics, core, budget))!;
    sum = { schedules: sum.schedules + r.schedules, steps: sum.steps + r.steps, ms: sum.ms + r.ms };
  } while (sum.schedules < budget && sum.ms < MIN_MS);
  return sum;
}

/** The least time a rate is measured over. */
const MIN_MS = 200;

const perS = (n: number, ms: number): number => (1000 * n) / Math.max(ms, 1e-3);

/**
 * Runs the library (or the scenarios named in `only`) on each real core and its TypeScript
 * semantics; returns the rows.
 */
export async function runRealLibraryBench(
  budget: number,
  only?: readonly string[],
): Promise<Row[]> {
  const built = availableKernelModules().filter((m) => m.fiberPath !== undefined);
  const rows: Row[] = [];
  for (const m of built) {
    const semantics = m.series === '6.1' ? 'linux-6.1' : 'linux-6.12';
    for (const entry of scenarioLibrary) {
      const name = entry.scenario.name;
      if (NO_CORE[name] !== undefined || (only !== undefined && !only.includes(name))) continue;
      const real = await rate(entry, semantics, 'real', budget);
      if (real === undefined) continue;
      const ts = await rate(entry, semantics, 'typescript', budget);
      if (ts === undefined) throw new Error(`${name}: the TypeScript core refused it`);
      const realRate = perS(real.schedules, real.ms);
      const tsRate = perS(ts.schedules, ts.ms);
      const workload = `${name}, ${semantics}, ≤ ${budget} schedules`;
      const baseline = `typescript ${semantics}`;
      rows.push(
        {
          bench: 'real-library',
          workload,
          subject: baseline,
          unit: 'schedules/s',
          value: tsRate,
          note: `${ts.schedules} sch, ${perS(ts.steps, ts.ms).toFixed(0)} steps/s`,
        },
        {
          bench: 'real-library',
          workload,
          subject: `real ${m.version}`,
          unit: 'schedules/s',
          value: realRate,
          ratio: realRate / tsRate,
          baseline,
          note: `${real.schedules} sch, ${perS(real.steps, real.ms).toFixed(0)} steps/s`,
        },
      );
    }
  }
  return rows;
}
