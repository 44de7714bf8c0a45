/**
 * Where the scenario named on the command line comes from: the scenario library (by name)
 * or a user's file (by path). An argument is a path when it contains a path separator or
 * ends in a script extension; otherwise it is a library name.
 */

import type { Scenario } from '../check/world.ts';
import { InvalidArgumentError } from '../errors.ts';
import type { ScenarioEntry } from '../scenarios/index.ts';
import { loadScenarioFile } from './file-loader.ts';

/** A scenario to check, with the library's defaults for it (none for a file). */
export interface ScenarioSource {
  /** The scenario. */
  readonly scenario: Scenario;
  /** The library entry's default options, applied under the command line's. */
  readonly defaults: Readonly<Record<string, unknown>>;
  /** The library's expectation, when it is a library scenario. */
  readonly expect?: ScenarioEntry['expect'];
  /** Where it came from: `library` or the file's path. */
  readonly origin: string;
}

const SCRIPT = /\.(ts|mts|cts|js|mjs|cjs)$/;

/** True when `arg` names a file rather than a library scenario. */
export function isPathArgument(arg: string): boolean {
  return arg.includes('/') || arg.includes('\\') || SCRIPT.test(arg);
}

/** The library's entries, in order (loaded on first use: a file scenario never loads them). */
export async function libraryEntries(): Promise<readonly ScenarioEntry[]> {
  const { scenarioLibrary } = await import('../scenarios/index.ts');
  return scenarioLibrary;
}

/**
 * Resolves a scenario argument.
 * @throws InvalidArgumentError for an unknown name or a file that does not load.
 */
export async function resolveScenario(arg: string, cwd?: string): Promise<ScenarioSource> {
  if (arg.trim() === '')
    throw new InvalidArgumentError("the scenario name is empty: run 'mmu-notifier list'");
  if (isPathArgument(arg)) {
    const scenario = await loadScenarioFile(arg, cwd);
    return { scenario, defaults: {}, origin: arg };
  }
  const { findScenario } = await import('../scenarios/index.ts');
  const entry = findScenario(arg);
  if (entry === undefined) {
    throw new InvalidArgumentError(
      `unknown scenario '${arg}': run 'mmu-notifier list' for the names, or pass a path to a .ts file`,
    );
  }
  return {
    scenario: entry.scenario,
    defaults: (entry.defaults ?? {}) as Readonly<Record<string, unknown>>,
    expect: entry.expect,
    origin: 'library',
  };
}
