/**
 * Benchmark 5: what a distributed check costs over a single-process one (issue 15 part 2).
 *
 * One library scenario (`everyday-madvise-dontneed` under `current`: a complete proof of about
 * 6,600 schedules since the access kinds, some 40 jobs) checked three ways, interleaved round
 * by round (the order rotating each round):
 *
 * - `check()`: one thread, one DFS;
 * - `jobs, in-process`: `check({ workers: 1 })`, the same parallel search (rounds of subtree
 *   jobs) with each job run on this thread: the decomposition into jobs, no queue;
 * - `queue, 1 worker`: `checkOnQueue` (the coordinator of `check --queue`) over a throw-away
 *   loopback `redis-server` and one bullmq worker running the same jobs, both in this
 *   process (no second core: the difference is the queue's cost, not parallelism).
 *
 * The overhead per job is (queue - jobs in-process) / jobs: the enqueue, the lock, the job
 * and its result through Redis, the executor's bookkeeping (`run-store.ts`) and the wake-up
 * of the coordinator. Each queue sample is a new run id (a reused id would print its stored
 * verdict). The jobs' two schedule digests must agree (the one-thread DFS may pick a node's
 * choices in another order, hence run another set: same verdict, not always the same set).
 * @throws Error when there is no `redis-server` (`run.ts` reports the benchmark as not available).
 */

import type { Redis } from 'ioredis';
import { check } from '../src/check/check.ts';
import type { CheckOptions } from '../src/check/options.ts';
import type { CheckResult } from '../src/check/types.ts';
import { checkOnQueue, loadRunner, PACKAGE_VERSION } from '../src/queue/checker.ts';
import { connectRedis } from '../src/queue/connection.ts';
import { QueueExecutor } from '../src/queue/executor.ts';
import type { JobRunner } from '../src/queue/jobs.ts';
import { LAYOUT_VERSION, type RunMeta } from '../src/queue/layout.ts';
import { RunStore } from '../src/queue/run-store.ts';
import type { QueueAddress } from '../src/queue/url.ts';
import { parseQueueUrl } from '../src/queue/url.ts';
import { startQueueWorker } from '../src/queue/worker.ts';
import { findScenario } from '../src/scenarios/index.ts';
import { skipWithoutRedis, startRedis } from '../test/queue/redis-server.ts';
import { type Effort, type Row, summarize } from './harness.ts';

const SCENARIO = 'everyday-madvise-dontneed';

/** The scenario name of the engine's trivial jobs (a job's result is the job). */
const NOOP = 'noop';
const ENGINE_SEQUENTIAL = 100;
const ENGINE_BATCH = 1_000;

const SUBJECTS = ['single', 'local', 'queue'] as const;
type Subject = (typeof SUBJECTS)[number];

/** Runs the queue benchmark; returns the table rows. */
export async function runQueueBench(effort: Effort): Promise<Row[]> {
  const missing = skipWithoutRedis();
  if (missing !== false) throw new Error(missing);
  const entry = findScenario(SCENARIO);
  if (entry === undefined) throw new Error(`no library scenario '${SCENARIO}'`);
  const options = { ...(entry.defaults ?? {}), minimize: false } as CheckOptions;
  const server = await startRedis();
  const address = parseQueueUrl(server.url);
  const redis = await connectRedis(address);
  const load = (meta: RunMeta): Promise<JobRunner> =>
    meta.scenario === NOOP ? Promise.resolve(async (job) => job) : loadRunner(meta);
  const worker = await startQueueWorker({ address, redis, load, log: () => {} });
  const meta: RunMeta = {
    layout: LAYOUT_VERSION,
    version: PACKAGE_VERSION,
    scenario: SCENARIO,
    name: SCENARIO,
    source: { library: SCENARIO },
    options: { ...options },
  };
  const times: Record<Subject, number[]> = { single: [], local: [], queue: [] };
  const digests = new Set<string | undefined>();
  let jobs = 0;
  let schedules = 0;
  const subjects: Readonly<Record<Subject, (round: number) => Promise<CheckResult>>> = {
    single: () => check(entry.scenario, options),
    local: () => check(entry.scenario, { ...options, workers: 1 }),
    queue: async (round) => {
      const runId = `bench-${Date.now().toString(36)}-${round}`;
      const request = { address, redis, runId, scenario: entry.scenario, meta, options };
      const outcome = await checkOnQueue(request);
      jobs = outcome.stats['jobs'] ?? 0;
      return outcome.result;
    },
  };
  let engine: Row[] = [];
  try {
    engine = await engineRows(address, redis);
    for (let i = 0; i < effort.warmup + effort.samples; i++) {
      for (let k = 0; k < SUBJECTS.length; k++) {
        const name = SUBJECTS[(i + k) % SUBJECTS.length]!;
        const t0 = performance.now();
        const result = await subjects[name](i);
        const ms = performance.now() - t0;
        if (name !== 'single') digests.add(result.stats.scheduleDigest);
        if (digests.size > 1) throw new Error(`schedule digests differ: ${[...digests]}`);
        if (!result.ok) throw new Error(`${SCENARIO}: a finding, expected a proof`);
        if (name === 'single') schedules = result.stats.schedules;
        if (i >= effort.warmup) times[name].push(ms);
      }
    }
  } finally {
    await worker.close();
    redis.disconnect();
    await server.stop();
  }
  const workload = `${SCENARIO} current: proof, DFS (${schedules} schedules, ${jobs} jobs)`;
  const base = { bench: 'queue', workload, unit: 'ms' };
  const row = (name: Subject, subject: string, note?: string): Row => {
    const { median, spreadPct } = summarize(times[name]);
    const ratio = name === 'single' ? {} : { ratio: median / summarize(times.single).median };
    return {
      ...base,
      subject,
      value: median,
      spreadPct,
      samples: times[name],
      ...ratio,
      ...(name === 'single' ? {} : { baseline: 'check()' }),
      ...(note === undefined ? {} : { note }),
    };
  };
  const local = summarize(times.local).median;
  const queue = summarize(times.queue).median;
  return [
    row('single', 'check()'),
    row('local', 'jobs, in-process', 'the parallel search, each job run at once on this thread'),
    row(
      'queue',
      'queue, 1 worker',
      'coordinator and one bullmq worker in this process, loopback redis-server',
    ),
    {
      ...base,
      subject: 'queue overhead',
      unit: 'ms/job',
      value: (queue - local) / Math.max(1, jobs),
      note: '(queue, 1 worker - jobs, in-process) / jobs: enqueue, lock, Redis round trips, wake-ups',
    },
    ...engine,
  ];
}

/** The server's count of commands processed so far (`INFO stats`). */
async function commandsProcessed(redis: Redis): Promise<number> {
  const info = await redis.info('stats');
  return Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? Number.NaN);
}

/**
 * The engine alone, with trivial jobs (the worker returns the job): latency of one job at a
 * time, throughput of a batch, and Redis commands per job (scripts count their calls).
 */
async function engineRows(address: QueueAddress, redis: Redis): Promise<Row[]> {
  const runId = `bench-noop-${Date.now().toString(36)}`;
  const store = new RunStore(redis, runId);
  const meta = { layout: 0, version: '', scenario: NOOP, name: NOOP, source: { library: NOOP } };
  await store.open({ ...meta, options: {} }, Date.now());
  const executor = await QueueExecutor.open<{ id: string }, unknown>({
    address,
    store,
    counters: () => ({}),
  });
  try {
    let t0 = performance.now();
    for (let i = 0; i < ENGINE_SEQUENTIAL; i++) await executor.run({ id: `s${i}` });
    const sequential = (performance.now() - t0) / ENGINE_SEQUENTIAL;
    const c0 = await commandsProcessed(redis);
    t0 = performance.now();
    const batch = Array.from({ length: ENGINE_BATCH }, (_, i) => executor.run({ id: `b${i}` }));
    await Promise.all(batch);
    const batched = (performance.now() - t0) / ENGINE_BATCH;
    const commands = ((await commandsProcessed(redis)) - c0) / ENGINE_BATCH;
    await executor.removeJobs();
    const base = { bench: 'queue', subject: 'queue engine', workload: 'trivial jobs, 1 worker' };
    return [
      {
        ...base,
        unit: 'ms/job',
        value: sequential,
        note: `one at a time (${ENGINE_SEQUENTIAL} jobs): latency`,
      },
      { ...base, unit: 'ms/job', value: batched, note: `${ENGINE_BATCH} at once: throughput` },
      {
        ...base,
        unit: 'commands/job',
        value: commands,
        note: 'Redis commands per job, both sides',
      },
    ];
  } finally {
    await executor.close();
    await store.drop();
  }
}
