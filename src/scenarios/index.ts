/**
 * The scenario library: every named scenario with the outcome it must have under its
 * default options. `npm test` asserts each one (`test/scenarios/library.test.ts`) and the
 * CLI lists and runs them by name.
 */

import type { ScenarioEntry } from './entry.ts';
import { everyday } from './everyday.ts';
import { kfdHistory } from './history-amdkfd.ts';
import { hmmHistory } from './history-hmm.ts';
import { itreeNonblockHistory } from './history-itree-nonblock.ts';
import { itreeRemoveHistory } from './history-itree-remove.ts';
import { kvmHistory } from './history-kvm.ts';
import { odpHistory } from './history-odp.ts';
import { releaseHistory } from './history-release.ts';
import { hmmSelftests } from './hmm-tests.ts';
import { lockdepScenarios } from './lockdep.ts';
import { realCoreScenarios } from './real-itree-unwind.ts';
import { scaleScenarios } from './scale.ts';
import { seed2019 } from './seed.ts';
import { twoPassScenarios } from './two-pass-multi-gpu.ts';

export type { ScenarioEntry, ScenarioTag } from './entry.ts';

/** Every scenario of the library, in listing order. */
export const scenarioLibrary: readonly ScenarioEntry[] = [
  { scenario: seed2019, expect: 'finding', defaults: { semantics: 'legacy-2019' }, tags: ['seed'] },
  ...kvmHistory,
  ...odpHistory,
  ...hmmHistory,
  ...kfdHistory,
  ...lockdepScenarios,
  ...itreeRemoveHistory,
  ...releaseHistory,
  ...itreeNonblockHistory,
  ...everyday,
  ...hmmSelftests,
  ...twoPassScenarios,
];

/**
 * The entry named `name`, if any (the library's, then the real-core scenarios', then the
 * scaling scenarios').
 */
export function findScenario(name: string): ScenarioEntry | undefined {
  return (
    scenarioLibrary.find((e) => e.scenario.name === name) ??
    realCoreScenarios.find((e) => e.scenario.name === name) ??
    scaleScenarios.find((e) => e.scenario.name === name)
  );
}

export { realCoreRaceScenarios, realCoreRaces } from './real-core-races.ts';
export { realCoreScenarios, realItreeUnwind } from './real-itree-unwind.ts';
export { scaleMunmap, scaleScenarios } from './scale.ts';
