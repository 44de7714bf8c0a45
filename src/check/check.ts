/**
 * `check(scenario, options)`: the checker's entry point. Logs the effective options first,
 * picks the strategy, searches, minimizes a finding, then replays the minimized schedule
 * with tracing on and asserts that the replay reproduces it exactly (same signature, same
 * step): the trace returned is the trace of that replay.
 */

import { StateError } from '../errors.ts';
import { type RunOutcome, type RunSettings, runSchedule } from './execution.ts';
import { ExecutionLog } from './execution-log.ts';
import { LockGraph } from './lockdep/graph.ts';
import { replayPriors } from './lockdep/priors.ts';
import { isLockdepFinding, publishReport } from './lockdep/report.ts';
import { minimize } from './minimize.ts';
import { type CheckOptions, describeSettings, resolveOptions, type Settings } from './options.ts';
import type { Executor } from './parallel/coordinator.ts';
import { searchParallel } from './parallel/search.ts';
import { encodeSchedule } from './schedule.ts';
import {
  type Counters,
  type Found,
  progress,
  type SearchEnd,
  search,
  startCounters,
} from './search.ts';
import { DfsStrategy } from './strategies/dfs.ts';
import { formatDigest } from './strategies/dfs-node.ts';
import { PctStrategy } from './strategies/pct.ts';
import { RandomStrategy } from './strategies/random.ts';
import { ReplayStrategy } from './strategies/replay.ts';
import type { Strategy } from './strategy.ts';
import type { PointProbe } from './task-record.ts';
import type { CheckResult, CheckStats, Finding } from './types.ts';
import { defineScenario, type Scenario } from './world.ts';

function createStrategy(settings: Settings): Strategy {
  switch (settings.strategy) {
    case 'dfs':
      return new DfsStrategy({
        reduction: settings.reduction,
        preemptionBound: settings.preemptionBound,
        fairness: settings.fairness,
      });
    case 'random':
      return new RandomStrategy(settings.seed);
    case 'pct':
      return new PctStrategy(settings.pctDepth, settings.seed);
    case 'replay':
      return new ReplayStrategy(settings.schedule?.choices ?? []);
  }
}

/**
 * Explores the interleavings of `scenario` and resolves to `{ ok, finding?, stats }`.
 * A finding is minimized (fewest preemptions, then fewest steps) and carries the schedule
 * string that replays it: `check(scenario, { strategy: 'replay', schedule })`.
 *
 * `check()` runs the scenario's tasks on the calling thread. A task that loops without
 * reaching a scheduling point (a busy-wait on `.value`, say) never gives control back: the
 * call then never settles and `timeLimitMs` cannot stop it (the clock is read between runs
 * only). The `mmu-notifier check` command runs the exploration in a worker thread instead,
 * terminates it at the time limit and reports such a run as a `hang` finding naming the task
 * and its last scheduling point.
 * @throws InvalidArgumentError for a malformed scenario, a bad option or a replay that diverges.
 * @throws ScenarioSetupError when the scenario's `setup` throws or blocks (its own mistake,
 * not a finding; the message names the file and line).
 * @throws StateError when the scenario is not deterministic (a schedule did not repeat).
 */
export function check(scenario: Scenario, options: CheckOptions = {}): Promise<CheckResult> {
  return checkProbed(scenario, options, null);
}

/**
 * {@link check} whose jobs (`parallel/job.ts`) all run on `executor`, whatever `workers` says:
 * a distributed run's queue (`src/queue/executor.ts`). The search, the minimizer and the
 * traced replay of a finding run here, as with `workers`.
 */
export function checkOnExecutor(
  scenario: Scenario,
  options: CheckOptions,
  executor: Executor,
): Promise<CheckResult> {
  return checkProbed(scenario, options, null, executor);
}

/** {@link check}, telling `probe` of every point each run passes (the CLI's worker). */
export async function checkProbed(
  scenario: Scenario,
  options: CheckOptions,
  probe: PointProbe | null,
  executor?: Executor,
): Promise<CheckResult> {
  defineScenario(scenario);
  const settings = resolveOptions(options);
  const counters = startCounters();
  const strategy = createStrategy(settings);
  const log = new ExecutionLog();
  const traced = settings.strategy === 'replay';
  const run: RunSettings = {
    maxSteps: settings.maxSteps,
    seed: settings.seed,
    semantics: settings.semantics,
    core: settings.core,
    trace: traced,
    fairness: settings.strategy === 'dfs' && settings.fairness && settings.reduction,
    probe,
    lockdep: settings.lockdep ? new LockGraph() : null,
  };
  // A replayed lock-order finding's other runs rebuild the graph first (nothing without lockdep).
  const priors = settings.lockdep ? (settings.schedule?.priors ?? []) : [];
  await replayPriors(scenario, priors, log, run, counters);
  const parallel =
    (settings.workers > 0 || executor !== undefined) && settings.strategy !== 'replay'
      ? await searchParallel(scenario, settings, log, run, counters, executor)
      : undefined;
  const end: SearchEnd =
    parallel ??
    (await search(scenario, strategy, log, run, counters, {
      maxSchedules: settings.maxSchedules,
      timeLimitMs: settings.timeLimitMs,
      onProgress: settings.onProgress,
      onFinding: () => true,
    }));
  const complete = parallel?.complete ?? (end.found === undefined && strategy.complete);
  const digest =
    settings.strategy !== 'dfs'
      ? undefined
      : (parallel?.digest ??
        (strategy instanceof DfsStrategy ? formatDigest(strategy.digest) : undefined));
  let found = end.found;
  const last = traced && found === undefined ? end.last : undefined;
  let finding: Finding | undefined;
  if (found !== undefined) {
    if (settings.minimize) {
      found = await minimize(
        scenario,
        found,
        log,
        { ...run, trace: false },
        counters,
        settings.timeLimitMs,
        settings.fairness,
      );
    }
    // A replay ran traced already: its run is the finding's (one schedule, not two).
    finding =
      traced && !settings.minimize
        ? toFinding(found.outcome, found.choices, run.seed)
        : await reproduce(scenario, found, log, { ...run, trace: true }, counters);
  }
  settings.onProgress?.(progress(strategy, counters));
  const scheduleText =
    settings.schedule === undefined ? undefined : encodeSchedule(settings.schedule);
  return {
    ok: finding === undefined,
    ...(finding === undefined ? {} : { finding }),
    stats: stats(counters, finding === undefined && complete, end, strategy, digest),
    scenario: scenario.name,
    options: describeSettings(settings, scheduleText),
    ...(last?.trace === null || last === undefined ? {} : { trace: last.trace }),
  };
}

async function replayOnce(
  scenario: Scenario,
  choices: readonly number[],
  log: ExecutionLog,
  run: RunSettings,
  counters: Counters,
): Promise<RunOutcome> {
  const outcome = await runSchedule(scenario, new ReplayStrategy(choices), log, run);
  counters.schedules++;
  counters.steps += outcome.steps;
  return outcome;
}

/**
 * Replays `found` with tracing on and checks that it repeats exactly. A lock-order finding
 * that uses dependencies of other runs replays them first, into a fresh lock graph.
 */
async function reproduce(
  scenario: Scenario,
  found: Found,
  log: ExecutionLog,
  traced: RunSettings,
  counters: Counters,
): Promise<Finding> {
  const expected = found.outcome.finding!;
  const priors = isLockdepFinding(expected) ? expected.priors : [];
  const run = { ...traced, lockdep: traced.lockdep == null ? null : new LockGraph() };
  await replayPriors(scenario, priors, log, run, counters);
  const outcome = await replayOnce(scenario, found.choices, log, run, counters);
  const got = outcome.finding;
  if (
    got === null ||
    got.signature !== expected.signature ||
    outcome.steps !== found.outcome.steps
  ) {
    throw new StateError(
      `scenario is not deterministic: replaying the schedule of '${expected.message}' gave ` +
        `${got === null ? 'no finding' : `'${got.message}'`} (state shared between runs? Math.random? the clock?)`,
    );
  }
  return toFinding(outcome, found.choices, run.seed);
}

/**
 * The public finding of a traced run that made one; a lock-order finding's schedule names
 * the other runs (priors) whose lock dependencies it uses.
 */
function toFinding(outcome: RunOutcome, choices: readonly number[], seed: number): Finding {
  const got = outcome.finding!;
  const priors = isLockdepFinding(got) ? got.priors : [];
  const schedule = encodeSchedule({ choices, seed, ...(priors.length === 0 ? {} : { priors }) });
  const encodePrior = (prior: readonly number[]): string =>
    encodeSchedule({ choices: prior, seed });
  return {
    kind: got.kind,
    message: got.message,
    schedule,
    trace: outcome.trace ?? [],
    step: outcome.steps === 0 ? 0 : outcome.steps - 1,
    preemptions: outcome.preemptions,
    ...(isLockdepFinding(got)
      ? { lockdep: publishReport(got.lockdep, schedule, encodePrior) }
      : {}),
  };
}

function stats(
  counters: Counters,
  complete: boolean,
  end: SearchEnd,
  strategy: Strategy,
  digest: string | undefined,
): CheckStats {
  const elapsedMs = performance.now() - counters.startedMs;
  return {
    schedules: counters.schedules,
    steps: counters.steps,
    elapsedMs,
    schedulesPerSecond: elapsedMs > 0 ? (counters.schedules * 1000) / elapsedMs : 0,
    complete: complete && strategy.name === 'dfs',
    pruned: counters.pruned,
    ...(end.stoppedBy === undefined ? {} : { stoppedBy: end.stoppedBy }),
    ...(digest === undefined ? {} : { scheduleDigest: digest }),
  };
}
