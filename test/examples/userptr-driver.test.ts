/**
 * The guide's example driver (docs/writing-a-driver-scenario.md), checked by the suite the
 * way a user checks it, through the CLI: the buggy version is found (the device maps a
 * freed page, minimized and replayable), the correct one is proven.
 */

import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cli } from '../cli/harness.ts';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples', 'userptr-driver');

describe('the userptr driver example', () => {
  it('buggy (readRetry before the lock): found, and the printed replay reproduces it', async () => {
    const r = await cli(['check', join(DIR, 'buggy.ts')]);
    assert.equal(r.code, 1, r.out + r.err);
    assert.match(
      r.out,
      /userptr-buggy \(semantics current\): FINDING \(invariant\) at step \d+\n {2}invariant 'coherence: no freed pfn' violated: StateError: gpu maps 0x100000 -> pfn \d+ \(writable\), which is freed/,
    );
    assert.match(r.out, /· interval\.read_retry gpu {2}seq 1: ok/);
    const schedule = /schedule: (v1:[\d.]+)/.exec(r.out)![1]!;
    const again = await cli(['replay', join(DIR, 'buggy.ts'), schedule]);
    assert.equal(again.code, 1, again.err);
  });

  it('correct (readRetry under the lock): proven, every schedule explored', async () => {
    const r = await cli(['check', join(DIR, 'correct.ts')]);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /userptr-correct \(semantics current\): PROVEN: every schedule explored/);
  });
});
