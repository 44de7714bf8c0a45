/**
 * Loads a user's scenario file (TypeScript or JavaScript) at run time, with no build step on
 * their side, through tsx's programmatic API.
 *
 * A scenario file starts with `import { defineScenario } from 'mmu-notifier'`. That bare
 * specifier must name *this* copy of the library (the one the CLI runs), whether the file
 * lies in a project that installed the package, in this repository, or in a directory
 * with no `node_modules` at all. So before the first load a resolve hook is registered
 * (after tsx's, so it runs first: Node runs the last registered hook first) that maps
 * `mmu-notifier` to this copy's entry point: `src/index.ts` when the CLI runs from source,
 * `dist/index.js` when it runs built. The file then shares the CLI's module instances (one
 * checker, one core), and is always loaded as an ES module (see {@link hookSource}).
 *
 * Every failure is the user's to fix and is reported as one {@link InvalidArgumentError}.
 */

import { statSync } from 'node:fs';
import { register as registerHook } from 'node:module';
import { resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Scenario } from '../check/world.ts';
import { InvalidArgumentError } from '../errors.ts';

/** The package name a scenario file imports. */
export const PACKAGE_NAME = 'mmu-notifier';

type ScopedImport = (specifier: string, parent: string) => Promise<Record<string, unknown>>;

let scopedImport: ScopedImport | undefined;

/** This copy's entry point: the `.ts` source beside this file, or the built `.js`. */
export function selfEntryUrl(): string {
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  return new URL(`../index.${ext}`, import.meta.url).href;
}

const NAMESPACE = 'mmu-notifier-scenario';

/**
 * The resolve hook (it runs in the loader thread, so it is source text). Two rules:
 * 1. `mmu-notifier` resolves to this copy's entry point;
 * 2. a `.ts`/`.tsx` file of the scenario's namespace that tsx would load as CommonJS (it
 *    lies outside any `"type": "module"` package) is loaded as an ES module instead: a
 *    scenario file uses `import`, and only the ESM loader shares the CLI's module instances.
 */
function hookSource(target: string): string {
  return `import { fileURLToPath, pathToFileURL } from 'node:url';
const NAME = ${JSON.stringify(PACKAGE_NAME)};
const TARGET = ${JSON.stringify(target)};
const TAG = ${JSON.stringify(`tsx-namespace=${NAMESPACE}`)};
export async function resolve(specifier, context, next) {
  if (specifier === NAME) return { url: TARGET, format: 'module', shortCircuit: true };
  const result = await next(specifier, context);
  if (result.format !== 'commonjs' || !result.url.startsWith('file:') || !result.url.includes(TAG)) return result;
  const url = new URL(result.url);
  url.search = '';
  const path = fileURLToPath(url).split('?')[0];
  if (!/.tsx?$/.test(path)) return result;
  return { url: pathToFileURL(path).href + '?' + TAG, format: 'module', shortCircuit: true };
}
`;
}

/** Registers tsx (in its own namespace) and then the hook (so it runs first), once. */
async function loader(): Promise<ScopedImport> {
  if (scopedImport !== undefined) return scopedImport;
  const { register } = await import('tsx/esm/api');
  const api = register({ namespace: NAMESPACE });
  registerHook(`data:text/javascript,${encodeURIComponent(hookSource(selfEntryUrl()))}`);
  scopedImport = api.import as ScopedImport;
  return scopedImport;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const body = text.replace(/^Transform failed with \d+ errors?:\s*/, '');
  return (body.split('\n').find((l) => l.trim() !== '') ?? 'unknown error').trim();
}

function isScenario(x: unknown): x is Scenario {
  if (typeof x !== 'object' || x === null) return false;
  const s = x as Partial<Scenario>;
  return typeof s.name === 'string' && s.name !== '' && typeof s.setup === 'function';
}

/**
 * Loads the scenario a file exports by default.
 * @param path the file, relative to `cwd` or absolute.
 * @throws InvalidArgumentError when the file is missing, does not load, or exports no scenario.
 */
export async function loadScenarioFile(
  path: string,
  cwd: string = process.cwd(),
): Promise<Scenario> {
  const file = resolvePath(cwd, path);
  let isFile = false;
  try {
    isFile = statSync(file).isFile();
  } catch {
    throw new InvalidArgumentError(`cannot read scenario file '${path}': no such file`);
  }
  if (!isFile) throw new InvalidArgumentError(`cannot read scenario file '${path}': not a file`);
  const load = await loader();
  let loaded: Record<string, unknown>;
  try {
    loaded = await load(pathToFileURL(file).href, import.meta.url);
  } catch (error) {
    throw new InvalidArgumentError(`cannot load scenario file '${path}': ${firstLine(error)}`);
  }
  const scenario = loaded['default'];
  if (!isScenario(scenario)) {
    throw new InvalidArgumentError(
      `'${path}' has no default export made with defineScenario(): add 'export default defineScenario({ name, setup })'`,
    );
  }
  return scenario;
}
