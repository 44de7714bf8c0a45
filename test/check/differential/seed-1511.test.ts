/**
 * Goal: the default search reaches every outcome plain DFS reaches on `generate(1511, 12)`,
 * the one program the 12-point differential lost an outcome on (issue 11): a deadlock in
 * which `t1`'s whole-task step (spin section, failed `tryLock` of `m1`) falls inside `t0`'s
 * `m1` section after `t3` read `c1`. The race that reverses `t2`'s store of `c0` with `t0`'s
 * load asked for `t0`, asleep there; the reversal must run `t3` first (`#addAt` in `dfs.ts`).
 * Method: both searches through the differential's harness; equal outcome sets, and that
 * deadlock among them.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explore } from './explore.ts';
import type { Program } from './program.ts';

/**
 * `generate(1511, 12)` of the generator of that time (the generator has grown since, so the
 * seed now names another program): kept as data.
 */
const PROGRAM: Program = {
  cells: 2,
  tasks: [
    [
      { op: 'load', c: 0 },
      { op: 'store', c: 0, k: 2, fromLast: false },
      { op: 'try', m: 1, yes: [{ op: 'load', c: 0 }], no: [] },
    ],
    [
      { op: 'spin', c: 1, k: 1 },
      { op: 'try', m: 1, yes: [], no: [] },
    ],
    [{ op: 'sync' }, { op: 'inc', c: 0 }],
    [
      {
        op: 'try',
        m: 0,
        yes: [
          { op: 'load', c: 1 },
          { op: 'mutex', m: 0, body: [{ op: 'spin', c: 1, k: 1 }] },
        ],
        no: [{ op: 'wake' }],
      },
      { op: 'spin', c: 0, k: 1 },
    ],
  ],
  invariants: [],
};

/** The outcome the default search used to lose (cells | each task's observations). */
const LOST = 'deadlock 3,1|0,-1,2|-2|2|-1,0';

describe('issue 11 regression: generate(1511, 12)', () => {
  it('the default search reaches the deadlock a sleeping racer hid', async () => {
    const program = PROGRAM;
    const plain = await explore(program, false);
    const reduced = await explore(program, true);
    assert.ok(plain.complete && reduced.complete);
    assert.ok(plain.outcomes.includes(LOST), 'plain DFS reaches it');
    assert.deepEqual(reduced.outcomes, plain.outcomes);
    assert.ok(reduced.schedules < plain.schedules / 100, `${reduced.schedules} schedules`);
  });
});
