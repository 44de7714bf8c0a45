/**
 * The coordinator of a distributed run: enqueues a run's jobs on bullmq's shared queue,
 * gathers each job's result, enqueues the new jobs a result asks for (deduplicated by key),
 * and ends when every job ever enqueued has its result merged. All of its state is in Redis
 * (`run-store.ts`): a coordinator stopped at any point and started again with the same run
 * id goes on from there.
 *
 * | state of a job key       | where it shows                    | the coordinator                         |
 * |--------------------------|-----------------------------------|-----------------------------------------|
 * | recorded, not merged     | run `jobs` hash, not in `merged`  | pending: (re-)adds it to the queue      |
 * | waiting / active         | bullmq                            | waits (a dead worker's job: bullmq's    |
 * |                          |                                   | stalled check puts it back to wait)     |
 * | completed                | bullmq, with its return value     | records its children, then merges it    |
 * | failed (attempts spent)  | bullmq, with the reason           | stops: {@link QueueError}               |
 * | merged                   | run `merged` set                  | done; a duplicate result is ignored     |
 *
 * Wake-ups: bullmq's `QueueEvents` (`completed`, `failed` of this run's job ids) and, when
 * none came for {@link RESCAN_MS}, a look at every pending job (events are a capped stream;
 * a coordinator that was down missed them). The order "children first, then merge" is what
 * makes a stop anywhere lose nothing (see `run-store.ts`).
 */

import { Job, Queue, QueueEvents } from 'bullmq';
import { QueueError } from '../errors.ts';
import { bullConnection } from './connection.ts';
import type { QueueJobs } from './jobs.ts';
import { bullJobId, JOB_QUEUE, KEY_PREFIX, type QueueJobData } from './layout.ts';
import type { RunStore } from './run-store.ts';
import type { QueueAddress } from './url.ts';

/** Without an event for this long, every pending job is looked at. */
export const RESCAN_MS = 2_000;

/** Attempts of a job before it fails for good (a stalled job's retries are apart: bullmq's). */
export const JOB_ATTEMPTS = 3;

/** Marks a worker's failure to load the scenario in a job's failed reason. */
export const WORKER_LOAD_MARK = 'worker-load: ';

/** Pending jobs looked at concurrently in a rescan. */
const RESCAN_BATCH = 64;

/** How a coordinated run ended. */
export interface CoordinatorEnd<R> {
  /** Every merged result, by job key. */
  readonly results: ReadonlyMap<string, R>;
  /** The run's summed counters (with `jobs`, `duplicates`). */
  readonly stats: Readonly<Record<string, number>>;
}

/** What the coordinator is given. */
export interface CoordinatorOptions<J, R> {
  readonly address: QueueAddress;
  readonly store: RunStore;
  readonly jobs: QueueJobs<J, R>;
  /** Called after each merged result with the run's jobs merged and recorded so far. */
  readonly onMerged?: (merged: number, recorded: number) => void;
}

/** One coordination of one run (see the module comment). */
class Coordination<J, R> {
  readonly #o: CoordinatorOptions<J, R>;
  readonly #queue: Queue;
  readonly #events: QueueEvents;
  /** bullmq id -> job key, for every recorded job of this run. */
  readonly #byId = new Map<string, string>();
  /** Keys recorded and not merged. */
  readonly #pending = new Set<string>();
  /** bullmq ids an event named since the last look. */
  readonly #inbox = new Set<string>();
  #merged = 0;
  #wake: (() => void) | undefined;

  constructor(options: CoordinatorOptions<J, R>) {
    this.#o = options;
    const connection = bullConnection(options.address);
    this.#queue = new Queue(JOB_QUEUE, { connection, prefix: KEY_PREFIX });
    this.#events = new QueueEvents(JOB_QUEUE, { connection, prefix: KEY_PREFIX });
    const onEvent = ({ jobId }: { jobId: string }): void => {
      if (!this.#byId.has(jobId)) return;
      this.#inbox.add(jobId);
      this.#wake?.();
    };
    this.#events.on('completed', onEvent);
    this.#events.on('failed', onEvent);
    this.#queue.on('error', () => {});
    this.#events.on('error', () => {});
  }

  async run(): Promise<CoordinatorEnd<R>> {
    await this.#events.waitUntilReady();
    const store = this.#o.store;
    const recorded = await store.jobs();
    const merged = await store.mergedKeys();
    this.#merged = merged.size;
    if (recorded.size === 0) {
      for (const job of this.#o.jobs.roots()) await this.#record(job);
    } else {
      for (const [key, text] of recorded) {
        const id = bullJobId(store.runId, key);
        this.#byId.set(id, key);
        if (merged.has(key)) continue;
        this.#pending.add(key);
        await this.#enqueue(key, JSON.parse(text)); // lost while the coordinator was down?
      }
    }
    let rescan = true;
    while (this.#pending.size > 0) {
      const ids = rescan ? this.#pendingIds() : [...this.#inbox];
      this.#inbox.clear();
      for (let i = 0; i < ids.length; i += RESCAN_BATCH)
        await Promise.all(ids.slice(i, i + RESCAN_BATCH).map((id) => this.#look(id)));
      if (this.#pending.size === 0) break;
      rescan = !(await this.#waitEvent());
    }
    const results = new Map<string, R>();
    for (const [key, text] of await store.results()) results.set(key, JSON.parse(text) as R);
    return { results, stats: await store.stats() };
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.#events.close(), this.#queue.close()]);
  }

  /** Removes the run's jobs from bullmq (the run's own keys stay: its verdict). */
  async removeJobs(): Promise<void> {
    const ids = [...this.#byId.keys()];
    for (let i = 0; i < ids.length; i += RESCAN_BATCH) {
      await Promise.allSettled(ids.slice(i, i + RESCAN_BATCH).map((id) => this.#queue.remove(id)));
    }
  }

  #pendingIds(): string[] {
    return [...this.#pending].map((key) => bullJobId(this.#o.store.runId, key));
  }

  /** Resolves true on an event, false after {@link RESCAN_MS} without one. */
  #waitEvent(): Promise<boolean> {
    if (this.#inbox.size > 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = undefined;
        resolve(false);
      }, RESCAN_MS);
      this.#wake = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve(true);
      };
    });
  }

  /** Records a job of this run and enqueues it; a known key is a duplicate. */
  async #record(job: J): Promise<void> {
    const key = this.#o.jobs.key(job);
    const store = this.#o.store;
    if (!(await store.recordJob(key, JSON.stringify(job)))) {
      await store.count('duplicates', 1);
      return;
    }
    this.#byId.set(bullJobId(store.runId, key), key);
    this.#pending.add(key);
    await store.count('jobs', 1);
    await this.#enqueue(key, job);
  }

  /** Adds the job to bullmq (a no-op when its id exists there, in any state). */
  async #enqueue(key: string, job: unknown): Promise<void> {
    const runId = this.#o.store.runId;
    const data: QueueJobData = { runId, key, job };
    await this.#queue.add('subtree', data, {
      jobId: bullJobId(runId, key),
      attempts: JOB_ATTEMPTS,
      backoff: { type: 'fixed', delay: 500 },
      lifo: true,
      removeOnComplete: false,
      removeOnFail: false,
    });
  }

  /** Looks at one pending job: merges a result, reports a failure, re-adds a lost job. */
  async #look(id: string): Promise<void> {
    const key = this.#byId.get(id);
    if (key === undefined || !this.#pending.has(key)) return;
    const job = await Job.fromId<QueueJobData, R>(this.#queue, id);
    if (job === undefined) {
      const text = (await this.#o.store.jobs()).get(key);
      if (text !== undefined) await this.#enqueue(key, JSON.parse(text));
      return;
    }
    const state = await job.getState();
    if (state === 'failed') throw this.#failure(job);
    if (state !== 'completed') return;
    await this.#mergeResult(key, job.returnvalue);
  }

  async #mergeResult(key: string, result: R): Promise<void> {
    for (const child of this.#o.jobs.children(result)) await this.#record(child);
    const counters = this.#o.jobs.counters(result);
    if (await this.#o.store.merge(key, JSON.stringify(result), counters)) this.#merged++;
    this.#pending.delete(key);
    this.#o.onMerged?.(this.#merged, this.#byId.size);
  }

  #failure(job: Job<QueueJobData, R>): QueueError {
    const reason = job.failedReason ?? 'no reason given';
    if (reason.startsWith(WORKER_LOAD_MARK))
      return new QueueError('worker-load', reason.slice(WORKER_LOAD_MARK.length));
    return new QueueError(
      'job-failed',
      `job ${job.id} of run '${this.#o.store.runId}' failed ${job.attemptsMade} times: ${reason}`,
    );
  }
}

/**
 * Runs the coordination of `options.store`'s run until every job has its result (see the
 * module comment); removes the run's jobs from the queue at the end.
 * @throws QueueError when a job fails for good or a worker cannot load the scenario.
 */
export async function coordinate<J, R>(
  options: CoordinatorOptions<J, R>,
): Promise<CoordinatorEnd<R>> {
  const coordination = new Coordination(options);
  try {
    const end = await coordination.run();
    await coordination.removeJobs();
    return end;
  } finally {
    await coordination.close();
  }
}
