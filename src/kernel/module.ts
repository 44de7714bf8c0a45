/**
 * The built real-kernel modules: `npm run kernel` compiles each installed Debian
 * `linux-source-<series>` package's `mm/mmu_notifier.c` (with `lib/rbtree.c`,
 * `lib/interval_tree.c` and the project's shims in `src/kernel/shim/`) to one WebAssembly
 * module and lists them in `.cache/kernel/manifest.json`. This module finds and compiles
 * them (once per process per file); {@link RealKernelCore} instantiates one per address space.
 *
 * Each manifest entry carries the build key of the shims it was built from
 * ({@link shimDigest}); in a source checkout, a module built from other shims is refused
 * (stale) rather than run.
 *
 * The cache directory is, in order: the `cacheDir` argument, `$MMU_NOTIFIER_KERNEL_CACHE`,
 * or `.cache/kernel` in the first directory above this file that holds a `package.json`.
 */

import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KernelModuleMissingError } from '../errors.ts';

/** The command that builds the modules. */
export const KERNEL_BUILD_COMMAND = 'npm run kernel';
/** The apt command that installs what the build needs. */
export const KERNEL_APT_COMMAND = 'apt-get install clang lld linux-source-6.1 linux-source-6.12';

/** One built module, as the manifest lists it. */
export interface KernelModuleInfo {
  /** The package series (`6.1`, `6.12`). */
  readonly series: string;
  /** The exact version, from the tarball's Makefile (`6.12.118`). */
  readonly version: string;
  /** The module's absolute path. */
  readonly path: string;
  /** The module's size in bytes. */
  readonly bytes: number;
  /** The asyncified fiber build's absolute path (built when Binaryen's wasm-opt is installed). */
  readonly fiberPath?: string;
}

/** A loaded module: its info and the compiled `WebAssembly.Module`. */
export interface KernelModule extends KernelModuleInfo {
  /** Compiled once; instantiated once per address space. */
  readonly module: WebAssembly.Module;
}

/**
 * The fiber build's passes (`wasm-opt` before `--asyncify`): part of the build's key, so a
 * change here, as in the shims, marks every built module stale.
 */
export const FIBER_PASSES: readonly string[] = ['--instrument-memory', '-O2'];

/** The shims' directory next to this file (absent in the npm package's `dist/`). */
const SHIM_DIR = join(dirname(fileURLToPath(import.meta.url)), 'shim');

/**
 * The build key of the shims in `dir` (default: `src/kernel/shim/`): a SHA-256 over every
 * file's path and bytes, and {@link FIBER_PASSES}. `npm run kernel` records it in the
 * manifest; a module built from other shims is stale. Undefined when `dir` does not exist.
 */
export function shimDigest(dir: string = SHIM_DIR): string | undefined {
  if (!existsSync(dir)) return undefined;
  const hash = createHash('sha256');
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else hash.update(`${relative(dir, path)}\0`).update(readFileSync(path));
    }
  };
  walk(dir);
  hash.update(FIBER_PASSES.join(' '));
  return hash.digest('hex').slice(0, 16);
}

function defaultCacheDir(): string {
  const env = process.env['MMU_NOTIFIER_KERNEL_CACHE'];
  if (env !== undefined && env !== '') return env;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, '.cache', 'kernel');
    dir = dirname(dir);
  }
  return join(process.cwd(), '.cache', 'kernel');
}

interface ManifestEntry {
  readonly series: string;
  readonly version: string;
  readonly wasm: string;
  readonly bytes: number;
  readonly fiberWasm?: string;
  readonly shimDigest?: string;
}

/**
 * The modules `npm run kernel` built, oldest series first; [] when none is built.
 * @throws KernelModuleMissingError when the manifest exists but cannot be read.
 */
export function availableKernelModules(cacheDir: string = defaultCacheDir()): KernelModuleInfo[] {
  const file = join(cacheDir, 'manifest.json');
  if (!existsSync(file)) return [];
  let manifest: { modules?: ManifestEntry[] };
  try {
    manifest = JSON.parse(readFileSync(file, 'utf8')) as { modules?: ManifestEntry[] };
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new KernelModuleMissingError(
      `${file} is unreadable (${why}); rebuild it with \`${KERNEL_BUILD_COMMAND}\``,
    );
  }
  const out: KernelModuleInfo[] = [];
  const digest = shimDigest();
  for (const m of manifest.modules ?? []) {
    if (digest !== undefined && m.shimDigest !== digest) {
      throw new KernelModuleMissingError(
        `${file}: the ${m.version} module was built from other shims (key ${m.shimDigest ?? 'none'}, ` +
          `src/kernel/shim/ is ${digest}); rebuild it with \`${KERNEL_BUILD_COMMAND}\``,
      );
    }
    const path = join(cacheDir, m.wasm);
    if (!existsSync(path)) continue;
    const fiber = m.fiberWasm === undefined ? undefined : join(cacheDir, m.fiberWasm);
    out.push({
      series: m.series,
      version: m.version,
      path,
      bytes: m.bytes,
      ...(fiber !== undefined && existsSync(fiber) ? { fiberPath: fiber } : {}),
    });
  }
  return out;
}

const compiled = new Map<string, KernelModule>();

function compile(info: KernelModuleInfo, path: string): KernelModule {
  const cached = compiled.get(path);
  if (cached !== undefined) return cached;
  let module: WebAssembly.Module;
  try {
    module = new WebAssembly.Module(readFileSync(path));
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new KernelModuleMissingError(
      `${path} does not load (${why}); rebuild it with \`${KERNEL_BUILD_COMMAND}\``,
    );
  }
  const loaded = { ...info, module };
  compiled.set(path, loaded);
  return loaded;
}

/**
 * The asyncified fiber build of `series` or `version`, compiled (for `FiberKernelCore`).
 * @throws KernelModuleMissingError naming `npm run kernel` and Binaryen when it is not built.
 */
export function loadFiberKernelModule(seriesOrVersion: string, cacheDir?: string): KernelModule {
  const infos = availableKernelModules(cacheDir);
  const info = infos.find((m) => m.series === seriesOrVersion || m.version === seriesOrVersion);
  if (info?.fiberPath === undefined) {
    const have = infos.filter((m) => m.fiberPath !== undefined).map((m) => m.version);
    throw new KernelModuleMissingError(
      `no fiber build of the real kernel ${seriesOrVersion} (built: ${have.join(', ') || 'none'}); ` +
        `run \`${KERNEL_BUILD_COMMAND}\` after \`${KERNEL_APT_COMMAND} binaryen\``,
    );
  }
  return compile(info, info.fiberPath);
}

/**
 * True when `module` is an instrumented fiber build (`wasm-opt --instrument-memory`): it
 * reports every load and store of the C code, so the checker's reduction sees them.
 */
export function hasFootprints(module: WebAssembly.Module): boolean {
  return WebAssembly.Module.imports(module).some((i) => i.name === 'store_ptr');
}

/**
 * One line on a checker run over the real core of `series`: the exact version, and how the
 * reduction treats the C code (its own loads and stores, or, from a build without them,
 * every C step conflicting with every other: sound, coarse). For the CLI's output.
 * @throws KernelModuleMissingError when the fiber build is not built.
 */
export function describeRealCore(series: string, reduction: boolean): string {
  const mod = loadFiberKernelModule(series);
  const red = !reduction
    ? 'reduction off'
    : hasFootprints(mod.module)
      ? "reduction over the C code's own loads and stores (instrumented build)"
      : 'reduction: every step that runs C code conflicts with every other (build without footprints; sound, coarse)';
  return `core: the real mm/mmu_notifier.c of ${mod.version} (fiber build, the shims stand in for locks, SRCU, wait queues, allocation); ${red}`;
}

/**
 * The module of `series` (`6.1`, `6.12`) or of an exact `version` (`6.12.118`), compiled.
 * @throws KernelModuleMissingError naming `npm run kernel` when it is not built.
 */
export function loadKernelModule(seriesOrVersion: string, cacheDir?: string): KernelModule {
  const infos = availableKernelModules(cacheDir);
  const info = infos.find((m) => m.series === seriesOrVersion || m.version === seriesOrVersion);
  if (info === undefined) {
    const have = infos.map((m) => m.version).join(', ') || 'none';
    throw new KernelModuleMissingError(
      `no real kernel module for ${seriesOrVersion} (built: ${have}); run \`${KERNEL_BUILD_COMMAND}\` ` +
        `after \`${KERNEL_APT_COMMAND}\``,
    );
  }
  return compile(info, info.path);
}
