/**
 * Goal: PCT and the random walk are seeded and deterministic, find shallow bugs, and PCT
 * does not starve a task behind a spinning one (a yield drops the spinner's priority).
 * Method: the lost update and a spin-wait under `check()` with each strategy.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { check } from '../../../src/check/check.ts';
import { ExecutionLog } from '../../../src/check/execution-log.ts';
import { PctStrategy } from '../../../src/check/strategies/pct.ts';
import { RandomStrategy } from '../../../src/check/strategies/random.ts';
import { defineScenario } from '../../../src/check/world.ts';
import { lostUpdate } from '../fixtures.ts';

const spinWait = defineScenario({
  name: 'spin-wait',
  setup(world) {
    const flag = world.shared(false, 'flag');
    world.spawn('spinner', async () => {
      while (!(await flag.load())) await world.yieldNow();
    });
    world.spawn('setter', () => flag.store(true));
  },
});

/** A lone cond_resched() before a lock, then a window in which another task sees the change. */
const yieldThenWindow = defineScenario({
  name: 'yield-then-window',
  setup(world) {
    const lock = world.mutex('m');
    const x = world.shared(0, 'x');
    world.spawn('writer', async () => {
      await world.yieldNow();
      await lock.lock();
      await x.store(1);
      await x.store(0);
      lock.unlock();
    });
    world.spawn('reader', async () => {
      if ((await x.load()) === 1) throw new Error('saw the intermediate state');
    });
  },
});

describe('PCT', () => {
  it('a single yield does not drop the task: a bug behind a lone cond_resched is found', async () => {
    const result = await check(yieldThenWindow, {
      strategy: 'pct',
      pctDepth: 2,
      seed: 3,
      maxSchedules: 500,
    });
    assert.equal(result.finding?.kind, 'exception', 'PCT must find the intermediate state');
  });

  it('finds the lost update (a depth-2 bug) within its budget', async () => {
    const result = await check(lostUpdate(false), { strategy: 'pct', pctDepth: 2, seed: 1 });
    assert.equal(result.finding?.kind, 'invariant');
  });

  it('does not starve a task behind a spinning one', async () => {
    const result = await check(spinWait, { strategy: 'pct', maxSchedules: 200, maxSteps: 200 });
    assert.equal(result.ok, true, result.finding?.message);
    assert.equal(result.stats.schedules, 200);
  });

  it('chooses the highest-priority enabled task, spawn order first', () => {
    const pct = new PctStrategy(1, 0);
    const log = new ExecutionLog();
    assert.equal(pct.newExecution(), true);
    assert.equal(pct.nextTask(0, 0b110, -1, log), 1);
    assert.equal(pct.nextTask(1, 0b101, 1, log), 0);
  });
});

describe('random walk', () => {
  it('is uniform over the enabled tasks and repeatable', () => {
    const counts = [0, 0, 0];
    const a = new RandomStrategy(9);
    const b = new RandomStrategy(9);
    const log = new ExecutionLog();
    for (let i = 0; i < 3000; i++) {
      const choice = a.nextTask(i, 0b111, -1, log);
      assert.equal(b.nextTask(i, 0b111, -1, log), choice);
      counts[choice]!++;
    }
    for (const count of counts) assert.ok(count > 850 && count < 1150, String(counts));
  });

  it('the unfair exhaustive search calls a spin a livelock; the fair one and the random walk do not', async () => {
    const dfs = await check(spinWait, { maxSteps: 100, fairness: false });
    assert.equal(dfs.finding?.kind, 'livelock');
    const fair = await check(spinWait, { maxSteps: 100 });
    assert.equal(fair.ok, true, fair.finding?.message);
    const random = await check(spinWait, { strategy: 'random', maxSchedules: 100, maxSteps: 1000 });
    assert.equal(random.ok, true);
  });
});
