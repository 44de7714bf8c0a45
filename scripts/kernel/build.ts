/**
 * `npm run kernel`: builds the real `mm/mmu_notifier.c` of every installed Debian kernel
 * source package into one WebAssembly module per version, for `src/kernel/` (the driver)
 * and the differential tests (test/kernel/).
 *
 * For each `/usr/src/linux-source-<series>.tar.xz`: extract only {@link KERNEL_FILES} into
 * `.cache/kernel/<series>/tree/` (cached by the tarball's size and mtime), compile them with
 * clang for wasm32 against the project's own shims (`src/kernel/shim/`, MIT) and link with
 * wasm-ld into `.cache/kernel/<series>/mmu_notifier.wasm`; when Binaryen's `wasm-opt` is
 * installed, also the fiber build `mmu_notifier.fiber.wasm` (the same sources with
 * `-DKSHIM_FIBERS`, transformed by `wasm-opt --asyncify` so the host can park a call at
 * any shim point: src/kernel/fiber/); then write
 * `.cache/kernel/manifest.json` naming each module's exact version (the Makefile's
 * VERSION.PATCHLEVEL.SUBLEVEL). Nothing of the kernel's enters the repository: `.cache/` is
 * git-ignored and outside the npm package.
 *
 * Usage: `npm run kernel` (every installed series) or `tsx scripts/kernel/build.ts 6.12`.
 * Exit status 1, naming the apt command, when clang, wasm-ld or every tarball is missing.
 */

import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FIBER_PASSES, shimDigest } from '../../src/kernel/module.ts';
import {
  extractFiles,
  findKernelSources,
  type KernelSource,
  KernelSourceError,
  readKernelVersion,
} from './sources.ts';

/** The repository's root. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Where the modules and the manifest go (git-ignored). */
export const KERNEL_CACHE = join(ROOT, '.cache', 'kernel');
const SHIM = join(ROOT, 'src', 'kernel', 'shim');

/** The kernel files a module is built from, relative to the tree. */
export const KERNEL_FILES: readonly string[] = [
  'Makefile',
  'mm/mmu_notifier.c',
  'lib/rbtree.c',
  'lib/interval_tree.c',
  'include/linux/mmu_notifier.h',
  'include/linux/interval_tree.h',
  'include/linux/interval_tree_generic.h',
  'include/linux/rbtree.h',
  'include/linux/rbtree_types.h',
  'include/linux/rbtree_augmented.h',
];

/**
 * The imports the fiber build may park in (Asyncify unwinds only through these): the shim's
 * point and every callback trampoline of driver.c.
 */
export const ASYNCIFY_IMPORTS: readonly string[] = [
  'kshim_point',
  'host_release',
  'host_start',
  'host_end',
  'host_young',
  'host_secondary_tlbs',
  'host_invalidate',
];

/** One built module, as recorded in the manifest. */
export interface BuiltModule {
  readonly series: string;
  readonly version: string;
  /** Path of the module, relative to the manifest's directory. */
  readonly wasm: string;
  readonly bytes: number;
  /** The asyncified fiber build, relative to the manifest's directory (absent without wasm-opt). */
  readonly fiberWasm?: string;
  readonly fiberBytes?: number;
  readonly tarball: string;
  /** The shims' build key ({@link shimDigest}): the loader refuses a module built from others. */
  readonly shimDigest: string;
  /** Compile and link time (the extraction, shared and parallel, is not counted). */
  readonly buildMs: number;
}

function requireTool(tool: string, args: readonly string[]): void {
  try {
    execFileSync(tool, args, { stdio: 'ignore' });
  } catch {
    throw new KernelSourceError(`${tool} not found or not working`);
  }
}

function run(tool: string, args: readonly string[], what: string): void {
  try {
    execFileSync(tool, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? String(error);
    throw new Error(`${what} failed:\n${stderr.slice(0, 4000)}`);
  }
}

/** Where a series' extracted tree goes. */
function treeOf(source: KernelSource): string {
  return join(KERNEL_CACHE, source.series, 'tree');
}

/** The clang flags of a series' tree. */
function cflagsOf(tree: string, version: string, defines: readonly string[]): string[] {
  return [
    '--target=wasm32-unknown-unknown',
    '-ffreestanding',
    '-nostdlib',
    '-nostdinc',
    '-fno-builtin',
    '-O2',
    '-std=gnu11',
    '-mmutable-globals',
    '-Wall',
    '-Wno-unused-function',
    '-Wno-unused-variable',
    '-Werror=implicit-function-declaration',
    `-I${join(SHIM, 'include')}`,
    `-I${join(tree, 'include')}`,
    `-iquote${tree}`,
    `-fmacro-prefix-map=${tree}/=`,
    `-fmacro-prefix-map=${ROOT}/=`,
    `-DKSHIM_KERNEL_VERSION="${version}"`,
    ...defines,
  ];
}

/** Compiles the four units into `obj` and links them into `wasm`. */
function compileAndLink(tree: string, obj: string, cflags: readonly string[], wasm: string): void {
  mkdirSync(obj, { recursive: true });
  const units: [string, string][] = [
    [join(SHIM, 'driver.c'), 'driver.o'],
    [join(SHIM, 'alloc.c'), 'alloc.o'],
    [join(tree, 'lib/rbtree.c'), 'rbtree.o'],
    [join(tree, 'lib/interval_tree.c'), 'interval_tree.o'],
  ];
  for (const [src, out] of units) {
    run('clang', [...cflags, '-c', src, '-o', join(obj, out)], `clang ${relative(ROOT, src)}`);
  }
  run(
    'wasm-ld',
    [
      '--no-entry',
      '--export-dynamic',
      '--export=__stack_pointer',
      '-z',
      'stack-size=65536',
      '-o',
      wasm,
      ...units.map(([, out]) => join(obj, out)),
    ],
    'wasm-ld',
  );
}

/** True when Binaryen's wasm-opt runs (the fiber build needs it). */
export function hasWasmOpt(): boolean {
  try {
    execFileSync('wasm-opt', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Compiles and links one series from its extracted tree (and its fiber build when `fibers`). */
export function buildModule(source: KernelSource, fibers = hasWasmOpt()): BuiltModule {
  const t0 = performance.now();
  const dir = join(KERNEL_CACHE, source.series);
  const tree = treeOf(source);
  const version = readKernelVersion(tree);
  const header = readFileSync(join(tree, 'include/linux/mmu_notifier.h'), 'utf8');
  const defines = header.includes('arch_invalidate_secondary_tlbs')
    ? ['-DKSHIM_HAS_SECONDARY_TLBS']
    : [];
  const wasm = join(dir, 'mmu_notifier.wasm');
  compileAndLink(tree, join(dir, 'obj'), cflagsOf(tree, version, defines), wasm);
  let fiber: { fiberWasm: string; fiberBytes: number } | null = null;
  if (fibers) {
    const raw = join(dir, 'mmu_notifier.fiber.raw.wasm');
    const out = join(dir, 'mmu_notifier.fiber.wasm');
    const flags = cflagsOf(tree, version, [...defines, '-DKSHIM_FIBERS']);
    compileAndLink(tree, join(dir, 'obj-fiber'), flags, raw);
    const imports = ASYNCIFY_IMPORTS.map((name) => `env.${name}`).join(',');
    run(
      'wasm-opt',
      // Every load and store calls the host first (the footprints of the reduction), then
      // Asyncify (its own buffer traffic is not instrumented).
      [...FIBER_PASSES, '--asyncify', `--pass-arg=asyncify-imports@${imports}`, raw, '-o', out],
      'wasm-opt --instrument-memory --asyncify',
    );
    fiber = { fiberWasm: relative(KERNEL_CACHE, out), fiberBytes: statSync(out).size };
  }
  return {
    series: source.series,
    version,
    wasm: relative(KERNEL_CACHE, wasm),
    bytes: statSync(wasm).size,
    ...fiber,
    tarball: source.tarball,
    shimDigest: shimDigest(SHIM) ?? '',
    buildMs: Math.round(performance.now() - t0),
  };
}

/**
 * Builds every installed series (or those named) and writes the manifest. The tarballs are
 * extracted in parallel (one xz each), then compiled one by one.
 */
export async function buildAll(only: readonly string[] = []): Promise<BuiltModule[]> {
  requireTool('clang', ['--version']);
  requireTool('wasm-ld', ['--version']);
  if (!hasWasmOpt()) {
    console.warn(
      'kernel: wasm-opt (Binaryen) not found: no fiber builds (apt-get install binaryen)',
    );
  }
  const sources = findKernelSources().filter((s) => only.length === 0 || only.includes(s.series));
  if (sources.length === 0) {
    throw new KernelSourceError(
      only.length === 0
        ? 'no /usr/src/linux-source-<version>.tar.xz installed'
        : `no /usr/src/linux-source-{${only.join(',')}}.tar.xz installed`,
    );
  }
  await Promise.all(sources.map((s) => extractFiles(s, KERNEL_FILES, treeOf(s))));
  const fibers = hasWasmOpt();
  const built = sources.map((s) => buildModule(s, fibers));
  mkdirSync(KERNEL_CACHE, { recursive: true });
  const manifest = { format: 1, modules: built };
  writeFileSync(join(KERNEL_CACHE, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return built;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const t0 = performance.now();
    for (const m of await buildAll(process.argv.slice(2))) {
      const fiber =
        m.fiberWasm === undefined ? '' : `, fibers: ${m.fiberWasm} (${m.fiberBytes} bytes)`;
      console.log(
        `kernel: ${m.version} -> .cache/kernel/${m.wasm} (${m.bytes} bytes${fiber}, ${m.buildMs} ms)`,
      );
    }
    console.log(`kernel: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } catch (error) {
    console.error(`kernel: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
