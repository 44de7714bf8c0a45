/**
 * Goal: a schedule is data that reproduces its run exactly: fail -> print -> replay -> the
 * same failure and the same trace (shuttle's `check_replay_roundtrip`); the same seed gives
 * the same search; a replay that no longer fits the scenario says where it diverged.
 * Method: the classic bugs under `dfs` and `random`, replayed with `strategy: 'replay'`.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { check } from '../../src/check/check.ts';
import { defineScenario } from '../../src/check/world.ts';
import { InvalidArgumentError } from '../../src/errors.ts';
import { abba, lostUpdate, missedWakeup, seqRace } from './fixtures.ts';

describe('replay round trip', () => {
  for (const scenario of [lostUpdate(false), abba(false), missedWakeup(false), seqRace(false)]) {
    for (const strategy of ['dfs', 'random', 'pct'] as const) {
      it(`${scenario.name} found by ${strategy} replays exactly`, async () => {
        const found = await check(scenario, { strategy, seed: 11 });
        assert.ok(found.finding, 'a finding');
        const replayed = await check(scenario, {
          strategy: 'replay',
          schedule: found.finding.schedule,
        });
        assert.deepEqual(replayed.finding, found.finding);
        const { schedule } = replayed.options;
        assert.equal(schedule, found.finding.schedule);
      });
    }
  }

  it('a clean schedule replays with its trace', async () => {
    const result = await check(lostUpdate(false), {
      strategy: 'replay',
      schedule: 'v1:0.0.0.1.1.1.2.2.2',
    });
    assert.equal(result.ok, true);
    const points = (result.trace ?? []).filter((event) => event.type === 'point');
    assert.deepEqual(
      points.map((event) => `${event.task}:${event.op}`),
      [
        'inc0:spawn',
        'inc0:cell.load',
        'inc0:cell.store',
        'inc1:spawn',
        'inc1:cell.load',
        'inc1:cell.store',
        'inc2:spawn',
        'inc2:cell.load',
        'inc2:cell.store',
      ],
    );
  });

  it('a replay that diverges names the step', async () => {
    await assert.rejects(
      check(lostUpdate(false), { strategy: 'replay', schedule: 'v1:0.0.0.0' }),
      (error: unknown) =>
        error instanceof InvalidArgumentError && /diverged at step 3: task 0/.test(error.message),
    );
  });
});

describe('determinism', () => {
  it('the same seed gives the same search, bit for bit', async () => {
    for (const strategy of ['random', 'pct'] as const) {
      const first = await check(lostUpdate(false, 4), { strategy, seed: 99, minimize: false });
      const second = await check(lostUpdate(false, 4), { strategy, seed: 99, minimize: false });
      assert.deepEqual(first.finding, second.finding);
      assert.equal(first.stats.schedules, second.stats.schedules);
    }
  });

  it('world.random() follows the seed, and the seed travels in the schedule', async () => {
    const scenario = defineScenario({
      name: 'dice',
      setup(world) {
        const roll = Math.floor(world.random() * 1e6);
        world.spawn('t', () => world.yieldNow());
        world.finally(() => {
          throw new Error(`rolled ${roll}`);
        });
      },
    });
    const a = await check(scenario, { seed: 5 });
    const b = await check(scenario, { seed: 5 });
    const c = await check(scenario, { seed: 6 });
    assert.equal(a.finding?.message, b.finding?.message);
    assert.notEqual(a.finding?.message, c.finding?.message);
    assert.match(a.finding?.schedule ?? '', /;seed=5$/);
    const replayed = await check(scenario, {
      strategy: 'replay',
      schedule: a.finding?.schedule ?? '',
    });
    assert.equal(replayed.finding?.message, a.finding?.message);
  });

  it('a scenario that is not deterministic is diagnosed', async () => {
    let runs = 0;
    const scenario = defineScenario({
      name: 'leaky',
      setup(world) {
        runs++;
        const cell = world.shared(0, 'x');
        world.spawn('a', () => cell.store(1));
        if (runs % 2 === 0) world.spawn('b', () => cell.store(2));
        world.spawn('c', () => cell.store(3));
      },
    });
    await assert.rejects(check(scenario, { reduction: false }), /not deterministic/);
  });
});
