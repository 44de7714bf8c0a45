/**
 * The shape of one entry of the scenario library: a scenario, the outcome it must have
 * under its default options, and tags to select groups.
 */

import type { CheckOptions } from '../check/options.ts';
import type { Scenario } from '../check/world.ts';

/** Groups of the library. */
export type ScenarioTag = 'seed' | 'history' | 'everyday' | 'hmm-selftest';

/** One library entry. */
export interface ScenarioEntry {
  /** The scenario (its name and description come from it). */
  readonly scenario: Scenario;
  /** What `check(scenario, defaults)` must report: a finding, or clean (complete unless bounded). */
  readonly expect: 'finding' | 'clean';
  /** The options the expectation holds under (semantics, bounds). */
  readonly defaults?: Partial<CheckOptions>;
  /** Groups: `seed`, `history`, `everyday`, `hmm-selftest`. */
  readonly tags?: readonly ScenarioTag[];
}
