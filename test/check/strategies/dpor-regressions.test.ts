/**
 * Goal: the three minimal programs of issue 11, each a reachable bug that the default search
 * (DPOR with sleep sets) used to call proven, are found by it, and by plain DFS.
 * Method: each program as a scenario through the public `check()`, under the default options
 * and under `reduction: false`; the finding must be the same kind, and replay.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { check, defineScenario, type Scenario } from '../../../src/index.ts';

/** Cause 1: a wait condition reads `.value`, and the waker forgets to wake (or wakes first). */
function forgottenWake(wakeFirst: boolean): Scenario {
  return defineScenario({
    name: wakeFirst ? 'wake-before-store' : 'waker-forgets-to-wake',
    setup(world) {
      const flag = world.shared(0, 'flag');
      const wq = world.waitQueue('wq');
      world.spawn('waker', async () => {
        if (wakeFirst) wq.wakeUpAll();
        await flag.store(1);
      });
      world.spawn('waiter', async () => {
        await wq.wait(() => flag.value === 1);
      });
    },
  });
}

/** Cause 2: a step's footprint depends on what it loaded (sleep sets assumed it does not). */
function dataDependentFootprint(viaTryLock: boolean): Scenario {
  return defineScenario({
    name: viaTryLock ? 'footprint-by-trylock' : 'footprint-by-load',
    setup(world) {
      const c0 = world.shared(0, 'c0');
      const sc = world.shared(0, 'sc');
      const sp = world.spinLock('sp');
      const m = world.mutex('m');
      let seen0 = -1;
      let seen1 = -1;
      const section = (k: number): void => {
        sp.lock();
        sc.set(sc.value * 2 + k);
        sp.unlock();
      };
      world.spawn('t0', async () => {
        await c0.store(1);
        seen0 = await c0.load();
        if (viaTryLock ? seen0 === 1 && m.tryLock() : seen0 === 1) {
          section(2);
          if (viaTryLock) m.unlock();
        }
      });
      world.spawn('t1', async () => {
        seen1 = await c0.load();
        await c0.store(seen1 + 1);
      });
      world.spawn('t2', async () => {
        section(0);
      });
      world.finally(() => {
        if (c0.value === 2 && sc.value === 2 && seen0 === 1 && seen1 === 1)
          throw new Error('the bug: t2 ran first, then t0, then t1');
      });
    },
  });
}

/** Cause 3: the holder unlocks and re-takes a lock in one step, hiding a blocked lock's race. */
function blockedLockRace(): Scenario {
  return defineScenario({
    name: 'blocked-lock-race',
    setup(world) {
      const m = world.mutex('m');
      const c = world.shared(0, 'c');
      let r1 = -1;
      world.spawn('t0', async () => {
        await m.lock();
        const r = await c.load();
        await c.store(r + 1);
        m.unlock();
        if (m.tryLock()) {
          await world.yieldNow();
          m.unlock();
        }
      });
      world.spawn('t1', async () => {
        await c.store(0);
        await m.lock();
        m.unlock();
        r1 = await c.load();
      });
      world.finally(() => {
        if (c.value === 1 && r1 === 0) throw new Error('the bug: t1 read 0, c ended 1');
      });
    },
  });
}

/** Found by the differential (seed 16372): an invariant that reads `b` only while `a` is 0. */
function shortCircuitInvariant(): Scenario {
  return defineScenario({
    name: 'short-circuit-invariant',
    setup(world) {
      const a = world.shared(0, 'a');
      const b = world.shared(0, 'b');
      world.spawn('t0', async () => {
        a.set(2);
        await world.yieldNow();
      });
      world.spawn('t1', async () => {
        await b.store(1);
      });
      world.invariant('not-a0-b1', () => !(a.value === 0 && b.value === 1));
    },
  });
}

async function foundByBoth(scenario: Scenario, kind: string): Promise<void> {
  const plain = await check(scenario, { reduction: false });
  assert.equal(plain.finding?.kind, kind, 'plain DFS');
  const reduced = await check(scenario);
  assert.equal(reduced.finding?.kind, kind, `default search: ${JSON.stringify(reduced.stats)}`);
  const replay = await check(scenario, {
    strategy: 'replay',
    schedule: reduced.finding!.schedule,
  });
  assert.equal(replay.finding?.message, reduced.finding!.message);
}

describe('issue 11 regressions: bugs the reduction used to prove absent', () => {
  it('an invariant whose reads depend on values is observed from the initial state', async () => {
    await foundByBoth(shortCircuitInvariant(), 'invariant');
  });

  it('an invariant false in the initial state is a finding at step 0 that replays', async () => {
    const scenario = defineScenario({
      name: 'false-at-start',
      setup(world) {
        const c = world.shared(0, 'c');
        world.spawn('t', () => c.store(1));
        world.invariant('c-is-one', () => c.value === 1);
      },
    });
    const result = await check(scenario);
    assert.equal(result.finding?.kind, 'invariant');
    assert.equal(result.finding.step, 0);
    const replay = await check(scenario, { strategy: 'replay', schedule: result.finding.schedule });
    assert.equal(replay.finding?.message, result.finding.message);
  });

  it('cause 1: a waker that forgets to wake leaves the waiter deadlocked', async () => {
    await foundByBoth(forgottenWake(false), 'deadlock');
  });

  it('cause 1: a waker that wakes before it stores leaves the waiter deadlocked', async () => {
    await foundByBoth(forgottenWake(true), 'deadlock');
  });

  it('cause 2: a branch on a loaded value changes the step footprint (load)', async () => {
    await foundByBoth(dataDependentFootprint(false), 'invariant');
  });

  it('cause 2: a branch on tryLock changes the step footprint', async () => {
    await foundByBoth(dataDependentFootprint(true), 'invariant');
  });

  it('cause 3: a blocked lock races with a holder that unlocks and re-takes in one step', async () => {
    await foundByBoth(blockedLockRace(), 'invariant');
  });
});
