/**
 * The differential's harness: every outcome of an exhaustive search of a program, through
 * the internal search loop (it goes on past findings, which `check()` does not).
 *
 * An outcome: for a complete run, the final cell values and each task's observations; for a
 * deadlock, the same state at the deadlock; for an invariant violation, just that (which
 * invariant fires first, and the state outside the cells it reads, may differ between
 * equivalent runs); for any other finding, its kind and message.
 */

import { ExecutionLog } from '../../../src/check/execution-log.ts';
import { search, startCounters } from '../../../src/check/search.ts';
import { DfsStrategy } from '../../../src/check/strategies/dfs.ts';
import type { Scenario } from '../../../src/check/world.ts';
import type { Program } from './program.ts';
import { toScenario } from './run-program.ts';

/** What an exhaustive search of a program reached. */
export interface Explored {
  /** Every outcome, sorted. */
  readonly outcomes: readonly string[];
  /** Schedules run (pruned ones included). */
  readonly schedules: number;
  /** False when the schedule budget ran out first. */
  readonly complete: boolean;
}

/** Plain DFS gives up past this many schedules (the program is skipped, not compared). */
export const PLAIN_SCHEDULES_MAX = 200_000;

/** Explores `program` exhaustively, with or without the reduction. */
export async function explore(
  program: Program,
  reduction: boolean,
  maxSchedules: number = PLAIN_SCHEDULES_MAX,
): Promise<Explored> {
  const seen = new Set<string>();
  const { scenario, describe } = toScenario(program, (outcome) => seen.add(outcome));
  return exploreScenario(scenario, reduction, seen, describe, maxSchedules);
}

/** Explores `scenario`, adding each run's outcome to `seen` (see the module comment). */
export async function exploreScenario(
  scenario: Scenario,
  reduction: boolean,
  seen: Set<string>,
  describe: () => string,
  maxSchedules: number = PLAIN_SCHEDULES_MAX,
): Promise<Explored> {
  const strategy = new DfsStrategy({ reduction, preemptionBound: undefined });
  const counters = startCounters();
  // As check() runs the default search: fair, and with the reduction the fairness accesses
  // recorded (a yield is dependent with every other task's step: docs/architecture.md).
  const run = {
    maxSteps: 200,
    seed: 0,
    semantics: 'current',
    trace: false,
    fairness: reduction,
  } as const;
  await search(scenario, strategy, new ExecutionLog(), run, counters, {
    maxSchedules,
    timeLimitMs: 600_000,
    onProgress: undefined,
    onFinding: (found) => {
      const f = found.outcome.finding!;
      if (f.kind === 'deadlock') seen.add(`deadlock ${describe()}`);
      else if (f.kind === 'invariant') seen.add('invariant');
      else seen.add(`${f.kind} ${f.message}`);
      return false;
    },
  });
  return { outcomes: [...seen].sort(), schedules: counters.schedules, complete: strategy.complete };
}
