/**
 * The coordinator's side of a distributed run: an executor of jobs over bullmq's shared
 * queue. `run(job)` enqueues the job and resolves with its result once a worker, on any
 * machine, has run it; the search that calls it (`check/parallel/coordinator.ts`) decides
 * which jobs there are. Every result is stored in Redis (`run-store.ts`) under the job's id,
 * so a coordinator that restarts and replays the same deterministic search gets each job's
 * stored result at once: the run resumes where it stopped, and no job runs twice.
 *
 * | state of a job id        | where it shows                    | `run(job)`                              |
 * |--------------------------|-----------------------------------|-----------------------------------------|
 * | result stored            | run `results` hash                | resolves with it at once (no enqueue)   |
 * | recorded, no result      | run `jobs` hash                   | (re-)adds it to bullmq (a no-op if there; a waiting copy takes the new data) and waits |
 * | waiting / active         | bullmq                            | waits (a dead worker's job: bullmq's stalled check puts it back to wait) |
 * | completed                | bullmq, with its return value     | stores the result (unless `keep` says no), resolves, removes the bullmq job |
 * | failed (attempts spent)  | bullmq, with the reason           | rejects: {@link QueueError}             |
 *
 * Wake-ups: bullmq's `QueueEvents` (`completed`, `failed` of this run's job ids) and, when
 * none came for {@link RESCAN_MS}, a look at every job waited for (events are a capped
 * stream, and a job can complete before its waiter is registered). Duplicates are harmless
 * at every level: bullmq ignores an `add` whose id exists, a job completes only under its
 * worker's lock, and a result is stored once (`RunStore.merge`).
 */

import { Job, Queue, QueueEvents } from 'bullmq';
import { assertInternal, QueueError } from '../errors.ts';
import { bullConnection } from './connection.ts';
import type { KeyedJob, ResultCounters } from './jobs.ts';
import { bullJobId, JOB_QUEUE, KEY_PREFIX, type QueueJobData } from './layout.ts';
import type { RunStore } from './run-store.ts';
import type { QueueAddress } from './url.ts';

/** Without an event for this long, every job waited for is looked at. */
export const RESCAN_MS = 2_000;

/** Attempts of a job that throws, before it fails for good (a stalled job's are bullmq's). */
export const JOB_ATTEMPTS = 3;

/** Marks a worker's failure to load the scenario in a job's failed reason. */
export const WORKER_LOAD_MARK = 'worker-load: ';

/** Jobs looked at concurrently in a rescan (and removed at once at the end). */
const BATCH = 64;

/** What the executor is given. */
export interface QueueExecutorOptions<R> {
  readonly address: QueueAddress;
  readonly store: RunStore;
  /** The counters of a result, summed into the run's stats when it is stored. */
  readonly counters: ResultCounters<R>;
  /**
   * False for a result that is not a function of its job alone (a job cut by a time limit):
   * it is returned but neither stored nor left in bullmq, so a resumed run runs the job again.
   * Default: every result is kept.
   */
  readonly keep?: (result: R) => boolean;
}

interface Waiter<R> {
  readonly key: string;
  readonly job: unknown;
  readonly promise: Promise<R>;
  readonly resolve: (result: R) => void;
  readonly reject: (error: unknown) => void;
  /** A look is running; `again`: an event came meanwhile, look once more after it. */
  looking: boolean;
  again: boolean;
}

/** Runs jobs on the queue's workers (see the module comment). */
export class QueueExecutor<J extends KeyedJob, R> {
  readonly #o: QueueExecutorOptions<R>;
  readonly #queue: Queue;
  readonly #events: QueueEvents;
  readonly #waiters = new Map<string, Waiter<R>>();
  readonly #timer: ReturnType<typeof setInterval>;
  #lastEventMs = performance.now();
  #fatal: unknown;

  private constructor(options: QueueExecutorOptions<R>) {
    this.#o = options;
    const connection = bullConnection(options.address);
    this.#queue = new Queue(JOB_QUEUE, { connection, prefix: KEY_PREFIX });
    this.#events = new QueueEvents(JOB_QUEUE, { connection, prefix: KEY_PREFIX });
    const onEvent = ({ jobId }: { jobId: string }): void => {
      if (!this.#waiters.has(jobId)) return;
      this.#lastEventMs = performance.now();
      this.#look(jobId);
    };
    this.#events.on('completed', onEvent);
    this.#events.on('failed', onEvent);
    this.#queue.on('error', () => {});
    this.#events.on('error', () => {});
    this.#timer = setInterval(() => this.#rescan(), RESCAN_MS / 2);
  }

  /** An executor for `options.store`'s run, listening to the queue's events. */
  static async open<J extends KeyedJob, R>(
    options: QueueExecutorOptions<R>,
  ): Promise<QueueExecutor<J, R>> {
    const executor = new QueueExecutor<J, R>(options);
    try {
      await executor.#events.waitUntilReady();
      await executor.#queue.waitUntilReady();
    } catch (error) {
      await executor.close();
      throw error;
    }
    return executor;
  }

  /**
   * Runs `job` on a worker, or returns its stored result.
   * @throws QueueError when the job fails for good or a worker cannot load the scenario.
   */
  async run(job: J): Promise<R> {
    if (this.#fatal !== undefined) throw this.#fatal;
    const store = this.#o.store;
    const key = job.id;
    const id = bullJobId(store.runId, key);
    const known = this.#waiters.get(id);
    if (known !== undefined) return known.promise;
    const stored = await store.result(key);
    if (stored !== undefined) {
      await store.count('reused', 1);
      return JSON.parse(stored) as R;
    }
    let resolve!: (result: R) => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<R>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.#waiters.set(id, { key, job, promise, resolve, reject, looking: false, again: false });
    if (await store.recordJob(key, JSON.stringify(job))) await store.count('jobs', 1);
    else await this.#refresh(id, key, job);
    await this.#enqueue(key, job);
    this.#look(id);
    return promise;
  }

  /** Removes the run's jobs from bullmq (the run's own keys stay: its results and verdict). */
  async removeJobs(): Promise<void> {
    const runId = this.#o.store.runId;
    const ids = [...(await this.#o.store.jobs()).keys()].map((key) => bullJobId(runId, key));
    for (let i = 0; i < ids.length; i += BATCH)
      await Promise.allSettled(ids.slice(i, i + BATCH).map((id) => this.#queue.remove(id)));
  }

  /** Stops listening; jobs still waited for are rejected. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    for (const waiter of this.#waiters.values())
      waiter.reject(new QueueError('job-failed', 'the coordinator closed while waiting'));
    this.#waiters.clear();
    await Promise.allSettled([this.#events.close(), this.#queue.close()]);
  }

  /** Adds the job to bullmq (a no-op when its id exists there, in any state). */
  async #enqueue(key: string, job: unknown): Promise<void> {
    const runId = this.#o.store.runId;
    const data: QueueJobData = { runId, key, job };
    await this.#queue.add('job', data, {
      jobId: bullJobId(runId, key),
      attempts: JOB_ATTEMPTS,
      backoff: { type: 'fixed', delay: 500 },
      removeOnComplete: false,
      removeOnFail: false,
    });
  }

  /**
   * A resumed run: a copy of the job that still waits in bullmq since an earlier coordinator
   * carries that coordinator's data (a check job's deadline, `check/parallel/job.ts`); it takes
   * this one's. A copy a worker already runs is left to finish (a result cut by the old
   * deadline is not kept, and the run can be resumed again).
   */
  async #refresh(id: string, key: string, job: unknown): Promise<void> {
    const queued = await Job.fromId<QueueJobData>(this.#queue, id);
    if (queued === undefined || JSON.stringify(queued.data.job) === JSON.stringify(job)) return;
    const state = await queued.getState();
    if (state === 'waiting' || state === 'delayed' || state === 'prioritized')
      await queued.updateData({ runId: this.#o.store.runId, key, job });
  }

  #rescan(): void {
    if (performance.now() - this.#lastEventMs < RESCAN_MS) return;
    this.#lastEventMs = performance.now();
    for (const id of [...this.#waiters.keys()].slice(0, BATCH * 16)) this.#look(id);
  }

  /**
   * Looks at one job waited for, one look at a time (an event during a look asks for one
   * more: the job may have completed after the look read its state); an error there fails
   * the whole run.
   */
  #look(id: string): void {
    const waiter = this.#waiters.get(id);
    if (waiter === undefined) return;
    if (waiter.looking) {
      waiter.again = true;
      return;
    }
    waiter.looking = true;
    waiter.again = false;
    this.#lookAt(id, waiter)
      .catch((error: unknown) => this.#fail(error))
      .finally(() => {
        waiter.looking = false;
        if (waiter.again) this.#look(id);
      });
  }

  async #lookAt(id: string, waiter: Waiter<R>): Promise<void> {
    // The state first: a job read before it completed has no return value yet.
    const state = await this.#queue.getJobState(id);
    if (state === 'unknown') {
      await this.#enqueue(waiter.key, waiter.job); // removed by hand? add it again
      return;
    }
    if (state !== 'completed' && state !== 'failed') return;
    const job = await Job.fromId<QueueJobData, R>(this.#queue, id);
    assertInternal(job !== undefined, `queue: job ${id} ${state} but gone`);
    if (state === 'failed') {
      this.#waiters.delete(id);
      waiter.reject(this.#failure(job));
      return;
    }
    const result = job.returnvalue;
    if (this.#o.keep?.(result) ?? true)
      await this.#o.store.merge(waiter.key, JSON.stringify(result), this.#o.counters(result));
    this.#waiters.delete(id);
    waiter.resolve(result);
    // Stored in the run (or not to be kept): bullmq's copy would only double Redis's memory.
    await this.#queue.remove(id);
  }

  #fail(error: unknown): void {
    this.#fatal ??= error;
    for (const waiter of this.#waiters.values()) waiter.reject(error);
    this.#waiters.clear();
  }

  #failure(job: Job<QueueJobData, R>): QueueError {
    const reason = job.failedReason ?? 'no reason given';
    if (reason.startsWith(WORKER_LOAD_MARK))
      return new QueueError('worker-load', reason.slice(WORKER_LOAD_MARK.length));
    return new QueueError(
      'job-failed',
      `job ${job.data.key} of run '${this.#o.store.runId}' failed ${job.attemptsMade} times: ${reason}`,
    );
  }
}
