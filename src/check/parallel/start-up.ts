/**
 * The executor of a pooled check's first moments: jobs run on the calling thread, one at a
 * time, until the pool's threads have loaded the job engine ({@link JobPool.ready}: tsx, the
 * checker and the library in each thread, a second or more); from then on every job goes to
 * the pool. Without it the calling thread sat idle through the pool's start-up, which every
 * `mmu-notifier check` pays (its default is a thread per core).
 *
 * Protocol: `run` queues a job; the queue's head goes to the pool once it is ready, else to
 * the calling thread when that is idle (after a turn of the event loop, in which the pool's
 * answer can arrive); a job handed to either stays there. Which thread runs
 * a job changes nothing in its result (a job's result is a function of the job, `job.ts`),
 * and the coordinator applies results in DFS order whoever sent them, so the search is the
 * one the pool alone runs. A pool that cannot start (its ping rejects) gets the jobs anyway:
 * they fail there with the thread's own error, as before.
 */

import type { Executor } from './coordinator.ts';
import type { Job, JobResult } from './job.ts';

/** A pool that says when its threads are up (`JobPool`). */
export interface StartingPool extends Executor {
  /** Resolves (or rejects) once a thread has loaded the job engine. */
  ready(): Promise<void>;
}

interface Waiting {
  readonly job: Job;
  readonly resolve: (result: JobResult) => void;
  readonly reject: (error: unknown) => void;
}

/** Runs jobs on the calling thread until the pool is up (see the module comment). */
export class StartUpExecutor implements Executor {
  readonly #pool: StartingPool;
  readonly #local: Executor;
  readonly #queue: Waiting[] = [];
  #ready = false;
  #running: Promise<void> | null = null;
  #localJobs = 0;

  /** `local`: the calling thread's executor (a `LocalExecutor`). */
  constructor(pool: StartingPool, local: Executor) {
    this.#pool = pool;
    this.#local = local;
    const up = (): void => {
      this.#ready = true;
      this.#pump();
    };
    pool.ready().then(up, up);
  }

  /** Jobs the calling thread ran. */
  get localJobs(): number {
    return this.#localJobs;
  }

  run(job: Job): Promise<JobResult> {
    return new Promise<JobResult>((resolve, reject) => {
      this.#queue.push({ job, resolve, reject });
      this.#pump();
    });
  }

  /** Resolves when the calling thread runs no job (a failed check waits for it to end). */
  async idle(): Promise<void> {
    while (this.#running !== null) await this.#running;
  }

  #pump(): void {
    while (this.#ready && this.#queue.length > 0) {
      const w = this.#queue.shift()!;
      this.#pool.run(w.job).then(w.resolve, w.reject);
    }
    if (this.#ready || this.#running !== null || this.#queue.length === 0) return;
    const w = this.#queue.shift()!;
    this.#localJobs++;
    this.#running = this.#local
      .run(w.job)
      .then(w.resolve, w.reject)
      // The event loop turns before the next job: the pool's answer is a message, and a
      // job shorter than the search's yield interval never gives it a turn.
      .then(() => new Promise<void>((resolve) => setImmediate(resolve)));
    this.#running.finally(() => {
      this.#running = null;
      this.#pump();
    });
  }
}
