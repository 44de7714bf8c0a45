/**
 * Goal: the exhaustive search is fair (Musuvathi & Qadeer, PLDI 2008): a retry loop is a
 * `livelock` only when no fair schedule ends, and then the finding says why, with a short
 * schedule that replays. Method: spin-waits (a flag, a trylock, the seed's vCPU spinning on
 * KVM's count) checked fair and unfair, with and without reduction; the fairness tracker
 * driven by hand for its rules.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { check } from '../../src/check/check.ts';
import { FairnessTracker } from '../../src/check/fairness.ts';
import { seedScenarioOnCore } from '../../src/check/seed-scenario.ts';
import { defineScenario } from '../../src/check/world.ts';

const spinOnFlag = defineScenario({
  name: 'spin-on-flag',
  setup(world) {
    const flag = world.shared(false, 'flag');
    world.spawn('spinner', async () => {
      while (!(await flag.load())) await world.yieldNow();
    });
    world.spawn('setter', () => flag.store(true));
  },
});

const trylockLoop = defineScenario({
  name: 'trylock-loop',
  setup(world) {
    const m = world.mutex('m');
    const c = world.shared(0, 'c');
    world.spawn('holder', async () => {
      await m.lock();
      await c.store(1);
      m.unlock();
    });
    world.spawn('trier', async () => {
      while (!m.tryLock()) await world.yieldNow();
      await c.store(2);
      m.unlock();
    });
  },
});

/** Nobody ever sets the flag: a genuine livelock, fair or not. */
const forgottenStore = defineScenario({
  name: 'forgotten-store',
  setup(world) {
    const flag = world.shared(false, 'flag');
    const other = world.shared(0, 'other');
    world.spawn('spinner', async () => {
      while (!(await flag.load())) await world.yieldNow();
    });
    world.spawn('writer', () => other.store(1)); // the store that should have been to flag
  },
});

describe('fair exhaustive search', () => {
  for (const reduction of [true, false]) {
    it(`proves a spin-wait and a trylock loop that end under every fair schedule (reduction ${reduction})`, async () => {
      for (const scenario of [spinOnFlag, trylockLoop]) {
        const fair = await check(scenario, { reduction, maxSteps: 500 });
        assert.equal(fair.ok, true, fair.finding?.message);
        assert.equal(fair.stats.complete, true);
        assert.equal(fair.options['fairness'], true);
        const unfair = await check(scenario, { reduction, fairness: false, maxSteps: 500 });
        assert.equal(unfair.finding?.kind, 'livelock', scenario.name);
        assert.match(unfair.finding.message, /could run and never did: an unfair schedule/);
      }
    });
  }

  it('finds a genuine livelock, says why, and prints a short schedule that replays', async () => {
    const result = await check(forgottenStore);
    assert.equal(result.finding?.kind, 'livelock');
    assert.match(
      result.finding.message,
      /'spinner' retried alone for the last 1000 steps \(every other task has ended\): nothing will change what it waits for/,
    );
    const schedule = result.finding.schedule;
    assert.match(schedule, /^v2:.*\*\d+/);
    assert.ok(schedule.length < 40, schedule);
    const replay = await check(forgottenStore, { strategy: 'replay', schedule });
    assert.equal(replay.finding?.message, result.finding.message);
    assert.equal(replay.finding?.schedule, schedule);
  });

  it("the seed's vCPU spinning on KVM's raised count: a livelock under legacy-2019, proven under current", async () => {
    const spinning = seedScenarioOnCore({ monitor: false, kvm: 'spin' });
    const legacy = await check(spinning, { semantics: 'legacy-2019', maxSteps: 2000 });
    assert.ok(
      legacy.finding?.kind === 'livelock' || legacy.finding?.kind === 'invariant',
      legacy.finding?.message,
    );
    // The livelock itself: the reaper's failed start left A's count raised, nobody will lower it.
    const stuck = await check(spinning, {
      semantics: 'legacy-2019',
      maxSteps: 2000,
      strategy: 'replay',
      schedule: 'v1:0.0.1.2.2.0',
    });
    assert.equal(stuck.finding?.kind, 'livelock');
    assert.match(stuck.finding.message, /'kvm' retried alone .*every other task has ended/);
    const fixed = await check(spinning, { semantics: 'current', maxSteps: 2000 });
    assert.equal(fixed.ok, true, fixed.finding?.message);
    assert.equal(fixed.stats.complete, true);
  });
});

describe('FairnessTracker', () => {
  it('a first yield only opens a window; a second one after a neglected task holds the spinner back', () => {
    const f = new FairnessTracker();
    f.reset();
    f.stepped(0, 0b11, 0b11, true, 1); // task 0 parks at its first yield: no edge
    assert.equal(f.allowed(0b11), 0b11);
    f.stepped(0, 0b11, 0b11, false, 2); // task 0 loads; task 1 could run all along
    assert.equal(f.allowed(0b11), 0b11);
    f.stepped(0, 0b11, 0b11, true, 3); // second yield: task 0 waits for task 1
    assert.equal(f.waitsFor(0), 0b10);
    assert.equal(f.edgeWindow(0), 1); // task 1 at node 1 or 2 would have avoided it
    assert.equal(f.allowed(0b11), 0b10);
    assert.equal(f.allowed(0b01), 0b01); // task 1 not enabled: task 0 may go on
    f.stepped(1, 0b11, 0b11, false, 4); // task 1 ran: task 0 is free again
    assert.equal(f.allowed(0b11), 0b11);
  });

  it('a window with the neglected task scheduled, or a task it disabled, behaves as the paper says', () => {
    const f = new FairnessTracker();
    f.reset();
    f.stepped(0, 0b11, 0b11, true, 1);
    f.stepped(1, 0b11, 0b11, false, 2); // task 1 ran inside task 0's window
    f.stepped(0, 0b11, 0b11, true, 3);
    assert.equal(f.allowed(0b11), 0b11);
    f.stepped(0, 0b11, 0b01, false, 4); // task 0 disables task 1 (takes a lock it wants)
    f.stepped(0, 0b01, 0b11, true, 5); // and yields after releasing it
    assert.equal(f.waitsFor(0), 0b10);
  });
});
