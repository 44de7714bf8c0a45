/**
 * What the queue needs from a job API: the seam between the distributed engine
 * (`executor.ts`, `worker.ts`: bullmq, Redis, retries, duplicates) and what a job *is* (the
 * checker's subtree and seed jobs, `check/parallel/job.ts`). The engine never looks inside a
 * job or a result beyond this; it keys, enqueues, counts and stores them. Both are plain JSON.
 */

/** A job as the engine sees it: plain JSON with an id unique in its run. */
export interface KeyedJob {
  /**
   * The job's identity in its run: two jobs with one id are one job, and a job whose id has
   * a stored result is not run again (a resumed run). Deterministic: the same job always
   * gets the same id, on every machine and in every coordinator that replays the run.
   */
  readonly id: string;
}

/** Counters of a result, summed over the run (schedules, steps...): non-negative integers. */
export type ResultCounters<R> = (result: R) => Readonly<Record<string, number>>;

/** A worker's view: runs one job of a run. */
export type JobRunner = (job: unknown) => Promise<unknown>;
