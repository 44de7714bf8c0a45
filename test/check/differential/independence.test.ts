/**
 * Goal: each finer independence rule of the reduction (`docs/architecture.md`, "Reduction")
 * loses nothing, and pays off. Per rule, a program whose outcome set would shrink if the rule
 * were wrong (a count read that must not commute with a reader entering, a writer that a
 * reader's `up_read` enables, a grace period that waits for a section, a failed `tryLock`
 * that an unlock changes, an invariant over a count): the default search must reach exactly
 * the outcomes of plain DFS, the telling one included. And where the rule applies, fewer
 * schedules: readers of one rwsem or SRCU domain that touch nothing else run once.
 * Method: programs of the differential's language (`program.ts`) through its harness.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explore } from './explore.ts';
import type { Program, Stmt } from './program.ts';

/** Explores `program` both ways; equal outcome sets, each of `expected` among them. */
async function sameOutcomes(
  program: Program,
  expected: readonly string[],
): Promise<{ plain: number; reduced: number }> {
  const plain = await explore(program, false);
  const reduced = await explore(program, true);
  assert.ok(plain.complete && reduced.complete);
  for (const outcome of expected) assert.ok(plain.outcomes.includes(outcome), outcome);
  assert.deepEqual(reduced.outcomes, plain.outcomes);
  return { plain: plain.schedules, reduced: reduced.schedules };
}

const reader = (body: Stmt[]): Stmt => ({ op: 'rsection', body });

describe('finer independence: each rule against plain DFS', () => {
  it('rwsem: readers commute with each other, not with a read of the count', async () => {
    // Each reader reads rw.readers (100 + n) inside its section: 1 or 2.
    const section = [
      reader([
        { op: 'count', of: 'rw' },
        { op: 'load', c: 0 },
      ]),
    ];
    const program: Program = { cells: 1, tasks: [section, section], invariants: [] };
    await sameOutcomes(program, ['ok 0|101,0|102,0', 'ok 0|102,0|101,0', 'ok 0|101,0|101,0']);
  });

  it('rwsem: up_read enables a writer; a reader does not commute with it', async () => {
    const program: Program = {
      cells: 1,
      tasks: [
        [reader([{ op: 'load', c: 0 }])],
        [{ op: 'rwrite', c: 0 }],
        [reader([{ op: 'load', c: 0 }])],
      ],
      invariants: [],
    };
    await sameOutcomes(program, ['ok 1|0||1', 'ok 1|1||0', 'ok 1|0||0', 'ok 1|1||1']);
  });

  it('rwsem: a failed trylock reads what readers and writers change', async () => {
    const program: Program = {
      cells: 1,
      tasks: [
        [
          { op: 'trywrite', c: 0 },
          { op: 'tryread', c: 0 },
        ],
        [reader([{ op: 'load', c: 0 }])],
        [{ op: 'rwrite', c: 0 }],
      ],
      invariants: [],
    };
    // t0's write trylock fails while t1 reads (-4; its read trylock then succeeds), or
    // succeeds (c0 += 1).
    await sameOutcomes(program, ['ok 1|-4,0|0|', 'ok 2|2|0|', 'ok 2|1|2|']);
  });

  it('rwsem: an invariant over the reader count sees the readers overlap', async () => {
    const section = [reader([{ op: 'load', c: 0 }])];
    const program: Program = {
      cells: 1,
      tasks: [section, section],
      invariants: [{ on: 'rw', a: 0, b: 0, x: 2, y: 0 }],
    };
    await sameOutcomes(program, ['invariant', 'ok 0|0|0']);
  });

  it('srcu: read sections commute; synchronize waits for the sections before it', async () => {
    const program: Program = {
      cells: 1,
      tasks: [
        [{ op: 'srcu', body: [{ op: 'store', c: 0, k: 1, fromLast: false }] }],
        [{ op: 'sync' }, { op: 'load', c: 0 }],
        [
          {
            op: 'srcu',
            body: [
              { op: 'count', of: 'srcu' },
              { op: 'load', c: 0 },
            ],
          },
        ],
      ],
      invariants: [],
    };
    await sameOutcomes(program, ['ok 1||0|101,0', 'ok 1||1|102,0', 'ok 1||1|101,1']);
  });

  it('wait queue: sleepers commute with each other, not with a read of their count', async () => {
    const program: Program = {
      cells: 1,
      tasks: [
        [{ op: 'wait', c: 0, k: 1 }],
        [{ op: 'wait', c: 0, k: 1 }],
        [
          { op: 'load', c: 0 },
          { op: 'count', of: 'wq' },
          { op: 'store', c: 0, k: 1, fromLast: false },
          { op: 'wake' },
        ],
      ],
      invariants: [],
    };
    await sameOutcomes(program, ['ok 1|||0,100', 'ok 1|||0,101', 'ok 1|||0,102']);
  });

  it('mutex: a failed tryLock is a read that lock and unlock change', async () => {
    const program: Program = {
      cells: 1,
      tasks: [
        [
          { op: 'try', m: 0, yes: [], no: [] },
          { op: 'try', m: 0, yes: [], no: [] },
        ],
        [{ op: 'mutex', m: 0, body: [{ op: 'load', c: 0 }] }],
      ],
      invariants: [],
    };
    await sameOutcomes(program, ['ok 0|-1,-1|0', 'ok 0|-2,-2|0']);
  });

  it('readers that touch nothing else run in one schedule', async () => {
    const rw = [reader([{ op: 'load', c: 0 }]), reader([{ op: 'load', c: 0 }])];
    const srcu: Stmt[] = [{ op: 'srcu', body: [{ op: 'load', c: 0 }] }];
    const program: Program = { cells: 1, tasks: [rw, srcu, srcu], invariants: [] };
    const { plain, reduced } = await sameOutcomes(program, []);
    assert.ok(reduced * 10 <= plain, `${reduced} reduced schedules against ${plain} plain`);
  });
});
