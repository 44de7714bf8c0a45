/**
 * A chooser that follows a fixed list of choices and then prunes the run (`-1`): the runs
 * that replay a lock-order finding's priors (`lockdep/priors.ts`) and the probe runs of a
 * parallel job (`parallel/job-runs.ts`). What a choice that cannot run means differs (a user's
 * stale schedule, or an internal error), so the caller says how to report it.
 */

import type { Chooser } from './execution.ts';

/** Follows `choices`, then prunes the run (-1); a disabled choice goes to `diverged`. */
export class PrefixChooser implements Chooser {
  readonly #choices: readonly number[];
  readonly #diverged: (step: number, choice: number) => never;

  constructor(choices: readonly number[], diverged: (step: number, choice: number) => never) {
    this.#choices = choices;
    this.#diverged = diverged;
  }

  nextTask(step: number, enabled: number): number {
    if (step >= this.#choices.length) return -1;
    const choice = this.#choices[step]!;
    if ((enabled & (1 << choice)) === 0) this.#diverged(step, choice);
    return choice;
  }
}
