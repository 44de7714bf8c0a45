/**
 * Builds the kernel-C limit of the benchmarks: the kernel's own `lib/interval_tree.c` and
 * `lib/rbtree.c`, taken from Debian's `linux-source` tarball on this machine, compiled natively
 * with `gcc -O2` against our shim headers (`shim/linux/*.h`) and linked with our driver
 * (`driver.c`). Everything taken from or built out of the kernel's GPL source goes to the
 * git-ignored `.cache/kernel-c/` and never into the repository.
 *
 * Protocol: {@link kernelDriver} is called once per bench run. It finds the tarball
 * (`MMU_KERNEL_TARBALL`, else `/usr/src/linux-source-6.12.tar.xz`), extracts the seven files
 * it needs plus the top `Makefile` (for the version), and compiles, unless the stamp in the
 * cache says the same tarball (path, size, mtime) and the same driver and shims were built
 * already. On any missing piece (no gcc, no tarball, a failed build) it returns the reason
 * instead of a driver: the bench then says so and leaves the C column out.
 */

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');
const DEFAULT_TARBALL = '/usr/src/linux-source-6.12.tar.xz';
/** The files taken from the tarball (paths under its top directory). */
const KERNEL_FILES = [
  'lib/interval_tree.c',
  'lib/rbtree.c',
  'include/linux/interval_tree.h',
  'include/linux/interval_tree_generic.h',
  'include/linux/rbtree.h',
  'include/linux/rbtree_augmented.h',
  'include/linux/rbtree_types.h',
  'Makefile',
] as const;

/** A built driver, or why there is none. */
export type KernelDriver =
  | { readonly ok: true; readonly path: string; readonly version: string; readonly tarball: string }
  | { readonly ok: false; readonly reason: string };

function sourcesHash(): string {
  const h = createHash('sha256');
  h.update(readFileSync(join(HERE, 'driver.c')));
  const shim = join(HERE, 'shim', 'linux');
  for (const f of readdirSync(shim).sort()) h.update(f).update(readFileSync(join(shim, f)));
  return h.digest('hex').slice(0, 16);
}

/** `VERSION.PATCHLEVEL.SUBLEVEL` from the kernel's top Makefile. */
function kernelVersion(makefile: string): string {
  const field = (name: string): string => {
    const m = new RegExp(`^${name}\\s*=\\s*(\\d+)`, 'm').exec(makefile);
    if (m === null) throw new Error(`no ${name} in the kernel Makefile`);
    return m[1]!;
  };
  return `${field('VERSION')}.${field('PATCHLEVEL')}.${field('SUBLEVEL')}`;
}

function hasGcc(): boolean {
  try {
    execFileSync('gcc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Extracts {@link KERNEL_FILES} into `dir`; returns the tarball's top directory there. */
function extract(tarball: string, dir: string): string {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const patterns = KERNEL_FILES.map((f) => `*/${f}`);
  execFileSync(
    'tar',
    ['-xJf', tarball, '-C', dir, '--wildcards', '--no-wildcards-match-slash', ...patterns],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const tops = readdirSync(dir);
  if (tops.length !== 1)
    throw new Error(`expected one top directory in ${tarball}, got ${tops.join(', ')}`);
  const top = join(dir, tops[0]!);
  for (const f of KERNEL_FILES) {
    if (!existsSync(join(top, f))) throw new Error(`${f} is missing from ${tarball}`);
  }
  return top;
}

/** Finds, extracts and builds the kernel-C driver (cached); never throws. */
export function kernelDriver(): KernelDriver {
  const tarball = process.env['MMU_KERNEL_TARBALL'] ?? DEFAULT_TARBALL;
  if (!existsSync(tarball))
    return {
      ok: false,
      reason: `kernel source tarball ${tarball} not found (set MMU_KERNEL_TARBALL)`,
    };
  if (!hasGcc()) return { ok: false, reason: 'gcc not found' };
  try {
    const st = statSync(tarball);
    const cache = join(ROOT, '.cache', 'kernel-c');
    const stampPath = join(cache, 'stamp.json');
    const driver = join(cache, 'driver');
    const stamp = JSON.stringify({
      tarball,
      size: st.size,
      mtimeMs: st.mtimeMs,
      sources: sourcesHash(),
    });
    if (existsSync(driver) && existsSync(stampPath)) {
      const old = JSON.parse(readFileSync(stampPath, 'utf8')) as { stamp: string; version: string };
      if (old.stamp === stamp) return { ok: true, path: driver, version: old.version, tarball };
    }
    const top = extract(tarball, join(cache, 'src'));
    const version = kernelVersion(readFileSync(join(top, 'Makefile'), 'utf8'));
    execFileSync(
      'gcc',
      [
        '-O2',
        '-I',
        join(HERE, 'shim'),
        '-I',
        join(top, 'include'),
        join(HERE, 'driver.c'),
        join(top, 'lib', 'rbtree.c'),
        join(top, 'lib', 'interval_tree.c'),
        '-o',
        `${driver}.${process.pid}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    renameSync(`${driver}.${process.pid}`, driver); // atomic: a concurrent run never runs half a file
    writeFileSync(stampPath, JSON.stringify({ stamp, version }));
    return { ok: true, path: driver, version, tarball };
  } catch (error) {
    const e = error as { message?: string; stderr?: Buffer };
    const detail = e.stderr?.toString().trim() || e.message || String(error);
    return {
      ok: false,
      reason: `kernel-C build failed: ${detail.split('\n').slice(0, 3).join(' | ')}`,
    };
  }
}
