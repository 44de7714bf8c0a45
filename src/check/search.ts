/**
 * The search loop shared by `check()` and the minimizer: runs schedules from a strategy
 * until it has none left, a finding (when asked to stop there), or a budget is spent.
 * Budgets and the clock live here, never in a strategy or a run: the clock is read between
 * runs only, and the loop yields to the event loop every {@link YIELD_EVERY_MS} so that a
 * long search does not starve the process (a run itself never yields).
 */

import { type RunOutcome, type RunSettings, runSchedule } from './execution.ts';
import type { ExecutionLog } from './execution-log.ts';
import { PROGRESS_EVERY_SCHEDULES, YIELD_EVERY_MS } from './limits.ts';
import type { CheckProgress } from './options.ts';
import type { Strategy } from './strategy.ts';
import type { Scenario } from './world.ts';

/** Counters of one `check()` call, shared by the search and the minimizer. */
export interface Counters {
  /** Schedules run. */
  schedules: number;
  /** Steps run. */
  steps: number;
  /** Runs cut by the strategy (sleep-set blocked or past the preemption bound). */
  pruned: number;
  /** `performance.now()` at the start of the call. */
  readonly startedMs: number;
  /** `performance.now()` at the last yield to the event loop. */
  lastYieldMs: number;
}

/** A run with a finding and the choices that produced it. */
export interface Found {
  /** The run's outcome (its `finding` is set). */
  readonly outcome: RunOutcome;
  /** The task chosen at each step. */
  readonly choices: number[];
}

/** How a search ended. */
export interface SearchEnd {
  /** The first finding, when the search stopped at one. */
  readonly found: Found | undefined;
  /** The budget that stopped the search, if one did. */
  readonly stoppedBy: 'maxSchedules' | 'timeLimitMs' | undefined;
  /** The outcome of the last run. */
  readonly last: RunOutcome | undefined;
}

/** The limits and hooks of one search. */
export interface SearchLimits {
  /** Stop after this many schedules of this search. */
  readonly maxSchedules: number;
  /** Stop once the call's elapsed time passes this. */
  readonly timeLimitMs: number;
  /** Progress reports (every {@link PROGRESS_EVERY_SCHEDULES}). */
  readonly onProgress: ((progress: CheckProgress) => void) | undefined;
  /** Called for each finding; return true to stop the search there. */
  readonly onFinding: (found: Found) => boolean;
}

/** A fresh set of counters, started now. */
export function startCounters(): Counters {
  const now = performance.now();
  return { schedules: 0, steps: 0, pruned: 0, startedMs: now, lastYieldMs: now };
}

/** Runs schedules from `strategy` (see the module comment). */
export async function search(
  scenario: Scenario,
  strategy: Strategy,
  log: ExecutionLog,
  settings: RunSettings,
  counters: Counters,
  limits: SearchLimits,
): Promise<SearchEnd> {
  let runs = 0;
  let last: RunOutcome | undefined;
  while (strategy.newExecution()) {
    const outcome = await runSchedule(scenario, strategy, log, settings);
    last = outcome;
    runs++;
    counters.schedules++;
    counters.steps += outcome.steps;
    if (outcome.status === 'pruned') counters.pruned++;
    const found = outcome.finding === null ? undefined : { outcome, choices: log.choices() };
    strategy.endExecution(log);
    if (found !== undefined && limits.onFinding(found))
      return { found, stoppedBy: undefined, last };
    if (limits.onProgress !== undefined && counters.schedules % PROGRESS_EVERY_SCHEDULES === 0) {
      limits.onProgress(progress(strategy, counters));
    }
    const now = performance.now();
    if (now - counters.startedMs >= limits.timeLimitMs)
      return { found: undefined, stoppedBy: 'timeLimitMs', last };
    if (runs >= limits.maxSchedules) return { found: undefined, stoppedBy: 'maxSchedules', last };
    if (now - counters.lastYieldMs >= YIELD_EVERY_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      counters.lastYieldMs = performance.now();
    }
  }
  return { found: undefined, stoppedBy: undefined, last };
}

/** A progress record. */
export function progress(strategy: Strategy, counters: Counters): CheckProgress {
  return {
    strategy: strategy.name,
    schedules: counters.schedules,
    steps: counters.steps,
    elapsedMs: performance.now() - counters.startedMs,
  };
}
