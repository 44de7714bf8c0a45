/**
 * A pool of `node:worker_threads` threads that run jobs (`job.ts`), on `tinypool` (see
 * README "Dependencies"): one thread per worker, each loading the scenario once and running
 * the jobs it is given, one at a time. An {@link Executor} for the coordinator.
 *
 * A job that fails in a thread comes back as data (`pool-worker.ts`) and is thrown here with
 * its class (a user's error stays one) and the job's id; the coordinator's round then fails,
 * and {@link JobPool.close} terminates every thread: a check never waits on a dead worker.
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
    'export default main.default;\n';
  return `data:text/javascript,${encodeURIComponent(code)}`;
}

/** The error a failed job's reply stands for. */
function errorOf(job: Job, reply: Extract<JobReply, { ok: false }>): Error {
  const message = `${reply.message} (in a worker thread, job ${job.id})`;
  if (!reply.user) return new InternalError(`${message}\n${reply.stack}`);
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

  async run(job: Job): Promise<JobResult> {
    const reply = (await this.#pool.run(job)) as JobReply;
    if (!reply.ok) throw errorOf(job, reply);
    return reply.result;
  }

  /** Terminates every thread (running jobs included). */
  close(): Promise<void> {
    return this.#pool.destroy();
  }
}
