/**
 * The random-walk strategy: at every step, a uniformly random enabled task, from a seeded
 * generator (same seed, same sequence of schedules). Unbounded: the search loop's budget
 * (`maxSchedules`, `timeLimitMs`) ends it.
 */

import type { ExecutionLogView } from '../execution-log.ts';
import { SeededRandom } from '../prng.ts';
import { bitCount, nthBit, type Strategy, type StrategyName } from '../strategy.ts';

/** Uniform random choice among the enabled tasks. */
export class RandomStrategy implements Strategy {
  readonly name: StrategyName = 'random';
  readonly #random: SeededRandom;

  /** @param seed the generator's seed. */
  constructor(seed: number) {
    this.#random = new SeededRandom(seed);
  }

  get complete(): boolean {
    return false;
  }

  newExecution(): boolean {
    return true;
  }

  nextTask(_step: number, enabled: number, _previous: number, _log: ExecutionLogView): number {
    const count = bitCount(enabled);
    return count === 1 ? nthBit(enabled, 0) : nthBit(enabled, this.#random.below(count));
  }

  endExecution(_log: ExecutionLogView): void {}
}
