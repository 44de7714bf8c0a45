/**
 * Goal: the watchdog's verdict does not depend on the machine's speed or load, and a run it
 * abandons cannot reach into a later run.
 * Method: a task that awaits a macrotask mid-step, with the thread blocked for a few
 * milliseconds (`Atomics.wait`, no clock) after it armed it, so that its timer is due before
 * the watchdog's `setImmediate`: the slow-machine case, made deterministic. Then a task of
 * an abandoned run released in the middle of a later `check()`: the later result must equal
 * the one without the stale task, and nothing may escape as an uncaught error.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { check } from '../../src/check/check.ts';
import { unwatch, type Watched, watch } from '../../src/check/watchdog.ts';
import { defineScenario, type Scenario } from '../../src/check/world.ts';
import { collectEscapes } from './escapes.ts';
import { lostUpdate } from './fixtures.ts';

/** Blocks the thread for `ms` milliseconds (what a loaded machine does between two ticks). */
function stall(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

type Macrotask = 'setTimeout' | 'setImmediate';

/** `a` takes `m`, then awaits a macrotask with `m` held; `b` wants `m`. */
function awaitsMacrotask(kind: Macrotask, stallMs: number): Scenario {
  return defineScenario({
    name: `awaits-${kind}`,
    setup(world) {
      const m = world.mutex('m');
      world.spawn('a', async () => {
        await m.lock();
        const fired = new Promise<void>((resolve) =>
          kind === 'setTimeout' ? setTimeout(resolve, 0) : setImmediate(resolve),
        );
        stall(stallMs);
        await fired;
        m.unlock();
      });
      world.spawn('b', async () => {
        await m.lock();
        m.unlock();
      });
    },
  });
}

describe('watchdog', () => {
  const escaped = collectEscapes();

  for (const kind of ['setTimeout', 'setImmediate'] as const) {
    it(`a task awaiting ${kind} mid-step is 'outside' on a slow machine too`, async () => {
      for (const stallMs of [0, 3]) {
        for (let i = 0; i < 3; i++) {
          // Before the fix, a due timer beat the watchdog: the search saw 'outside' where
          // the replay did not, and check() rejected ('scenario is not deterministic').
          const result = await check(awaitsMacrotask(kind, stallMs), { reduction: false });
          assert.equal(result.finding?.kind, 'outside', `${kind}, stall ${stallMs} ms, #${i}`);
          assert.match(result.finding.message, /^task 'a' awaited something outside/);
          assert.match(result.finding.schedule, /^v1:0\.0$/);
        }
      }
      assert.deepEqual(escaped, []);
    });
  }

  it('a task of an abandoned run that wakes up inside a later run changes nothing', async () => {
    let release = (): void => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let slept = 0;
    let woke = 0;
    let passed = 0;
    const stale = defineScenario({
      name: 'stale',
      setup(world) {
        const m = world.mutex('m');
        const cell = world.shared(0, 'cell');
        world.spawn('sleeper', async () => {
          await m.lock();
          slept++;
          await gate; // outside the scheduler: the run is abandoned ('outside')
          woke++;
          m.unlock(); // on a dead run: no access recorded, nobody kicked
          await cell.store(2); // a point of a dead run: pending forever
          passed++;
        });
      },
    });
    const first = await check(stale, { reduction: false });
    assert.equal(first.finding?.kind, 'outside');
    const baseline = await check(lostUpdate(true, 3), { reduction: false });
    // The same check again, with every stale sleeper released in the middle of its first step.
    const fixed = lostUpdate(true, 3);
    const releasing = defineScenario({
      name: fixed.name,
      setup(world) {
        world.spawn('waker', () => release());
        return fixed.setup(world);
      },
    });
    const later = await check(releasing, { reduction: false });
    assert.ok(slept >= 2, 'the search and the replay each left a sleeper');
    assert.equal(woke, slept, 'every stale sleeper woke inside the later check');
    assert.equal(passed, 0, 'and stayed parked at its first point on its dead run');
    assert.equal(later.ok, true);
    assert.equal(later.stats.complete, true);
    assert.ok(later.stats.schedules >= baseline.stats.schedules);
    assert.deepEqual(escaped, []);
  });
});

describe('watchdog bookkeeping', () => {
  /** A watched run that counts its `stuck()` calls. */
  function run(): Watched & { stuckCalls: number } {
    return {
      stuckCalls: 0,
      stuck() {
        this.stuckCalls++;
      },
    };
  }
  const macrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

  it('declares stuck exactly the runs still watched, once each, in any unwatch order', async () => {
    const runs = Array.from({ length: 5 }, run);
    for (const r of runs) watch(r);
    unwatch(runs[1]!);
    unwatch(runs[4]!); // the last one
    unwatch(runs[1]!); // twice: nothing
    await macrotask();
    assert.deepEqual(
      runs.map((r) => r.stuckCalls),
      [1, 0, 1, 1, 0],
    );
    await macrotask();
    assert.deepEqual(
      runs.map((r) => r.stuckCalls),
      [1, 0, 1, 1, 0],
      'a declared run is watched no more',
    );
  });

  it('many watch/unwatch pairs (one per run) leave nothing watched', async () => {
    const done = Array.from({ length: 1000 }, run);
    for (const r of done) {
      watch(r);
      unwatch(r);
    }
    const open = run();
    watch(open);
    await macrotask();
    assert.equal(
      done.reduce((n, r) => n + r.stuckCalls, 0),
      0,
    );
    assert.equal(open.stuckCalls, 1);
  });
});
