/**
 * How a job names its scenario (a scenario is code, and code does not cross threads or
 * machines): a library scenario by name, a scenario file by path (loaded exactly as the CLI
 * loads it, `cli/scenario-source.ts`), or an export of a module (a scenario, or a function
 * that builds one from JSON arguments). A loaded scenario is cached per reference, so a
 * worker loads each one once.
 */

import { InvalidArgumentError } from '../../errors.ts';
import { defineScenario, type Scenario } from '../world.ts';

/** Where a job's scenario comes from. Plain JSON. */
export type ScenarioRef =
  | {
      /** A library scenario's name. */
      readonly library: string;
    }
  | {
      /** A scenario file's path (as the CLI takes it). */
      readonly file: string;
      /** The directory a relative path is relative to (default: the process's). */
      readonly cwd?: string;
    }
  | {
      /** The module's URL or specifier. */
      readonly module: string;
      /** The export: a scenario, or a function that returns one. */
      readonly export: string;
      /** JSON arguments of that function. */
      readonly args?: readonly unknown[];
    };

/** Loaded scenarios, per reference (at most {@link CACHE_MAX}). */
const cache = new Map<string, Promise<Scenario>>();
const CACHE_MAX = 64;

/** A short description of `ref`, for messages. */
export function describeRef(ref: ScenarioRef): string {
  if ('library' in ref) return `library scenario '${ref.library}'`;
  if ('file' in ref) return `scenario file '${ref.file}'`;
  return `export '${ref.export}' of module '${ref.module}'`;
}

async function load(ref: ScenarioRef): Promise<Scenario> {
  if ('library' in ref) {
    const { findScenario } = await import('../../scenarios/index.ts');
    const entry = findScenario(ref.library);
    if (entry === undefined)
      throw new InvalidArgumentError(`unknown ${describeRef(ref)}: not in the library`);
    return entry.scenario;
  }
  if ('file' in ref) {
    const { resolveScenario } = await import('../../cli/scenario-source.ts');
    return (await resolveScenario(ref.file, ref.cwd)).scenario;
  }
  const module = (await import(ref.module)) as Record<string, unknown>;
  const value = module[ref.export];
  const scenario =
    typeof value === 'function'
      ? await (value as (...a: unknown[]) => unknown)(...(ref.args ?? []))
      : value;
  if (typeof scenario !== 'object' || scenario === null)
    throw new InvalidArgumentError(
      `${describeRef(ref)} is not a scenario (got ${typeof scenario})`,
    );
  return defineScenario(scenario as Scenario);
}

/**
 * The scenario `ref` names, loaded once per worker.
 * @throws InvalidArgumentError when it does not load or is not a scenario.
 */
export function loadScenarioRef(ref: ScenarioRef): Promise<Scenario> {
  const key = JSON.stringify(ref);
  let loaded = cache.get(key);
  if (loaded === undefined) {
    if (cache.size >= CACHE_MAX) cache.clear();
    loaded = load(ref);
    cache.set(key, loaded);
    loaded.catch(() => cache.delete(key));
  }
  return loaded;
}

/**
 * The reference of a scenario passed to `check()` with workers: `source` when given, else
 * the library's entry of that name when it is this very scenario.
 * @throws InvalidArgumentError when there is none (the scenario cannot be loaded elsewhere).
 */
export async function refOf(
  scenario: Scenario,
  source: ScenarioRef | undefined,
): Promise<ScenarioRef> {
  if (source !== undefined) return source;
  const { findScenario } = await import('../../scenarios/index.ts');
  if (findScenario(scenario.name)?.scenario === scenario) return { library: scenario.name };
  throw new InvalidArgumentError(
    `check(): option 'workers' > 1 needs a scenario other threads can load: '${scenario.name}' ` +
      "is not a library scenario, so pass option 'source' ({ file } or { module, export })",
  );
}
