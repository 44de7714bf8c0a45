/**
 * Debian's kernel source tarballs (`apt-get install linux-source-<v>` installs
 * `/usr/src/linux-source-<v>.tar.xz`): finding them, reading their exact version, and
 * extracting only the files a build needs into the git-ignored `.cache/kernel/`.
 * Shared by `npm run kernel` (scripts/kernel/build.ts) and anything else that compiles
 * kernel files on the user's machine (e.g. a native bench). The kernel's GPL files are
 * read from the tarball at build time and never enter the repository.
 *
 * Extraction is cached: a directory holds a `.stamp` naming the tarball's size and mtime
 * and the paths extracted; the same stamp means nothing is decompressed again (xz of a
 * 140 MB tarball takes ~10 s).
 */

import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where the Debian packages put the tarballs. */
export const KERNEL_SOURCE_DIR = '/usr/src';

/** The apt command that installs what `npm run kernel` needs. */
export const KERNEL_APT_COMMAND = 'apt-get install clang lld linux-source-6.1 linux-source-6.12';

/** One installed tarball. */
export interface KernelSource {
  /** The package's series, from the file name: `6.1`, `6.12`. */
  readonly series: string;
  /**
   * The package's version as its name gives it (the same as `series`); the exact
   * `VERSION.PATCHLEVEL.SUBLEVEL` is in the tree's Makefile ({@link readKernelVersion}).
   */
  readonly version: string;
  /** The tarball's path. */
  readonly tarball: string;
  /** The top directory inside the tarball (`linux-source-6.1`). */
  readonly top: string;
  /** The tarball's size in bytes (part of the cache key). */
  readonly size: number;
  /** The tarball's mtime in ms (part of the cache key). */
  readonly mtimeMs: number;
}

/** A missing tool or tarball, naming the command that installs it. */
export class KernelSourceError extends Error {
  constructor(message: string) {
    super(`${message} (install with: ${KERNEL_APT_COMMAND})`);
    this.name = 'KernelSourceError';
  }
}

const TARBALL = /^linux-source-(\d+\.\d+)\.tar\.xz$/;

/** Every `linux-source-<series>.tar.xz` under `dir`, oldest series first. */
export function findKernelSources(dir: string = KERNEL_SOURCE_DIR): KernelSource[] {
  if (!existsSync(dir)) return [];
  const found: KernelSource[] = [];
  for (const name of readdirSync(dir)) {
    const match = TARBALL.exec(name);
    if (match === null) continue;
    const series = match[1]!;
    const tarball = join(dir, name);
    const st = statSync(tarball);
    found.push({
      series,
      version: series,
      tarball,
      top: `linux-source-${series}`,
      size: st.size,
      mtimeMs: st.mtimeMs,
    });
  }
  return found.sort((a, b) => compareVersions(a.series, b.series));
}

/** Orders dotted versions numerically (`6.1` < `6.12`). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function tarArgs(source: KernelSource, destDir: string): string[] {
  return ['-xJf', source.tarball, '-C', destDir, '--strip-components=1', '--wildcards'];
}

function members(source: KernelSource, paths: readonly string[]): string[] {
  return paths.map((p) => `${source.top}/${p}`);
}

function stampOf(source: KernelSource, paths: readonly string[]): string {
  return JSON.stringify({
    tarball: source.tarball,
    size: source.size,
    mtimeMs: source.mtimeMs,
    paths,
  });
}

/**
 * Extracts `paths` (relative to the kernel tree; `*` wildcards allowed) from `source` into
 * `destDir` (the tree's root: `destDir/mm/mmu_notifier.c`). Does nothing when `destDir`
 * already holds exactly these paths from this tarball. Resolves to true when it extracted.
 * Several extractions may run at once (one xz process each).
 * @throws KernelSourceError when tar or xz fails (a path missing from the tarball included).
 */
export async function extractFiles(
  source: KernelSource,
  paths: readonly string[],
  destDir: string,
): Promise<boolean> {
  const stampFile = join(destDir, '.stamp');
  const stamp = stampOf(source, paths);
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return false;
  mkdirSync(destDir, { recursive: true });
  await new Promise<void>((resolve, reject) => {
    execFile(
      'tar',
      [...tarArgs(source, destDir), ...members(source, paths)],
      (error, _stdout, stderr) => {
        if (error === null) return resolve();
        const why = stderr.trim() || error.message;
        reject(
          new KernelSourceError(
            `extracting ${paths.join(', ')} from ${source.tarball} failed: ${why}`,
          ),
        );
      },
    );
  });
  writeFileSync(stampFile, stamp);
  return true;
}

/** {@link extractFiles}, blocking: for scripts that extract one tarball. */
export function extractFilesSync(
  source: KernelSource,
  paths: readonly string[],
  destDir: string,
): boolean {
  const stampFile = join(destDir, '.stamp');
  const stamp = stampOf(source, paths);
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return false;
  mkdirSync(destDir, { recursive: true });
  try {
    execFileSync('tar', [...tarArgs(source, destDir), ...members(source, paths)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (error) {
    const why = (error as { stderr?: Buffer }).stderr?.toString().trim() || String(error);
    throw new KernelSourceError(
      `extracting ${paths.join(', ')} from ${source.tarball} failed: ${why}`,
    );
  }
  writeFileSync(stampFile, stamp);
  return true;
}

/** `VERSION.PATCHLEVEL.SUBLEVEL` from an extracted tree's top Makefile (e.g. `6.12.118`). */
export function readKernelVersion(treeDir: string): string {
  const makefile = readFileSync(join(treeDir, 'Makefile'), 'utf8');
  const field = (name: string): string => {
    const m = new RegExp(`^${name}\\s*=\\s*(\\d+)\\s*$`, 'm').exec(makefile);
    if (m === null) throw new KernelSourceError(`${treeDir}/Makefile has no ${name}`);
    return m[1]!;
  };
  return `${field('VERSION')}.${field('PATCHLEVEL')}.${field('SUBLEVEL')}`;
}
