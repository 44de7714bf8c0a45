/**
 * Goal: fairness does not make the reduction lose outcomes: on random small programs with
 * yields and bounded retry loops, the fair reduced search reaches exactly the outcomes of
 * the fair plain search (every fair schedule).
 * Method: a seeded generator of 2-3 tasks of loads, stores, increments, yields and bounded
 * waits (`for (i < 3 && load() === 0) yield`) on two cells; each program checked with
 * `reduction: false` and `true` (both fair), every complete run's outcome (the cells, each
 * task's loaded values) collected by a `finally` callback. Programs whose plain search does
 * not complete within the budget are skipped (counted).
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { check } from '../../src/check/check.ts';
import { SeededRandom } from '../../src/check/prng.ts';
import { defineScenario, type Scenario } from '../../src/check/world.ts';

type Op = { kind: 'load' | 'store' | 'inc' | 'yield' | 'wait'; cell: number; value: number };

function program(rng: SeededRandom): Op[][] {
  return Array.from({ length: 2 + rng.below(2) }, () =>
    Array.from({ length: 1 + rng.below(3) }, () => {
      const r = rng.below(10);
      const kind = r < 3 ? 'load' : r < 5 ? 'store' : r < 6 ? 'inc' : r < 9 ? 'yield' : 'wait';
      return { kind, cell: rng.below(2), value: 1 + rng.below(2) } as Op;
    }),
  );
}

function scenario(ops: Op[][], outcomes: Set<string>): Scenario {
  return defineScenario({
    name: 'fair-differential',
    setup(world) {
      const cells = [world.shared(0, 'c0'), world.shared(0, 'c1')];
      const seen: number[][] = ops.map(() => []);
      ops.forEach((list, t) => {
        world.spawn(`t${t}`, async () => {
          for (const op of list) {
            const cell = cells[op.cell]!;
            if (op.kind === 'load') seen[t]!.push(await cell.load());
            else if (op.kind === 'store') await cell.store(op.value);
            else if (op.kind === 'inc') await cell.store((await cell.load()) + 1);
            else if (op.kind === 'yield') await world.yieldNow();
            else for (let i = 0; i < 3 && (await cell.load()) === 0; i++) await world.yieldNow();
          }
        });
      });
      world.finally(() => {
        const loaded = seen.map((s) => s.join('.')).join('/');
        outcomes.add(`${cells.map((c) => c.value).join(',')}|${loaded}`);
      });
    },
  });
}

async function outcomes(ops: Op[][], reduction: boolean): Promise<Set<string> | undefined> {
  const found = new Set<string>();
  const result = await check(scenario(ops, found), {
    reduction,
    minimize: false,
    maxSchedules: 20_000,
  });
  assert.equal(result.ok, true, result.finding?.message);
  return result.stats.complete ? found : undefined;
}

describe('fairness and the reduction', () => {
  it('the fair reduced search reaches every outcome of the fair plain search', async () => {
    const rng = new SeededRandom(11);
    let compared = 0;
    for (let n = 0; n < 40; n++) {
      const ops = program(rng);
      const plain = await outcomes(ops, false);
      if (plain === undefined) continue;
      const reduced = await outcomes(ops, true);
      assert.ok(reduced !== undefined);
      const lost = [...plain].filter((o) => !reduced.has(o));
      assert.deepEqual(lost, [], `program ${n}: ${JSON.stringify(ops)}`);
      compared++;
    }
    assert.ok(compared >= 25, `only ${compared} programs compared`);
  });
});
