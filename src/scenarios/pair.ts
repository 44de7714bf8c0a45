/**
 * A buggy/fixed pair from the kernel's history: one setup with a `buggy` switch, declared as
 * two scenarios, `<name>-buggy` (the checker must find the bug) and `<name>-fixed` (a
 * complete search must prove it clean).
 */

import type { CheckOptions } from '../check/options.ts';
import { defineScenario, type World } from '../check/world.ts';
import type { ScenarioEntry } from './entry.ts';

/** What a history pair declares. */
export interface PairSpec {
  /** The base name, after the kernel commit where there is one (`52ac8b358b0c`). */
  readonly name: string;
  /** The race, then the fix, in one or two sentences. */
  readonly description: string;
  /** Builds one run; `buggy` switches the bug on. */
  setup(world: World, buggy: boolean): void | Promise<void>;
  /** Options of the buggy variant (default: none). */
  readonly buggyDefaults?: Partial<CheckOptions>;
  /** Options of the fixed variant (default: none). */
  readonly fixedDefaults?: Partial<CheckOptions>;
}

/** The two library entries of a history pair. */
export function historyPair(spec: PairSpec): ScenarioEntry[] {
  const variant = (buggy: boolean): ScenarioEntry => {
    const defaults = buggy ? spec.buggyDefaults : spec.fixedDefaults;
    return {
      scenario: defineScenario({
        name: `${spec.name}-${buggy ? 'buggy' : 'fixed'}`,
        description: `${buggy ? 'BUGGY' : 'FIXED'}: ${spec.description}`,
        setup: (world) => spec.setup(world, buggy),
      }),
      expect: buggy ? 'finding' : 'clean',
      ...(defaults === undefined ? {} : { defaults }),
      tags: ['history'],
    };
  };
  return [variant(true), variant(false)];
}
