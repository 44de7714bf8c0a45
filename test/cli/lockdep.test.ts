/**
 * Goal: `--no-lockdep` reaches the checker from `check` and `replay`, and a lock-order
 * finding's printed replay command (with its priors) replays it from the command line.
 * Method: the in-process CLI on the library's `lockdep-read-begin-under-lock-buggy`, whose
 * cycle spans two runs.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cli } from './harness.ts';

const NAME = 'lockdep-read-begin-under-lock-buggy';

describe('mmu-notifier and lockdep', () => {
  it('check finds the order, prints its chains and a replay that repeats it', async () => {
    const r = await cli(['check', NAME]);
    assert.equal(r.code, 1, r.err);
    assert.match(r.out, /FINDING \(lock-order\)/);
    assert.match(r.out, /existing dependency chain:/);
    const schedule = /schedule: (v1:\S+)/.exec(r.out)?.[1];
    assert.ok(schedule?.includes(';prior='), r.out);
    const again = await cli(['replay', NAME, schedule ?? '']);
    assert.equal(again.code, 1, again.err);
    assert.match(again.out, /FINDING \(lock-order\)/);
  });

  it('--no-lockdep on check and replay: no lock validation', async () => {
    const r = await cli(['check', NAME, '--no-lockdep']);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /lockdep=false/);
    assert.match(r.out, /PROVEN/);
    const replay = await cli(['replay', NAME, 'v1:0.0;prior=0.0.0.1.1', '--no-lockdep']);
    assert.equal(replay.code, 0, replay.out);
  });
});
