/**
 * Goal: `scripts/kernel/sources.ts` finds Debian's `linux-source-<series>.tar.xz` files in
 * version order, extracts only the paths asked for (once: a second call with the same
 * tarball is a no-op), reads the exact version from the Makefile, and names the apt command
 * when something is missing; `npm run kernel` fails the same way without clang.
 * Method: a tiny tarball laid out as Debian's (`linux-source-9.9/...`) made with tar -cJ in a
 * temporary directory; the build script run with an empty PATH.
 */

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  compareVersions,
  extractFiles,
  extractFilesSync,
  findKernelSources,
  KernelSourceError,
  readKernelVersion,
} from '../../scripts/kernel/sources.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'mmu-kernel-src-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function makeTarball(series: string): string {
  const top = join(dir, 'build', `linux-source-${series}`);
  mkdirSync(join(top, 'mm'), { recursive: true });
  mkdirSync(join(top, 'lib'), { recursive: true });
  writeFileSync(
    join(top, 'Makefile'),
    'VERSION = 9\nPATCHLEVEL = 9\nSUBLEVEL = 42\nEXTRAVERSION =\n',
  );
  writeFileSync(join(top, 'mm', 'a.c'), 'int a;\n');
  writeFileSync(join(top, 'lib', 'b.c'), 'int b;\n');
  const out = join(dir, 'usr-src', `linux-source-${series}.tar.xz`);
  mkdirSync(dirname(out), { recursive: true });
  execFileSync('tar', ['-cJf', out, '-C', join(dir, 'build'), `linux-source-${series}`]);
  return out;
}

describe('kernel sources', () => {
  it('finds the tarballs in version order and ignores other files', () => {
    makeTarball('9.9');
    makeTarball('9.10');
    writeFileSync(join(dir, 'usr-src', 'linux-headers-9.9.tar.xz'), '');
    const found = findKernelSources(join(dir, 'usr-src'));
    assert.deepEqual(
      found.map((s) => [s.series, s.version, s.top]),
      [
        ['9.9', '9.9', 'linux-source-9.9'],
        ['9.10', '9.10', 'linux-source-9.10'],
      ],
    );
    assert.deepEqual(findKernelSources(join(dir, 'nowhere')), []);
    assert.ok(compareVersions('6.1', '6.12') < 0 && compareVersions('6.12.1', '6.12') > 0);
  });

  it('extracts only the paths asked for, once, and reads the version', async () => {
    const source = findKernelSources(join(dir, 'usr-src')).find((s) => s.series === '9.9')!;
    const dest = join(dir, 'tree');
    assert.equal(await extractFiles(source, ['Makefile', 'mm/*.c'], dest), true);
    assert.equal(readFileSync(join(dest, 'mm', 'a.c'), 'utf8'), 'int a;\n');
    assert.throws(() => readFileSync(join(dest, 'lib', 'b.c')));
    assert.equal(readKernelVersion(dest), '9.9.42');
    assert.equal(await extractFiles(source, ['Makefile', 'mm/*.c'], dest), false);
    utimesSync(source.tarball, new Date(), new Date(Date.now() + 5000));
    const touched = findKernelSources(join(dir, 'usr-src')).find((s) => s.series === '9.9')!;
    assert.equal(await extractFiles(touched, ['Makefile', 'mm/*.c'], dest), true);
    assert.equal(extractFilesSync(touched, ['Makefile', 'mm/*.c'], dest), false);
    assert.equal(extractFilesSync(touched, ['lib/b.c'], join(dir, 'tree3')), true);
    assert.equal(readFileSync(join(dir, 'tree3', 'lib', 'b.c'), 'utf8'), 'int b;\n');
  });

  it('a path missing from the tarball is a KernelSourceError naming the apt command', async () => {
    const source = findKernelSources(join(dir, 'usr-src'))[0]!;
    await assert.rejects(
      extractFiles(source, ['mm/nothing.c'], join(dir, 'tree2')),
      (e: unknown) => e instanceof KernelSourceError && /apt-get install clang lld/.test(e.message),
    );
  });

  it('npm run kernel without clang fails, naming the apt command', () => {
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'scripts/kernel/build.ts')],
      {
        cwd: ROOT,
        env: { ...process.env, PATH: '' },
        encoding: 'utf8',
      },
    );
    assert.equal(r.status, 1);
    assert.match(
      r.stderr,
      /clang not found .*apt-get install clang lld linux-source-6\.1 linux-source-6\.12/,
    );
  });
});
