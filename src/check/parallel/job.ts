/**
 * The unit of parallel (and distributed) checking: a serializable job and its result, and
 * `runJob`, which runs one anywhere the scenario can be loaded (a pool thread, `pool.ts`;
 * another machine, a queue worker; its mechanism is in `job-runs.ts`). Everything here is
 * plain JSON-safe data.
 *
 * Protocol (version {@link JOB_PROTOCOL}):
 *
 *     coordinator (`coordinator.ts`)                      runJob (anywhere)
 *     SubtreeJob {scenario, options, prefix, budget} ---> load the scenario (cached per ref)
 *                                                          probe the footprints the root lacks
 *                                                          DFS below the prefix, <= budget runs,
 *                                                          stop at the first finding
 *                 <--- JobResult {counters, digest, finding?, above, rootAccess, frontier}
 *     SeedJob {scenario, options, seed, chunk, budget} -> random / PCT runs, first finding
 *                 <--- JobResult {counters, digest, finding?}
 *
 * - `above`: backtrack requests `[node, task]` that races found at the prefix's nodes (above
 *   the subtree's root): the coordinator applies them to its tree; they become new jobs,
 *   never a lost branch (Yang et al., SPIN 2007). Applying one twice changes nothing.
 * - `frontier`: when the budget ran out, the nodes from the subtree's root down to the next
 *   branch point (the last node's `chosen` is not run yet). The coordinator adopts them and
 *   hands their unexplored choices out as new jobs. Empty when the subtree is complete.
 * - `rootAccess`: the footprint of the prefix's last choice, so that siblings handed out
 *   later need no probe run.
 *
 * A result is a function of its job alone (a job is deterministic: same scenario, same
 * prefix, same budget, same runs), so jobs are idempotent: a job run twice (a retried queue
 * job, a duplicate) gives the same result, and the coordinator keeps the first result per
 * `id` and drops the others. Time is the one exception: a job stopped by its deadline says so
 * (`stoppedBy: 'timeLimitMs'`), and the whole check then ends incomplete. The deadline is a
 * wall-clock time, not a duration: a job that waited in a queue (the pool's, Redis's) past
 * the check's time limit runs its probes and one run, not a whole budget, so a pooled check
 * ends at its limit and not a round later. Across machines this assumes synchronized clocks;
 * a clock ahead stops its jobs early, which makes a check incomplete, never wrong.
 */

import { InvalidArgumentError } from '../../errors.ts';
import { ExecutionLog } from '../execution-log.ts';
import type { CoreEngine } from '../notifier-core.ts';
import { type Found, search, startCounters } from '../search.ts';
import { DfsStrategy } from '../strategies/dfs.ts';
import type { DfsNode, ScheduleDigest } from '../strategies/dfs-node.ts';
import type { PointProbe } from '../task-record.ts';
import type { FindingKind } from '../types.ts';
import type { Scenario } from '../world.ts';
import { probeRoot, runSettingsOf, stoppedBy, strategyOf, toJobFinding } from './job-runs.ts';
import { loadScenarioRef, type ScenarioRef } from './scenario-ref.ts';

export { runSettingsOf } from './job-runs.ts';

/** The version of the job protocol; a job of another version is refused. */
export const JOB_PROTOCOL = 2;

/** The checker settings a job runs under (the resolved `check()` options that runs need). */
export interface JobOptions {
  /** DPOR with sleep sets (`dfs`). */
  readonly reduction: boolean;
  /** Preemptions allowed per schedule; null: unbounded. */
  readonly preemptionBound: number | null;
  /** Fair schedules only. */
  readonly fairness: boolean;
  /** The step bound of a run. */
  readonly maxSteps: number;
  /** The seed of `world.random()` (and of chunk 0 of a seed job). */
  readonly seed: number;
  /** `world.semantics` (one of `SEMANTICS`). */
  readonly semantics: string;
  /** The engine of `world.notifierCore()`. */
  readonly core: CoreEngine;
  /** PCT's bug depth. */
  readonly pctDepth: number;
  /** Run the lock validator (its graph is the job's own). */
  readonly lockdep: boolean;
  /**
   * Go on past findings (default false): the job explores its whole budget and reports the
   * first. For harnesses that watch every run (the soundness differential), not for `check()`.
   */
  readonly allFindings?: boolean;
}

/** What every job carries. */
interface JobBase {
  /** The protocol version ({@link JOB_PROTOCOL}). */
  readonly protocol: number;
  /** Unique in its check: the subtree's path (`d:0.2.1`) or the seed chunk (`s:3`). */
  readonly id: string;
  /** Where the scenario comes from (loaded once per worker). */
  readonly scenario: ScenarioRef;
  /** The checker settings of the runs. */
  readonly options: JobOptions;
  /** At most this many runs (the search's own runs; probes excluded). */
  readonly maxSchedules: number;
  /**
   * Stop at this wall-clock time, in ms since the epoch (`Date.now()`), after at least one
   * run (then `stoppedBy: 'timeLimitMs'`): the check's deadline, shared by all its jobs.
   */
  readonly deadlineMs: number;
}

/** Explore the DFS subtree below `prefix` (see the module comment). */
export interface SubtreeJob extends JobBase {
  /** `subtree`. */
  readonly kind: 'subtree';
  /** The nodes from the tree's root; the last one's `chosen` is the subtree's first choice. */
  readonly prefix: readonly DfsNode[];
}

/** Run `maxSchedules` random or PCT schedules from chunk `chunk` of the seed. */
export interface SeedJob extends JobBase {
  /** `seeds`. */
  readonly kind: 'seeds';
  /** The strategy of the runs. */
  readonly strategy: 'random' | 'pct';
  /** Chunk 0 uses `options.seed` itself, so it repeats the first runs of a one-thread check. */
  readonly chunk: number;
}

/** A job of either kind. */
export type Job = SubtreeJob | SeedJob;

/** A finding of a job: enough to replay it. */
export interface JobFinding {
  /** What was violated. */
  readonly kind: FindingKind;
  /** One line naming the problem. */
  readonly message: string;
  /** What must stay equal for another run to show the same bug. */
  readonly signature: string;
  /** The task chosen at each step of the run. */
  readonly choices: readonly number[];
  /** For a lock-order finding: the other runs whose lock dependencies close its cycle. */
  readonly priors: readonly (readonly number[])[];
  /** Steps of the run. */
  readonly steps: number;
  /** Preemptions of the run. */
  readonly preemptions: number;
}

/** What a job gives back (see the module comment). */
export interface JobResult {
  /** The protocol version ({@link JOB_PROTOCOL}). */
  readonly protocol: number;
  /** The job's id. */
  readonly id: string;
  /** The job's kind. */
  readonly kind: Job['kind'];
  /** Runs of the search (pruned ones included). */
  readonly schedules: number;
  /** Extra runs that measured a footprint the root lacked (not in `schedules`). */
  readonly probes: number;
  /** Steps of all runs. */
  readonly steps: number;
  /** Runs cut by the strategy (sleep-set blocked, past the bound). */
  readonly pruned: number;
  /** The digest of the schedules run (`dfs-node.ts`); zero for a seed job. */
  readonly digest: ScheduleDigest;
  /** The first finding, in the job's own order; the job stopped there. */
  readonly finding: JobFinding | null;
  /** Backtrack requests `[node, task]` at prefix nodes. */
  readonly above: readonly (readonly [number, number])[];
  /** The footprint of the prefix's last choice (null: no reduction or no prefix). */
  readonly rootAccess: readonly number[] | null;
  /** The rest of the subtree, when the budget ran out (empty: complete or stopped). */
  readonly frontier: readonly DfsNode[];
  /** The budget that stopped the job early, if one did. */
  readonly stoppedBy: 'maxSchedules' | 'timeLimitMs' | null;
}

/** Checks the parts of a job a foreign sender could get wrong. @throws InvalidArgumentError */
function validateJob(job: Job): void {
  if (job.protocol !== JOB_PROTOCOL)
    throw new InvalidArgumentError(
      `job ${job.id}: protocol ${job.protocol}, expected ${JOB_PROTOCOL}`,
    );
  if (!(job.maxSchedules >= 1)) throw new InvalidArgumentError(`job ${job.id}: maxSchedules < 1`);
  if (!Number.isFinite(job.deadlineMs))
    throw new InvalidArgumentError(`job ${job.id}: deadlineMs is not a time`);
  if (job.kind === 'subtree' && job.options.reduction && job.options.preemptionBound !== null)
    throw new InvalidArgumentError(`job ${job.id}: reduction with a preemption bound`);
}

/**
 * Runs one job (see the module comment). `scenario`: the loaded scenario, when the caller
 * has it; otherwise `job.scenario` is loaded (and cached). `onFinding`: told of every
 * finding's run (in-process harnesses: with `allFindings`, every one of the job's).
 * `probe`: told of every point the runs pass (the CLI's hang watchdog, on the calling thread).
 * @throws InvalidArgumentError for a malformed job or a scenario that does not load.
 * @throws StateError when the scenario is not deterministic.
 */
export async function runJob(
  job: Job,
  scenario?: Scenario,
  onFinding?: (found: Found) => void,
  probe?: PointProbe | null,
): Promise<JobResult> {
  validateJob(job);
  const loaded = scenario ?? (await loadScenarioRef(job.scenario));
  const dfs = job.kind === 'subtree';
  const run = { ...runSettingsOf(job.options, dfs), probe: probe ?? null };
  const log = new ExecutionLog();
  const prefix = dfs ? [...job.prefix] : [];
  const probes =
    dfs && job.options.reduction && prefix.length > 0
      ? await probeRoot(loaded, prefix, log, run)
      : 0;
  const strategy = strategyOf(job, prefix);
  const counters = startCounters();
  let first: Found | undefined;
  const all = job.options.allFindings === true;
  const searched = await search(loaded, strategy, log, run, counters, {
    maxSchedules: job.maxSchedules,
    timeLimitMs: job.deadlineMs - Date.now(),
    onProgress: undefined,
    onFinding: (found) => {
      onFinding?.(found);
      first ??= found;
      return !all;
    },
  });
  const tree = strategy instanceof DfsStrategy ? strategy : null;
  const stop = stoppedBy(searched, tree, job);
  const k = prefix.length - 1;
  return {
    protocol: JOB_PROTOCOL,
    id: job.id,
    kind: job.kind,
    schedules: counters.schedules,
    probes,
    steps: counters.steps,
    pruned: counters.pruned,
    digest: tree?.digest ?? { a: 0, b: 0 },
    finding: first === undefined ? null : toJobFinding(first),
    above: tree?.above ?? [],
    rootAccess: tree !== null && k >= 0 ? tree.accessAt(k, prefix[k]!.chosen) : null,
    frontier: tree !== null && stop === 'maxSchedules' ? tree.frontier() : [],
    stoppedBy: stop,
  };
}

/** Alias of {@link runJob} for a subtree job (the name the queue workers use). */
export function runSubtreeJob(job: SubtreeJob, scenario?: Scenario): Promise<JobResult> {
  return runJob(job, scenario);
}
