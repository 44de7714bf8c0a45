/**
 * `npm run kernel`: builds the real `mm/mmu_notifier.c` of every installed Debian kernel
 * source package into one WebAssembly module per version, for `src/kernel/` (the driver)
 * and the differential tests (test/kernel/).
 *
 * For each `/usr/src/linux-source-<series>.tar.xz`: extract only {@link KERNEL_FILES} into
 * `.cache/kernel/<series>/tree/` (cached by the tarball's size and mtime), compile them with
 * clang for wasm32 against the project's own shims (`src/kernel/shim/`, MIT) and link with
 * wasm-ld into `.cache/kernel/<series>/mmu_notifier.wasm`; then write
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

/** One built module, as recorded in the manifest. */
export interface BuiltModule {
  readonly series: string;
  readonly version: string;
  /** Path of the module, relative to the manifest's directory. */
  readonly wasm: string;
  readonly bytes: number;
  readonly tarball: string;
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

/** Compiles and links one series from its extracted tree. */
export function buildModule(source: KernelSource): BuiltModule {
  const t0 = performance.now();
  const dir = join(KERNEL_CACHE, source.series);
  const tree = treeOf(source);
  const obj = join(dir, 'obj');
  const version = readKernelVersion(tree);
  mkdirSync(obj, { recursive: true });
  const header = readFileSync(join(tree, 'include/linux/mmu_notifier.h'), 'utf8');
  const defines = header.includes('arch_invalidate_secondary_tlbs')
    ? ['-DKSHIM_HAS_SECONDARY_TLBS']
    : [];
  const cflags = [
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
  const units: [string, string][] = [
    [join(SHIM, 'driver.c'), 'driver.o'],
    [join(SHIM, 'alloc.c'), 'alloc.o'],
    [join(tree, 'lib/rbtree.c'), 'rbtree.o'],
    [join(tree, 'lib/interval_tree.c'), 'interval_tree.o'],
  ];
  for (const [src, out] of units) {
    run('clang', [...cflags, '-c', src, '-o', join(obj, out)], `clang ${relative(ROOT, src)}`);
  }
  const wasm = join(dir, 'mmu_notifier.wasm');
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
  return {
    series: source.series,
    version,
    wasm: relative(KERNEL_CACHE, wasm),
    bytes: statSync(wasm).size,
    tarball: source.tarball,
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
  const sources = findKernelSources().filter((s) => only.length === 0 || only.includes(s.series));
  if (sources.length === 0) {
    throw new KernelSourceError(
      only.length === 0
        ? 'no /usr/src/linux-source-<version>.tar.xz installed'
        : `no /usr/src/linux-source-{${only.join(',')}}.tar.xz installed`,
    );
  }
  await Promise.all(sources.map((s) => extractFiles(s, KERNEL_FILES, treeOf(s))));
  const built = sources.map(buildModule);
  mkdirSync(KERNEL_CACHE, { recursive: true });
  const manifest = { format: 1, modules: built };
  writeFileSync(join(KERNEL_CACHE, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return built;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const t0 = performance.now();
    for (const m of await buildAll(process.argv.slice(2))) {
      console.log(
        `kernel: ${m.version} -> .cache/kernel/${m.wasm} (${m.bytes} bytes, ${m.buildMs} ms)`,
      );
    }
    console.log(`kernel: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } catch (error) {
    console.error(`kernel: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
