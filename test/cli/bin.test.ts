/**
 * The real binary, as a user runs it: `bin/mmu-notifier.js` in a child process (no build
 * step: the launcher runs the TypeScript source through tsx). Checks the exit codes and
 * that a user's mistake prints one line and no stack trace.
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { noStack, tempFiles } from './harness.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'bin', 'mmu-notifier.js');

function runBin(args: readonly string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, CI: 'true' },
    timeout: 120_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('bin/mmu-notifier.js', () => {
  it('runs as `npx mmu-notifier` in this repository, with no build step', () => {
    const r = spawnSync('npx', ['--offline', 'mmu-notifier', '--version'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, CI: 'true' },
      timeout: 120_000,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^\d+\.\d+\.\d+\n$/);
  });

  it('--help: exit 0', () => {
    const r = runBin(['--help']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Usage: mmu-notifier \[options\] \[command\]/);
  });

  it('list --json: exit 0, JSON on stdout', () => {
    const r = runBin(['list', '--json']);
    assert.equal(r.code, 0, r.err);
    assert.ok(Array.isArray(JSON.parse(r.out)));
  });

  it('a finding: exit 1, no progress bar off a terminal', () => {
    const r = runBin(['check', 'seed-2019', '--semantics', 'legacy-2019']);
    assert.equal(r.code, 1, r.err);
    assert.match(r.out, /FINDING/);
    assert.doesNotMatch(r.err, /schedules ·/);
  });

  it('a user mistake: exit 2, one line, no stack trace', () => {
    for (const args of [
      ['check', 'nope'],
      ['check', 'seed-2019', '--seed', 'x'],
      ['replay', 'seed-2019', 'bad'],
    ]) {
      const r = runBin(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.equal(r.err.trim().split('\n').length, 1, r.err);
      assert.ok(noStack(r.err), r.err);
    }
  });

  it('a scenario file that never finishes loading: exit 2 and one line (regression: a silent 13)', async () => {
    const { dir, cleanup } = await tempFiles({ 'hang.ts': 'await new Promise(() => {});\n' });
    try {
      const r = runBin(['check', join(dir, 'hang.ts')]);
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, /^mmu-notifier: .*never finished/);
      assert.equal(r.err.trim().split('\n').length, 1, r.err);
    } finally {
      await cleanup();
    }
  });
});
