/**
 * Replaying the *priors* of a `lock-order` finding: the other runs whose dependencies close
 * its cycle. Each prior's choices are followed step by step and the run is cut right after
 * the last one (the dependency was taken in that step), so a prior adds to the lock graph
 * exactly what it added when it was first seen, and nothing after. Its own findings, if
 * any, are not reported: only the graph it leaves matters.
 */

import { InvalidArgumentError } from '../../errors.ts';
import { type RunSettings, runSchedule } from '../execution.ts';
import type { ExecutionLog } from '../execution-log.ts';
import { PrefixChooser } from '../prefix-chooser.ts';
import type { Counters } from '../search.ts';
import type { Scenario } from '../world.ts';

/** A prior that no longer replays: the scenario or the code changed since it was printed. */
function diverged(step: number, choice: number): never {
  throw new InvalidArgumentError(
    `replay of a prior diverged at step ${step}: task ${choice} cannot run; ` +
      'the scenario or the code changed since the schedule was printed',
  );
}

/** Runs each prior into `run.lockdep`'s graph (see the module comment). */
export async function replayPriors(
  scenario: Scenario,
  priors: readonly (readonly number[])[],
  log: ExecutionLog,
  run: RunSettings,
  counters: Counters,
): Promise<void> {
  for (const prior of priors) {
    const outcome = await runSchedule(scenario, new PrefixChooser(prior, diverged), log, {
      ...run,
      trace: false,
      lockdepSites: true,
    });
    counters.schedules++;
    counters.steps += outcome.steps;
  }
}
