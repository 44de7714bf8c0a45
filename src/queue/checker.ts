/**
 * The checker's jobs on the queue: what `mmu-notifier check --queue` and `mmu-notifier
 * worker` run. The search is `check()`'s parallel search (`check/parallel/coordinator.ts`:
 * rounds of subtree or seed jobs, applied in DFS order), with its executor swapped for the
 * queue's (`executor.ts`), so a distributed run has the verdict, the first finding and (DFS)
 * the schedule set of `check()` with any number of workers, on any number of machines.
 *
 * | side        | does                                                                        |
 * |-------------|-----------------------------------------------------------------------------|
 * | coordinator | opens the run (`run-store.ts`), runs `checkOnExecutor`, stores the verdict   |
 * | worker      | loads the run's scenario once ({@link loadRunner}), runs each job (`runJob`) |
 *
 * A job's result is kept (stored, reused by a resumed run) unless a time limit cut it: such a
 * result depends on the clock, not on the job alone.
 */

import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { checkOnExecutor } from '../check/check.ts';
import type { CheckOptions } from '../check/options.ts';
import type { Executor } from '../check/parallel/coordinator.ts';
import { type Job, type JobResult, runJob } from '../check/parallel/job.ts';
import { loadScenarioRef } from '../check/parallel/scenario-ref.ts';
import type { CheckResult } from '../check/types.ts';
import type { Scenario } from '../check/world.ts';
import { QueueExecutor } from './executor.ts';
import type { JobRunner } from './jobs.ts';
import { LAYOUT_VERSION, type RunMeta } from './layout.ts';
import { RunStore } from './run-store.ts';
import type { QueueAddress } from './url.ts';

/** This copy's package version: a run and its workers must agree on it. */
export const PACKAGE_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

/** The counters of a job's result, summed over the run. */
export function jobCounters(result: JobResult): Record<string, number> {
  return {
    schedules: result.schedules,
    probes: result.probes,
    steps: result.steps,
    pruned: result.pruned,
    findings: result.finding === null ? 0 : 1,
  };
}

/** A result a resumed run may reuse: one no time limit cut. */
export function keepResult(result: JobResult): boolean {
  return result.stoppedBy !== 'timeLimitMs';
}

/**
 * A worker's runner for the run `meta` describes: loads its scenario once.
 * @throws Error when this copy is not the run's version, or the scenario does not load.
 */
export async function loadRunner(meta: RunMeta): Promise<JobRunner> {
  if (meta.layout !== LAYOUT_VERSION || meta.version !== PACKAGE_VERSION) {
    throw new Error(
      `this worker runs mmu-notifier ${PACKAGE_VERSION} (queue layout ${LAYOUT_VERSION}), ` +
        `the run was made by ${meta.version} (layout ${meta.layout})`,
    );
  }
  const scenario = await loadScenarioRef(meta.source);
  return (job) => runJob(job as Job, scenario);
}

/** What a coordinated check is given. */
export interface QueueCheckRequest {
  readonly address: QueueAddress;
  readonly redis: Redis;
  readonly runId: string;
  /** The scenario, loaded here too (the minimizer and the traced replay run here). */
  readonly scenario: Scenario;
  readonly meta: RunMeta;
  /** `check()`'s options (`meta.options` plus the time limit and progress). */
  readonly options: CheckOptions;
}

/** How a coordinated check ended. */
export interface QueueCheckOutcome {
  readonly result: CheckResult;
  /** True when the run existed (a resumed run, or a finished one's stored verdict). */
  readonly resumed: boolean;
  /** True when the run was finished already: `result` is its stored verdict. */
  readonly stored: boolean;
  /** The run's counters in Redis: jobs, reused results, summed job counters. */
  readonly stats: Readonly<Record<string, number>>;
}

/**
 * Runs (or resumes) run `runId` of `meta`'s check on the queue's workers; stores the verdict
 * unless the time limit stopped the search (the run can then be resumed).
 * @throws QueueError (`run-mismatch`, `worker-load`, `job-failed`).
 */
export async function checkOnQueue(request: QueueCheckRequest): Promise<QueueCheckOutcome> {
  const store = new RunStore(request.redis, request.runId);
  const opened = await store.open(request.meta, Date.now());
  if (opened.status === 'done' && opened.verdict !== undefined) {
    const result = JSON.parse(opened.verdict) as CheckResult;
    return { result, resumed: true, stored: true, stats: await store.stats() };
  }
  const executor = await QueueExecutor.open<Job, JobResult>({
    address: request.address,
    store,
    counters: jobCounters,
    keep: keepResult,
  });
  try {
    const options: CheckOptions = { ...request.options, source: request.meta.source };
    const result = await checkOnExecutor(request.scenario, options, executor as Executor);
    if (result.stats.stoppedBy !== 'timeLimitMs') {
      await store.finish(JSON.stringify(result));
      await executor.removeJobs();
    }
    return { result, resumed: !opened.created, stored: false, stats: await store.stats() };
  } finally {
    await executor.close();
  }
}
