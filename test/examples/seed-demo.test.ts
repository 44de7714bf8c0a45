/**
 * `npm start` (examples/seed-demo.ts) as a user runs it: a child process in a scratch
 * directory. It must find the seed bug under legacy-2019, prove it gone under current,
 * print the trace and the replay command, and write report.html.
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DEMO = join(ROOT, 'examples', 'seed-demo.ts');

describe('examples/seed-demo.ts', () => {
  it('finds the seed bug, proves the fix, writes report.html', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mmu-demo-'));
    try {
      const tsx = import.meta.resolve('tsx');
      const r = spawnSync(process.execPath, ['--import', tsx, DEMO], {
        cwd: dir,
        encoding: 'utf8',
        timeout: 120_000,
      });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /seed-2019 \(semantics legacy-2019\): FINDING/);
      assert.match(
        r.stdout,
        /replay: {3}npx mmu-notifier replay seed-2019 v1:[\d.]+ --semantics legacy-2019/,
      );
      assert.match(r.stdout, />> +\d+ +\S+ +/);
      assert.match(r.stdout, /seed-2019 \(semantics current\): PROVEN: every schedule/);
      const report = join(dir, 'report.html');
      assert.ok(existsSync(report));
      assert.match(readFileSync(report, 'utf8'), /<svg[^>]*class="timeline"/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
