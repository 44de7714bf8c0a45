/**
 * `check()`'s search with `workers` set: a {@link Coordinator} over a {@link JobPool} (or,
 * for one worker, a {@link LocalExecutor}: the same jobs on the calling thread; while the
 * pool's threads start, the calling thread runs the first jobs, `start-up.ts`), then the
 * first finding replayed on the calling thread (the minimizer and the traced replay run
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
import type { PointProbe } from '../task-record.ts';
import type { Scenario } from '../world.ts';
import { Coordinator, type Executor } from './coordinator.ts';
import { type Job, type JobFinding, type JobResult, runJob } from './job.ts';
import { JobPool } from './pool.ts';
import { refOf } from './scenario-ref.ts';
import { StartUpExecutor } from './start-up.ts';

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
 * Runs jobs one at a time on the calling thread, on the scenario object itself (no thread,
 * no scenario reference to load): `workers: 1`, and harnesses that watch every run.
 */
export class LocalExecutor implements Executor {
  readonly #scenario: Scenario;
  readonly #probe: PointProbe | null;
  #chain: Promise<unknown> = Promise.resolve();

  /** `probe`: told of every point the runs pass (the CLI's hang watchdog). */
  constructor(scenario: Scenario, probe: PointProbe | null = null) {
    this.#scenario = scenario;
    this.#probe = probe;
  }

  /** Runs `job` after the jobs handed in before it (the runs of one thread never interleave). */
  run(job: Job): Promise<JobResult> {
    const mine = this.#chain
      .then(() => runJob(job, this.#scenario, undefined, this.#probe))
      .finally(() => this.#probe?.idle?.());
    this.#chain = mine.catch(() => undefined);
    return mine;
  }
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
  const local = executor === undefined && settings.workers === 1;
  const ref = local
    ? (settings.source ?? { library: scenario.name })
    : await refOf(scenario, settings.source);
  const pool = executor === undefined && !local ? await JobPool.shared(settings.workers) : null;
  const here = new LocalExecutor(scenario, run.probe ?? null);
  // The calling thread runs the first jobs while the pool's threads start (`start-up.ts`).
  const startUp = pool === null ? null : new StartUpExecutor(pool, here);
  const executes = executor ?? startUp ?? here;
  const base = { schedules: counters.schedules, steps: counters.steps };
  const onProgress = (schedules: number, steps: number): void => {
    run.probe?.jobEnded?.(); // a result came: the search moves, wherever the job ran
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
    end = await new Coordinator(settings, ref, executes, onProgress).run();
  } catch (error) {
    await startUp?.idle();
    await pool?.close();
    throw error;
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
