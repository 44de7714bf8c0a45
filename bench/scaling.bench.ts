/**
 * Benchmark 5: the parallel checker's scaling (issue 15). `scale-munmap-3-1-1` (munmap of one
 * page while 3 vCPUs, 1 ODP and 1 device fault it in; issue 15 named 2-1-1, which the access
 * kinds of the reduction made a one-second proof, too short to show threads over start-up) proven by complete DFS with the
 * reduction, with `workers: 1` (the job engine on the calling thread) and `workers: 2` (a
 * pool of two threads); the two explore the same schedules (`stats.scheduleDigest`, checked
 * here: the comparison is void otherwise). Samples alternate 1, 2, 2, 1, ... so a change of
 * load hits both; the pool is started before the first sample (it is kept between checks).
 * We quote the median wall time of each and the speed-up (median over median), and log the
 * load average before and after: on a shared machine the figure means little without it.
 */

import { loadavg } from 'node:os';
import { check } from '../src/check/check.ts';
import { JobPool } from '../src/check/parallel/pool.ts';
import type { CheckResult } from '../src/check/types.ts';
import { findScenario } from '../src/scenarios/index.ts';
import { type Effort, type Row, summarize } from './harness.ts';

/** The scenario of the scaling row. */
export const SCALING_SCENARIO = 'scale-munmap-3-1-1';

function load(): string {
  return loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
}

/**
 * Runs the scaling benchmark; returns its rows (two timings and the speed-up). `name`: a
 * clean scenario other than {@link SCALING_SCENARIO} (the smoke test's small one).
 */
export async function runScalingBench(
  effort: Effort,
  name: string = SCALING_SCENARIO,
): Promise<Row[]> {
  const entry = findScenario(name);
  if (entry === undefined) throw new Error(`no scenario '${name}'`);
  const samples: Record<1 | 2, number[]> = { 1: [], 2: [] };
  const last: Partial<Record<1 | 2, CheckResult>> = {};
  const loadBefore = load();
  await JobPool.shared(2);
  const order: (1 | 2)[] = [];
  for (let i = 0; i < effort.warmup + effort.samples; i++)
    order.push(...((i % 2 === 0 ? [1, 2] : [2, 1]) as (1 | 2)[]));
  for (let i = 0; i < order.length; i++) {
    const workers = order[i]!;
    const t0 = process.hrtime.bigint();
    const r = await check(entry.scenario, { workers, minimize: false, timeLimitMs: 3_600_000 });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (!r.ok || !r.stats.complete) throw new Error(`${name}: not proven`);
    last[workers] = r;
    if (i >= 2 * effort.warmup) samples[workers].push(ms);
  }
  await JobPool.closeShared();
  const [one, two] = [last[1]!, last[2]!];
  if (one.stats.scheduleDigest !== two.stats.scheduleDigest)
    throw new Error(`${name}: 1 and 2 workers explored different schedules`);
  const loadAfter = load();
  const rows: Row[] = [];
  const medians: number[] = [];
  for (const workers of [1, 2] as const) {
    const { median, spreadPct } = summarize(samples[workers]);
    medians.push(median);
    const s = last[workers]!.stats;
    rows.push({
      bench: 'scaling',
      workload: `${name}: proof, DPOR, workers ${workers}`,
      subject: 'mmu-notifier',
      unit: 'ms',
      value: median,
      spreadPct,
      samples: samples[workers],
      note: `${s.schedules} schedules (probes included), digest ${s.scheduleDigest}, ${((1000 * s.schedules) / median).toFixed(0)} schedules/s`,
    });
  }
  rows.push({
    bench: 'scaling',
    workload: `${name}: speed-up, 2 workers over 1`,
    subject: 'mmu-notifier',
    unit: 'x',
    value: medians[0]! / medians[1]!,
    note: `load average before ${loadBefore}, after ${loadAfter}`,
  });
  return rows;
}
