/**
 * The replay strategy: follows a schedule's choices step by step, then (if the run goes
 * on past them) keeps the running task while it can run, else the lowest enabled one.
 * One run. A choice that is not enabled means the scenario or the code changed since the
 * schedule was printed: the replay stops with a diagnosis instead of guessing.
 */

import { InvalidArgumentError } from '../../errors.ts';
import type { ExecutionLogView } from '../execution-log.ts';
import { continueOrLowest, type Strategy, type StrategyName } from '../strategy.ts';

/** Follows a fixed list of choices (see the module comment). */
export class ReplayStrategy implements Strategy {
  readonly name: StrategyName = 'replay';
  readonly #choices: readonly number[];
  #runs = 0;
  #followed = false;

  /** @param choices the task index at each step, from a decoded schedule. */
  constructor(choices: readonly number[]) {
    this.#choices = choices;
  }

  get complete(): boolean {
    return false;
  }

  /** True when the last run used every choice of the schedule. */
  get followed(): boolean {
    return this.#followed;
  }

  newExecution(): boolean {
    return this.#runs++ === 0;
  }

  nextTask(step: number, enabled: number, previous: number, _log: ExecutionLogView): number {
    if (step >= this.#choices.length) return continueOrLowest(enabled, previous);
    const choice = this.#choices[step]!;
    if ((enabled & (1 << choice)) === 0) {
      throw new InvalidArgumentError(
        `replay diverged at step ${step}: task ${choice} cannot run (runnable: ${listBits(enabled)}); ` +
          'the scenario or the code changed since the schedule was printed',
      );
    }
    return choice;
  }

  endExecution(log: ExecutionLogView): void {
    this.#followed = log.steps >= this.#choices.length;
  }
}

function listBits(mask: number): string {
  const out: number[] = [];
  for (let i = 0; i < 31; i++) if ((mask & (1 << i)) !== 0) out.push(i);
  return out.join(', ');
}
