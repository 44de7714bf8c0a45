/**
 * Minimization of a counterexample: among the schedules that show the same bug (equal
 * finding signature), find one with the fewest preemptions, then the fewest steps.
 *
 * Method: for bound = 0, 1, ... up to the preemptions of the best schedule so far, run a
 * plain (unreduced) exhaustive search bounded to `bound` preemptions, keeping the best
 * finding of that signature; stop at the first bound that has one (a higher bound cannot
 * have fewer preemptions, and the search at this bound saw every schedule with as few).
 * The search is fair when the check's is (an unfair schedule would turn a fair `livelock`
 * into the spin it was not). The whole minimization is budgeted ({@link MINIMIZE_SCHEDULES_MAX}); when the budget runs
 * out the best schedule found so far is kept, so the result is never worse than the input.
 */

import type { RunSettings } from './execution.ts';
import type { ExecutionLog } from './execution-log.ts';
import { MINIMIZE_SCHEDULES_MAX } from './limits.ts';
import { type Counters, type Found, search } from './search.ts';
import { DfsStrategy } from './strategies/dfs.ts';
import type { Scenario } from './world.ts';

function better(a: Found, b: Found): boolean {
  if (a.outcome.preemptions !== b.outcome.preemptions)
    return a.outcome.preemptions < b.outcome.preemptions;
  return a.outcome.steps < b.outcome.steps;
}

/** Returns the smallest schedule found showing `original`'s bug (see the module comment). */
export async function minimize(
  scenario: Scenario,
  original: Found,
  log: ExecutionLog,
  settings: RunSettings,
  counters: Counters,
  timeLimitMs: number,
  fairness = true,
  budget: number = MINIMIZE_SCHEDULES_MAX,
): Promise<Found> {
  const signature = original.outcome.finding?.signature;
  let best = original;
  let left = budget;
  for (let bound = 0; bound <= best.outcome.preemptions && left > 0; bound++) {
    const before = counters.schedules;
    const strategy = new DfsStrategy({ reduction: false, preemptionBound: bound, fairness });
    const end = await search(scenario, strategy, log, settings, counters, {
      maxSchedules: left,
      timeLimitMs,
      onProgress: undefined,
      onFinding: (found) => {
        if (found.outcome.finding?.signature === signature && better(found, best)) best = found;
        return false;
      },
    });
    left -= counters.schedules - before;
    if (best.outcome.preemptions <= bound || end.stoppedBy === 'timeLimitMs') break;
  }
  return best;
}
