/**
 * A pool of `node:worker_threads` threads that run jobs (`job.ts`), on `tinypool` (see
 * README "Dependencies"): one thread per worker, each loading the scenario once and running
 * the jobs it is given, one at a time. An {@link Executor} for the coordinator.
 *
 * A job that fails in a thread comes back as data (`pool-worker.ts`) and is thrown here with
 * its class (a user's error stays one, with its message; a defect names the job); the
 * coordinator's round then fails, and {@link JobPool.close} terminates every thread: a check
 * never waits on a dead worker.
 * A thread that dies (an uncaught error, `process.exit`) rejects its job through tinypool.
 * Between checks the pool is kept ({@link JobPool.shared}): starting threads (and tsx, from a
 * checkout) costs about a second.
 */

import type { Tinypool } from 'tinypool';
import {
  InternalError,
  InvalidArgumentError,
  ScenarioSetupError,
  StateError,
} from '../../errors.ts';
import { WORKERS_MAX } from '../options.ts';
import type { Executor } from './coordinator.ts';
import type { Job, JobResult } from './job.ts';
import type { JobReply } from './pool-worker.ts';

/**
 * The pool thread's entry: the built `.js` beside this file, or, in a checkout, a `data:`
 * module that registers tsx in the thread first (as `cli/worker-host.ts` does) and then
 * re-exports the `.ts` entry's handler.
 */
function entry(): string {
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  const main = new URL(`./pool-worker.${ext}`, import.meta.url).href;
  if (ext === 'js') return main;
  const tsx = import.meta.resolve('tsx/esm/api');
  const code =
    `const { register } = await import(${JSON.stringify(tsx)}); register();\n` +
    `const main = await import(${JSON.stringify(main)});\n` +
    'export default main.default;\n' +
    'export const ping = main.ping;\n';
  return `data:text/javascript,${encodeURIComponent(code)}`;
}

/** The error a failed job's reply stands for. */
function errorOf(job: Job, reply: Extract<JobReply, { ok: false }>): Error {
  // A user's error reads as on the calling thread; a defect says where it happened.
  const message = reply.message;
  if (!reply.user)
    return new InternalError(`${message} (in a worker thread, job ${job.id})\n${reply.stack}`);
  switch (reply.name) {
    case 'StateError':
      return new StateError(message);
    case 'ScenarioSetupError':
      return new ScenarioSetupError(message);
    default:
      return new InvalidArgumentError(message);
  }
}

/**
 * A pool of threads (see the module comment). `tinypool` is loaded on first use only, so the
 * library's entry point does not need it unless `workers` > 1.
 */
export class JobPool implements Executor {
  readonly #pool: Tinypool;
  #ready: Promise<void> | undefined;

  private constructor(pool: Tinypool) {
    this.#pool = pool;
  }

  /**
   * Starts a pool of `workers` threads.
   * @throws InvalidArgumentError for a worker count outside [1, {@link WORKERS_MAX}].
   */
  static async open(workers: number): Promise<JobPool> {
    if (!Number.isInteger(workers) || workers < 1 || workers > WORKERS_MAX)
      throw new InvalidArgumentError(
        `workers must be an integer in [1, ${WORKERS_MAX}], got ${workers}`,
      );
    const { Tinypool } = await import('tinypool');
    const pool = new Tinypool({
      filename: entry(),
      execArgv: [],
      runtime: 'worker_threads',
      minThreads: workers,
      maxThreads: workers,
      isolateWorkers: false,
    });
    return new JobPool(pool);
  }

  /**
   * Resolves once a thread of the pool has loaded the job engine (a `ping` task: the threads
   * start together, so the others are about as far); memoized. Pairs with `pool-worker.ts`'s
   * `ping`. Rejects if the thread cannot load it (the first job would fail the same way).
   */
  ready(): Promise<void> {
    this.#ready ??= this.#pool.run(null, { name: 'ping' }).then(() => undefined);
    return this.#ready;
  }

  async run(job: Job): Promise<JobResult> {
    const reply = (await this.#pool.run(job)) as JobReply;
    if (!reply.ok) throw errorOf(job, reply);
    return reply.result;
  }

  /** Terminates every thread (running jobs included). */
  close(): Promise<void> {
    for (const [n, pool] of shared) if (pool === this) shared.delete(n);
    return this.#pool.destroy();
  }

  /**
   * The pool of `workers` threads kept between checks (its idle threads do not keep the
   * process alive), started on first use; at most {@link SHARED_POOLS_MAX} are kept. A check
   * whose round fails closes it (a failed job's siblings may still be running).
   */
  static async shared(workers: number): Promise<JobPool> {
    const known = shared.get(workers);
    if (known !== undefined) return known;
    const pool = await JobPool.open(workers);
    if (shared.size >= SHARED_POOLS_MAX) {
      const [first] = shared.values();
      await first!.close();
    }
    shared.set(workers, pool);
    return pool;
  }

  /** Terminates the pools kept between checks (tests, and hosts that unload the library). */
  static async closeShared(): Promise<void> {
    await Promise.all([...shared.values()].map((pool) => pool.close()));
  }
}

/** At most this many shared pools (one per worker count). */
export const SHARED_POOLS_MAX = 4;

const shared = new Map<number, JobPool>();
