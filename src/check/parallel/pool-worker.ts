/**
 * The entry of a pool thread (`pool.ts`): runs one job (`job.ts`) per call. Never throws:
 * an error crosses as data ({@link JobReply}), so that its class survives the thread boundary
 * (a scenario's own mistake stays a user's error; a defect stays a defect).
 */

import { InternalError, MmuNotifierError } from '../../errors.ts';
import { type Job, type JobResult, runJob } from './job.ts';

/** A job's result, or its error as plain data. */
export type JobReply =
  | { readonly ok: true; readonly result: JobResult }
  | {
      readonly ok: false;
      /** The error's class name (`StateError`, `InvalidArgumentError`, ...). */
      readonly name: string;
      /** A user's mistake (an `MmuNotifierError` other than `InternalError`). */
      readonly user: boolean;
      readonly message: string;
      readonly stack: string;
    };

/**
 * Answers once this thread has loaded the job engine (tsx, the checker, the library): the
 * pool's readiness probe (`JobPool.ready`). Pairs with `JobPool.ready`.
 */
export function ping(): true {
  return true;
}

/** Runs `job`; its result or its error (see the module comment). */
export default async function runPooledJob(job: Job): Promise<JobReply> {
  try {
    return { ok: true, result: await runJob(job) };
  } catch (error) {
    const user = error instanceof MmuNotifierError && !(error instanceof InternalError);
    const message = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      name: error instanceof Error ? error.constructor.name : typeof error,
      user,
      message,
      stack: error instanceof Error ? (error.stack ?? message) : message,
    };
  }
}
