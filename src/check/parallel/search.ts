/**
 * `check()`'s search with `workers` > 1: a {@link Coordinator} over a {@link JobPool}, then
 * the first finding replayed on the calling thread (the minimizer and the traced replay run
 * here, as in a one-thread check). Counters merge the workers' (and their probe runs).
 */

import { StateError } from '../../errors.ts';
import { type RunSettings, runSchedule } from '../execution.ts';
import type { ExecutionLog } from '../execution-log.ts';
import { LockGraph } from '../lockdep/graph.ts';
import { replayPriors } from '../lockdep/priors.ts';
import type { Settings } from '../options.ts';
import type { Counters, Found, SearchEnd } from '../search.ts';
import { formatDigest } from '../strategies/dfs-node.ts';
import { ReplayStrategy } from '../strategies/replay.ts';
import type { Scenario } from '../world.ts';
import { Coordinator, type Executor } from './coordinator.ts';
import type { JobFinding } from './job.ts';
import { JobPool } from './pool.ts';
import { refOf } from './scenario-ref.ts';

/** How a parallel search ended. */
export interface ParallelSearchEnd extends SearchEnd {
  /** Every schedule explored (DFS) and no finding. */
  readonly complete: boolean;
  /** The digest of the schedules the workers ran (DFS). */
  readonly digest: string;
}

/** The run of a job's finding, replayed here (its lock-order priors first). */
async function replayFinding(
  scenario: Scenario,
  finding: JobFinding,
  log: ExecutionLog,
  run: RunSettings,
  counters: Counters,
): Promise<Found> {
  const replay = { ...run, lockdep: run.lockdep == null ? null : new LockGraph() };
  await replayPriors(scenario, finding.priors, log, replay, counters);
  const outcome = await runSchedule(scenario, new ReplayStrategy(finding.choices), log, replay);
  counters.schedules++;
  counters.steps += outcome.steps;
  if (outcome.finding?.signature !== finding.signature) {
    throw new StateError(
      `scenario is not deterministic: a worker's finding '${finding.message}' did not repeat on ` +
        'the calling thread (state shared between runs? Math.random? the clock?)',
    );
  }
  return { outcome, choices: [...finding.choices] };
}

/**
 * Runs the search of `settings` on `settings.workers` threads (or on `executor`, when given).
 * @throws InvalidArgumentError when the scenario cannot be loaded in another thread.
 */
export async function searchParallel(
  scenario: Scenario,
  settings: Settings,
  log: ExecutionLog,
  run: RunSettings,
  counters: Counters,
  executor?: Executor,
): Promise<ParallelSearchEnd> {
  const ref = await refOf(scenario, settings.source);
  const pool = executor === undefined ? await JobPool.open(settings.workers) : null;
  const base = { schedules: counters.schedules, steps: counters.steps };
  const onProgress = (schedules: number, steps: number): void => {
    if (settings.onProgress === undefined) return;
    settings.onProgress({
      strategy: settings.strategy,
      schedules: base.schedules + schedules,
      steps: base.steps + steps,
      elapsedMs: performance.now() - counters.startedMs,
    });
  };
  let end: Awaited<ReturnType<Coordinator['run']>>;
  try {
    end = await new Coordinator(settings, ref, executor ?? pool!, onProgress).run();
  } finally {
    await pool?.close();
  }
  counters.schedules += end.schedules + end.probes;
  counters.steps += end.steps;
  counters.pruned += end.pruned;
  const found =
    end.finding === undefined
      ? undefined
      : await replayFinding(scenario, end.finding, log, run, counters);
  return {
    found,
    stoppedBy: found === undefined ? end.stoppedBy : undefined,
    last: undefined,
    complete: found === undefined && end.complete && settings.strategy === 'dfs',
    digest: formatDigest(end.digest),
  };
}
