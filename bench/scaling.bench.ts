/**
 * Benchmark 5: the parallel checker's scaling (issue 15). `scale-munmap-3-1-1` (munmap of one
 * page while 3 vCPUs, 1 ODP and 1 device fault it in; issue 15 named 2-1-1, which the access
 * kinds of the reduction made a one-second proof, too short to show threads over start-up)
 * proven by complete DFS with the reduction, with 1 worker (the job engine on one thread) and
 * 2 workers (a pool of two threads); the two explore the same schedules
 * (`stats.scheduleDigest`, checked here: the comparison is void otherwise).
 *
 * Two ways of running it, each its own pair of rows and speed-up:
 * - `mmu-notifier` (the command): `mmu-notifier check NAME --workers 1|2 --json` in a child
 *   process, timed by the check's own `elapsedMs` (the pool's start-up included, the
 *   process's not). This is what the target names, `--workers 2`, and it runs with
 *   the command's V8 setting (no allocation-site pretenuring, `bin/mmu-notifier.js`).
 * - `check()` in this process (`workers: 1 | 2`), with Node's default V8 flags, as a program
 *   embedding the library gets them; the pool is started before the first sample and kept.
 *
 * Samples alternate 1, 2, 2, 1, ... so a change of load hits both; we quote the median wall
 * time of each and the speed-up (median over median), and log the load average before and
 * after: on a shared machine the figure means little without it.
 */

import { execFile } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
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

/** What one timed check gives back. */
interface Timed {
  readonly ms: number;
  readonly schedules: number;
  readonly digest: string | undefined;
}

/** A way of running the check: in this process, or the command in a child process. */
interface Runner {
  readonly subject: string;
  readonly setup: () => Promise<void>;
  readonly run: (name: string, workers: 1 | 2) => Promise<Timed>;
  readonly teardown: () => Promise<void>;
}

const CLI = fileURLToPath(new URL('../bin/mmu-notifier.js', import.meta.url));
const run = promisify(execFile);

/** `mmu-notifier check NAME --workers W --json` in a child process, timed by its elapsedMs. */
const command: Runner = {
  subject: 'mmu-notifier (the command)',
  setup: async () => {},
  run: async (name, workers) => {
    const args = [CLI, 'check', name, '--workers', String(workers), '--json', '--no-progress'];
    const { stdout } = await run(process.execPath, [...args, '--time-limit', '1h'], {
      maxBuffer: 1 << 24,
    });
    const r = JSON.parse(stdout) as {
      ok: boolean;
      stats: { elapsedMs: number; schedules: number; complete: boolean; scheduleDigest?: string };
    };
    if (!r.ok || !r.stats.complete) throw new Error(`${name}: not proven by the command`);
    return { ms: r.stats.elapsedMs, schedules: r.stats.schedules, digest: r.stats.scheduleDigest };
  },
  teardown: async () => {},
};

/** `check()` in this process (V8 defaults), on the shared pool of two threads. */
const inProcess: Runner = {
  subject: 'mmu-notifier (check() in-process, V8 defaults)',
  setup: async () => {
    await JobPool.shared(2);
  },
  run: async (name, workers) => {
    const entry = findScenario(name);
    if (entry === undefined) throw new Error(`no scenario '${name}'`);
    const t0 = process.hrtime.bigint();
    const r: CheckResult = await check(entry.scenario, {
      workers,
      minimize: false,
      timeLimitMs: 3_600_000,
    });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (!r.ok || !r.stats.complete) throw new Error(`${name}: not proven`);
    return { ms, schedules: r.stats.schedules, digest: r.stats.scheduleDigest };
  },
  teardown: () => JobPool.closeShared(),
};

/** The rows of one runner: two timings and the speed-up. */
async function measure(effort: Effort, name: string, runner: Runner): Promise<Row[]> {
  const samples: Record<1 | 2, number[]> = { 1: [], 2: [] };
  const last: Partial<Record<1 | 2, Timed>> = {};
  const loadBefore = load();
  await runner.setup();
  const order: (1 | 2)[] = [];
  for (let i = 0; i < effort.warmup + effort.samples; i++)
    order.push(...((i % 2 === 0 ? [1, 2] : [2, 1]) as (1 | 2)[]));
  try {
    for (let i = 0; i < order.length; i++) {
      const workers = order[i]!;
      const timed = await runner.run(name, workers);
      last[workers] = timed;
      if (i >= 2 * effort.warmup) samples[workers].push(timed.ms);
    }
  } finally {
    await runner.teardown();
  }
  const [one, two] = [last[1]!, last[2]!];
  if (one.digest !== two.digest)
    throw new Error(`${name}: 1 and 2 workers explored different schedules (${runner.subject})`);
  const loadAfter = load();
  const rows: Row[] = [];
  const medians: number[] = [];
  for (const workers of [1, 2] as const) {
    const { median, spreadPct } = summarize(samples[workers]);
    medians.push(median);
    const s = last[workers]!;
    rows.push({
      bench: 'scaling',
      workload: `${name}: proof, DPOR, workers ${workers}`,
      subject: runner.subject,
      unit: 'ms',
      value: median,
      spreadPct,
      samples: samples[workers],
      note: `${s.schedules} schedules (probes included), digest ${s.digest}, ${((1000 * s.schedules) / median).toFixed(0)} schedules/s`,
    });
  }
  rows.push({
    bench: 'scaling',
    workload: `${name}: speed-up, 2 workers over 1`,
    subject: runner.subject,
    unit: 'x',
    value: medians[0]! / medians[1]!,
    note: `load average before ${loadBefore}, after ${loadAfter}`,
  });
  return rows;
}

/**
 * Runs the scaling benchmark; returns its rows: for the command, then for `check()` in this
 * process, two timings and the speed-up. `name`: a clean scenario other than
 * {@link SCALING_SCENARIO} (the smoke test's small one).
 */
export async function runScalingBench(
  effort: Effort,
  name: string = SCALING_SCENARIO,
): Promise<Row[]> {
  if (findScenario(name) === undefined) throw new Error(`no scenario '${name}'`);
  return [...(await measure(effort, name, command)), ...(await measure(effort, name, inProcess))];
}
