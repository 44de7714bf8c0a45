/**
 * What the queue needs from a job API: the seam between the distributed engine
 * (`coordinator.ts`, `worker.ts`: bullmq, Redis, retries, duplicates) and what a job *is*
 * (the checker's subtree jobs: `checker-jobs.ts`). The engine never looks inside a job or a
 * result; it keys, enqueues, counts and stores them. Both sides are plain JSON.
 */

/** The coordinator's view of a kind of job `J` whose result is `R`. */
export interface QueueJobs<J, R> {
  /** The run's first jobs. */
  roots(): readonly J[];
  /**
   * The job's identity: two jobs with one key are one job (the second is a duplicate and is
   * not run). Deterministic: the same job always gets the same key, on every machine.
   */
  key(job: J): string;
  /** The new jobs a result asks for (backtrack points above its subtree's root, say). */
  children(result: R): readonly J[];
  /** Counters summed over the run (schedules, steps...): non-negative integers. */
  counters(result: R): Readonly<Record<string, number>>;
}

/** A worker's view: runs one job of a run. */
export type JobRunner = (job: unknown) => Promise<unknown>;
