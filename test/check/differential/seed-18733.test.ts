/**
 * Goal: with fairness on, the default search reaches every outcome the fair plain search
 * reaches on `generate(18733, 7)`, the one program a 20,000-program differential lost an
 * outcome on (found with access kinds in, lost on main 311bff6 as well: a fairness rule).
 * `t0` yields, then yields again inside an SRCU section: at that second yield fairness holds
 * it back until `t1` and `t2` have run. The lost outcome needs `t2`'s count of readers inside
 * the section (after that yield) and `t1`'s load after the section. The race of `t1`'s load
 * with `t0`'s store asks for `t0` where it is held back; the search used to schedule the task
 * it waits for (`t2`) only inside the yield's window (before the section), never after it
 * closed. `DfsStrategy.#addTask` now explores it at the race's node too.
 * Method: both fair searches through the differential's harness (`explore.ts`); equal outcome
 * sets, the lost one among them; and the minimal form of the same program.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explore } from './explore.ts';
import type { Program } from './program.ts';

/** `generate(18733, 7)` of the generator of this change, kept as data. */
const PROGRAM: Program = {
  cells: 3,
  tasks: [
    [{ op: 'yield' }, { op: 'srcu', body: [{ op: 'yield' }] }, { op: 'spin', c: 0, k: 1 }],
    [
      {
        op: 'try',
        m: 0,
        yes: [],
        no: [
          { op: 'if', k: 1, yes: [], no: [] },
          { op: 'count', of: 'wq' },
        ],
      },
      { op: 'load', c: 0 },
      { op: 'load', c: 1 },
    ],
    [{ op: 'count', of: 'srcu' }, { op: 'wake' }],
  ],
  invariants: [
    { a: 0, b: 0, x: 2, y: 2 },
    { a: 2, b: 0, x: 2, y: 1 },
  ],
};

/** The same race with nothing else: `t1` loads `c0`, `t2` counts SRCU readers. */
const MINIMAL: Program = {
  cells: 1,
  tasks: [
    [{ op: 'yield' }, { op: 'srcu', body: [{ op: 'yield' }] }, { op: 'spin', c: 0, k: 1 }],
    [{ op: 'load', c: 0 }],
    [{ op: 'count', of: 'srcu' }],
  ],
  invariants: [],
};

describe('issue 11 regression: generate(18733, 7), fairness and a held-back racer', () => {
  it('the default search reaches the count inside the section', async () => {
    const plain = await explore(PROGRAM, false);
    const reduced = await explore(PROGRAM, true);
    assert.ok(plain.complete && reduced.complete);
    assert.ok(plain.outcomes.includes('ok 1,0,0||-1,1,0|101'), 'plain DFS reaches it');
    assert.deepEqual(reduced.outcomes, plain.outcomes);
  });

  it('and on the minimal program', async () => {
    const plain = await explore(MINIMAL, false);
    const reduced = await explore(MINIMAL, true);
    assert.ok(plain.complete && reduced.complete);
    assert.ok(plain.outcomes.includes('ok 1||1|101'), 'plain DFS reaches it');
    assert.deepEqual(reduced.outcomes, plain.outcomes);
  });
});
