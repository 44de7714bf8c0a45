/**
 * Replaying the *priors* of a `lock-order` finding: the other runs whose dependencies close
 * its cycle. Each prior's choices are followed step by step and the run is cut right after
 * the last one (the dependency was taken in that step), so a prior adds to the lock graph
 * exactly what it added when it was first seen, and nothing after. Its own findings, if
 * any, are not reported: only the graph it leaves matters.
 */

import { InvalidArgumentError } from '../../errors.ts';
import { type Chooser, type RunSettings, runSchedule } from '../execution.ts';
import type { ExecutionLog } from '../execution-log.ts';
import type { Counters } from '../search.ts';
import type { Scenario } from '../world.ts';

/** Follows `choices`, then prunes the run (-1). */
class PrefixChooser implements Chooser {
  readonly #choices: readonly number[];

  constructor(choices: readonly number[]) {
    this.#choices = choices;
  }

  nextTask(step: number, enabled: number): number {
    if (step >= this.#choices.length) return -1;
    const choice = this.#choices[step]!;
    if ((enabled & (1 << choice)) === 0) {
      throw new InvalidArgumentError(
        `replay of a prior diverged at step ${step}: task ${choice} cannot run; ` +
          'the scenario or the code changed since the schedule was printed',
      );
    }
    return choice;
  }
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
    const outcome = await runSchedule(scenario, new PrefixChooser(prior), log, {
      ...run,
      trace: false,
      lockdepSites: true,
    });
    counters.schedules++;
    counters.steps += outcome.steps;
  }
}
