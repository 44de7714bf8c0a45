/**
 * A worker of distributed runs (`mmu-notifier worker --queue <url>`): takes jobs of any run
 * from bullmq's shared queue, loads each run's scenario once (the way the CLI loads it, from
 * the run's stored description), runs the job and returns its result, which bullmq stores
 * with the completed job for the coordinator.
 *
 * Losing a worker loses nothing: while a job runs, bullmq renews its lock every
 * `lockDurationMs / 2`; a worker that dies stops renewing, and the stalled-job check that
 * every live worker runs each `stalledIntervalMs` moves a job whose lock expired back to the
 * waiting list (up to `maxStalledCount` times), so another worker runs it from the start. A
 * job's run never blocks the event loop for long (the search yields every
 * `YIELD_EVERY_MS`), so a live worker's lock does not expire. Were it to (a stalled live
 * worker), both copies of the job run: bullmq completes only the lock holder's, and the
 * coordinator merges each key once.
 *
 * | event                      | the worker                                                      |
 * |----------------------------|-----------------------------------------------------------------|
 * | first job of a run         | reads the run's description, loads the scenario (cached per run) |
 * | scenario does not load     | fails the job for good (`worker-load: ...`): the coordinator stops with it |
 * | job of a finished/dropped run | returns `null` at once (the coordinator no longer waits for it) |
 * | `close()` (SIGINT/SIGTERM) | finishes the running job, then stops taking jobs                |
 */

import { hostname } from 'node:os';
import { UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { bullConnection } from './connection.ts';
import { WORKER_LOAD_MARK } from './executor.ts';
import type { JobRunner } from './jobs.ts';
import { JOB_QUEUE, KEY_PREFIX, type QueueJobData, type RunMeta } from './layout.ts';
import { RunStore } from './run-store.ts';
import type { QueueAddress } from './url.ts';

/** Default lock of a running job: a dead worker's job is retried within about this plus the interval. */
export const LOCK_DURATION_DEFAULT_MS = 10_000;

/** Default interval of the stalled-job check. */
export const STALLED_INTERVAL_DEFAULT_MS = 5_000;

/** How many times a job may stall (its worker died) before it fails. */
export const MAX_STALLED_COUNT = 10;

/** Runs whose scenario a worker keeps loaded. */
const RUNS_CACHED_MAX = 8;

/** The worker's settings. */
export interface QueueWorkerOptions {
  readonly address: QueueAddress;
  /** The run store's connection (reads run descriptions). */
  readonly redis: Redis;
  /** Jobs run at once by this process (default 1: a job is CPU-bound). */
  readonly concurrency?: number;
  /** bullmq's `lockDuration` (default {@link LOCK_DURATION_DEFAULT_MS}). */
  readonly lockDurationMs?: number;
  /** bullmq's `stalledInterval` (default {@link STALLED_INTERVAL_DEFAULT_MS}). */
  readonly stalledIntervalMs?: number;
  /**
   * Loads a run's scenario and returns the function that runs its jobs.
   * @throws anything: the message becomes the run's `worker-load` failure.
   */
  readonly load: (meta: RunMeta) => Promise<JobRunner>;
  /** One line per notable event (a run loaded, a job failed). */
  readonly log: (line: string) => void;
}

/** A running worker. */
export interface QueueWorker {
  /** This worker's name in messages (`host:pid`). */
  readonly name: string;
  /** Jobs completed by this worker. */
  readonly completed: () => number;
  /** How long this worker has run no job (0 while one runs). */
  readonly idleMs: () => number;
  /** Finishes the running job, then stops. */
  readonly close: () => Promise<void>;
}

/** Starts a worker (see the module comment). */
export async function startQueueWorker(options: QueueWorkerOptions): Promise<QueueWorker> {
  const name = `${hostname()}:${process.pid}`;
  const runners = new Map<string, Promise<JobRunner>>();
  let completed = 0;
  const running = new Set<string>();
  let idleSince = performance.now();
  const runnerFor = (runId: string): Promise<JobRunner> => {
    let runner = runners.get(runId);
    if (runner === undefined) {
      runner = loadRun(options, runId, name);
      runners.set(runId, runner);
      if (runners.size > RUNS_CACHED_MAX) runners.delete(runners.keys().next().value!);
    }
    return runner;
  };
  const worker = new Worker<QueueJobData>(
    JOB_QUEUE,
    async (job) => {
      const { runId } = job.data;
      const status = await new RunStore(options.redis, runId).status();
      if (status !== 'running') return null;
      const run = await runnerFor(runId);
      running.add(job.id!);
      try {
        return await run(job.data.job);
      } finally {
        running.delete(job.id!);
        idleSince = performance.now();
      }
    },
    {
      connection: bullConnection(options.address),
      prefix: KEY_PREFIX,
      name, // stored on each job it takes (`processedBy`)
      concurrency: options.concurrency ?? 1,
      lockDuration: options.lockDurationMs ?? LOCK_DURATION_DEFAULT_MS,
      stalledInterval: options.stalledIntervalMs ?? STALLED_INTERVAL_DEFAULT_MS,
      maxStalledCount: MAX_STALLED_COUNT,
      autorun: false,
    },
  );
  worker.on('completed', () => void completed++);
  worker.on('failed', (job, error) =>
    options.log(`job ${job?.id ?? '?'} failed: ${error.message}`),
  );
  worker.on('error', (error) => options.log(`queue error: ${error.message}`));
  void worker.run();
  await worker.waitUntilReady();
  return {
    name,
    completed: () => completed,
    idleMs: () => (running.size > 0 ? 0 : performance.now() - idleSince),
    close: () => worker.close(),
  };
}

/** Loads run `runId`'s scenario; a failure is an unrecoverable job failure naming this worker. */
async function loadRun(options: QueueWorkerOptions, runId: string, name: string) {
  const meta = await new RunStore(options.redis, runId).meta();
  if (meta === undefined) throw new UnrecoverableError(`run '${runId}' is not in Redis`);
  try {
    const runner = await options.load(meta);
    options.log(`run ${runId}: loaded ${meta.name}`);
    return runner;
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    options.log(`run ${runId}: cannot load '${meta.scenario}': ${why}`);
    throw new UnrecoverableError(
      `${WORKER_LOAD_MARK}worker ${name} cannot load the scenario '${meta.scenario}' of run ` +
        `'${runId}': ${why} (start workers where it loads: the same package version, the file at that path)`,
    );
  }
}
