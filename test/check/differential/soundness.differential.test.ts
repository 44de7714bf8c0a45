/**
 * Goal: the default search (DPOR with sleep sets) reaches exactly the outcomes plain DFS
 * reaches, on random programs using everything a scenario can express (issue 11's soundness
 * differential): final cell values, each task's observations, deadlocks, invariant
 * violations. A lost outcome is a reachable bug the default search would call proven.
 * Method: `generate(seed)` programs (`program.ts`), each explored exhaustively by plain DFS
 * and by the default search through the internal search loop (it goes on past findings);
 * the two outcome sets must be equal. Programs whose plain search exceeds the budget are
 * skipped and counted (at most 1%).
 *
 * Runs: MMU_DIFF_PROGRAMS programs (default 2,000) from seed MMU_DIFF_SEED (default 0), with
 * at most MMU_DIFF_POINTS scheduling points (default 7, to keep CI under a minute; the issue's audit used 12).
 * A run of 20,000 programs of up to 12 points is quoted in docs/architecture.md.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explore } from './explore.ts';
import { generate, print } from './program.ts';

const PROGRAMS = Number(process.env['MMU_DIFF_PROGRAMS'] ?? 2000);
const FIRST_SEED = Number(process.env['MMU_DIFF_SEED'] ?? 0);
const POINTS = Number(process.env['MMU_DIFF_POINTS'] ?? 7);
/** Plain DFS budget per program: a program past it is skipped (counted). */
const PLAIN_BUDGET = Number(process.env['MMU_DIFF_PLAIN_MAX'] ?? 20_000);

describe('soundness differential: default search against plain DFS', () => {
  it(`${PROGRAMS} random programs (<= ${POINTS} points): equal outcome sets`, async () => {
    let compared = 0;
    let skipped = 0;
    let outcomes = 0;
    let plainSchedules = 0;
    let reducedSchedules = 0;
    for (let seed = FIRST_SEED; seed < FIRST_SEED + PROGRAMS; seed++) {
      const program = generate(seed, POINTS);
      const plain = await explore(program, false, PLAIN_BUDGET);
      if (!plain.complete) {
        skipped++;
        continue;
      }
      const reduced = await explore(program, true, PLAIN_BUDGET);
      assert.ok(reduced.complete, `seed ${seed}: the reduced search did not complete`);
      const lost = plain.outcomes.filter((o) => !reduced.outcomes.includes(o));
      const extra = reduced.outcomes.filter((o) => !plain.outcomes.includes(o));
      assert.deepEqual(
        { lost, extra },
        { lost: [], extra: [] },
        `seed ${seed} (MMU_DIFF_SEED=${seed} MMU_DIFF_PROGRAMS=1 MMU_DIFF_POINTS=${POINTS}):\n${print(program)}`,
      );
      assert.ok(reduced.schedules <= plain.schedules, `seed ${seed}: more schedules reduced`);
      compared++;
      outcomes += plain.outcomes.length;
      plainSchedules += plain.schedules;
      reducedSchedules += reduced.schedules;
    }
    assert.ok(skipped * 100 <= PROGRAMS, `${skipped} of ${PROGRAMS} programs skipped`);
    console.log(
      `differential: ${compared} programs compared (${skipped} skipped), ${outcomes} outcomes, ` +
        `${plainSchedules} plain schedules, ${reducedSchedules} reduced`,
    );
  });
});
