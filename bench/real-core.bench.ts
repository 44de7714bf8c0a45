/**
 * Benchmark 4: the real kernel code under the checker (issue 13), side by side with the
 * TypeScript core.
 *
 * - `core-races` (preemption bound 1) on the TypeScript core under `linux-<v>` and on the
 *   real compiled code of that version (`core: 'real'`), for each built fiber module: the
 *   wall time of the complete bounded search (ratio real / TypeScript), and schedules/s and
 *   steps/s in the note (the two engines explore different numbers of schedules: the real
 *   code has a point at every lock, SRCU section and wake);
 * - the fiber mechanism alone, on the event loop: a start+end pair on the real 6.12 code
 *   whose start callback returns a resolved Promise (one park: an unwind and a rewind) against
 *   the same pair with a synchronous callback (no park).
 * - every library scenario on each real core against the TypeScript semantics of that
 *   version, schedules/s and steps/s (`real-library.bench.ts`), when asked.
 * Each figure is the median of `samples` after `warmup`; schedule counts are deterministic.
 * @throws Error when no fiber build exists (`run.ts` reports the benchmark as not available).
 */

import { check } from '../src/check/check.ts';
import { FiberKernelCore } from '../src/kernel/fiber/fiber-core.ts';
import { availableKernelModules } from '../src/kernel/module.ts';
import { realCoreRaces } from '../src/scenarios/real-core-races.ts';
import { EventLoopScheduler } from '../src/sched/scheduler.ts';
import { type Effort, type Row, summarize } from './harness.ts';
import { runRealLibraryBench } from './real-library.bench.ts';

async function checkRow(
  version: string,
  core: 'typescript' | 'real',
  effort: Effort,
): Promise<Row> {
  const semantics = version.startsWith('6.1.') ? 'linux-6.1' : 'linux-6.12';
  const samples: number[] = [];
  let schedules = 0;
  let steps = 0;
  for (let i = 0; i < effort.warmup + effort.samples; i++) {
    const t0 = process.hrtime.bigint();
    const r = await check(realCoreRaces(), { semantics, core, preemptionBound: 1 });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (!r.ok || !r.stats.complete) throw new Error(`core-races on ${core} ${version}: not clean`);
    schedules = r.stats.schedules;
    steps = r.stats.steps;
    if (i >= effort.warmup) samples.push(ms);
  }
  const { median, spreadPct } = summarize(samples);
  return {
    bench: 'real-core',
    workload: `core-races bound 1, ${semantics}`,
    subject: core === 'real' ? `real ${version}` : 'typescript',
    unit: 'ms',
    value: median,
    spreadPct,
    samples,
    note: `${schedules} schedules, ${steps} steps; ${((1000 * schedules) / median).toFixed(0)} schedules/s, ${((1000 * steps) / median).toFixed(0)} steps/s`,
  };
}

async function pairRow(series: string, park: boolean, effort: Effort, n: number): Promise<Row> {
  const mm = new FiberKernelCore(series, { scheduler: new EventLoopScheduler() });
  await mm.register({ invalidateRangeStart: park ? () => Promise.resolve(0) : () => 0 });
  const range = { start: 0, end: 0x1000, event: 'unmap', blockable: true } as const;
  const samples: number[] = [];
  for (let i = 0; i < effort.warmup + effort.samples; i++) {
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < n; k++) {
      await mm.invalidateRangeStart(range);
      await mm.invalidateRangeEnd(range);
    }
    const ns = Number(process.hrtime.bigint() - t0) / n;
    if (i >= effort.warmup) samples.push(ns);
  }
  const { median, spreadPct } = summarize(samples);
  return {
    bench: 'real-core',
    workload: `start+end on real ${mm.version}, event loop`,
    subject: park ? 'callback parks' : 'no park',
    unit: 'ns/op',
    value: median,
    spreadPct,
    samples,
    note: `${mm.fibers.switches} parks in ${mm.fibers.started} fibers; ${mm.fibers.slots} slots`,
  };
}

/**
 * Runs the real-core benchmark; returns the table rows. `librarySchedules` > 0 adds a row a
 * library scenario and version ({@link runRealLibraryBench}, bounded at that many schedules).
 */
export async function runRealCoreBench(
  effort: Effort,
  pairs = 20_000,
  librarySchedules = 0,
): Promise<Row[]> {
  const built = availableKernelModules().filter((m) => m.fiberPath !== undefined);
  if (built.length === 0)
    throw new Error('no fiber build of the real kernel (apt-get install binaryen; npm run kernel)');
  const rows: Row[] = [];
  for (const m of built) {
    const ts = await checkRow(m.version, 'typescript', effort);
    const real = await checkRow(m.version, 'real', effort);
    rows.push(ts, { ...real, ratio: real.value / ts.value, baseline: 'typescript' });
  }
  const newest = built[built.length - 1]!.series;
  const still = await pairRow(newest, false, effort, pairs);
  const parked = await pairRow(newest, true, effort, pairs);
  rows.push(still, { ...parked, ratio: parked.value / still.value, baseline: 'no park' });
  if (librarySchedules > 0) rows.push(...(await runRealLibraryBench(librarySchedules)));
  return rows;
}
