/**
 * Goal: the checker finds the classic concurrency bugs and proves their correct versions by
 * a complete exhaustive search; every kind of finding fires; a finding replays exactly.
 * Method: the fixtures of `fixtures.ts` under `check()` with each strategy, plus small
 * scenarios that trigger one oracle each.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { check } from '../../src/check/check.ts';
import { defineScenario, type Scenario } from '../../src/check/world.ts';
import { abba, lostUpdate, missedWakeup, seqRace } from './fixtures.ts';

const CLASSICS: readonly [string, (fixed: boolean) => Scenario, string][] = [
  ['lost update', (fixed) => lostUpdate(fixed), 'invariant'],
  ['AB/BA deadlock (lockdep reports the order first)', abba, 'lock-order'],
  ['missed wake-up', missedWakeup, 'deadlock'],
  ['check-then-act on a sequence number', seqRace, 'invariant'],
];

describe('classic bugs: found, and their fixes proven', () => {
  for (const [title, make, kind] of CLASSICS) {
    for (const reduction of [true, false]) {
      it(`${title} (reduction ${reduction})`, async () => {
        const bug = await check(make(false), { reduction });
        assert.equal(bug.ok, false);
        assert.equal(bug.finding?.kind, kind);
        assert.ok(bug.finding.trace.length > 0);
        const proof = await check(make(true), { reduction });
        assert.equal(proof.ok, true, proof.finding?.message);
        assert.equal(proof.stats.complete, true);
        assert.equal(proof.stats.stoppedBy, undefined);
      });
    }
  }

  it('the deadlock report names who waits on what', async () => {
    const result = await check(abba(false), { lockdep: false });
    assert.match(result.finding?.message ?? '', /'ab' waits at mutex\.lock on B/);
    assert.match(result.finding?.message ?? '', /'ba' waits at mutex\.lock on A/);
  });

  it('random and PCT find the lost update too', async () => {
    for (const strategy of ['random', 'pct'] as const) {
      const result = await check(lostUpdate(false), { strategy, seed: 3 });
      assert.equal(result.finding?.kind, 'invariant', strategy);
      assert.equal(result.stats.complete, false);
    }
  });
});

describe('every finding kind fires', () => {
  it('invariant: after a step, not only at the end', async () => {
    const scenario = defineScenario({
      name: 'transient',
      setup(world) {
        const cell = world.shared(0, 'x');
        world.spawn('t', async () => {
          await cell.store(1);
          await cell.store(0);
        });
        world.invariant('x stays 0', () => cell.value === 0);
      },
    });
    const result = await check(scenario);
    assert.equal(result.finding?.kind, 'invariant');
    assert.equal(result.finding.message, "invariant 'x stays 0' violated");
  });

  it('exception: a task that throws, by name', async () => {
    const scenario = defineScenario({
      name: 'throws',
      setup(world) {
        world.spawn('bad', async () => {
          await world.yieldNow();
          throw new RangeError('boom');
        });
      },
    });
    const result = await check(scenario);
    assert.equal(result.finding?.kind, 'exception');
    assert.equal(result.finding.message, "task 'bad' threw RangeError: boom");
  });

  it('livelock: a retry loop that never ends passes the step bound', async () => {
    const scenario = defineScenario({
      name: 'spin',
      setup(world) {
        const flag = world.shared(false, 'flag');
        world.spawn('spinner', async () => {
          while (!(await flag.load())) await world.yieldNow();
        });
      },
    });
    const result = await check(scenario, { maxSteps: 50 });
    assert.equal(result.finding?.kind, 'livelock');
    assert.match(result.finding.message, /no end after 50 steps.*'spinner'/);
  });

  it('outside: a task awaiting a promise nothing resolves, named with its last point', async () => {
    const scenario = defineScenario({
      name: 'outside',
      setup(world) {
        const m = world.mutex('m');
        world.spawn('stuck', async () => {
          await m.lock();
          await new Promise<void>(() => {});
        });
      },
    });
    const result = await check(scenario);
    assert.equal(result.finding?.kind, 'outside');
    assert.match(result.finding.message, /^task 'stuck' awaited something outside the scheduler/);
    assert.match(result.finding.message, /at mutex\.lock on m/);
  });

  it('outside: a setup that awaits something outside', async () => {
    const scenario = defineScenario({
      name: 'outside-setup',
      async setup() {
        await new Promise<void>(() => {});
      },
    });
    const result = await check(scenario);
    assert.equal(result.finding?.kind, 'outside');
    assert.match(result.finding.message, /^setup awaited/);
  });

  it('exception: sleeping in non-blockable context rejects the point', async () => {
    const scenario = defineScenario({
      name: 'atomic',
      setup(world) {
        const spin = world.spinLock('s');
        world.spawn('t', async () => {
          spin.lock();
          await world.yieldNow();
          spin.unlock();
        });
      },
    });
    const result = await check(scenario);
    assert.equal(result.finding?.kind, 'exception');
    assert.match(result.finding.message, /SleepInAtomicError/);
  });

  it('contract: a core diagnostic, from world.addressSpace() under the run scheduler', async () => {
    const scenario = defineScenario({
      name: 'stray-end',
      setup(world) {
        const mm = world.addressSpace({ core: 'typescript', name: 'mm' });
        assert.equal(mm.semantics, 'legacy-2019');
        assert.equal(mm.scheduler, world.scheduler);
        mm.register({ invalidateRangeEnd() {} }, { name: 'N' });
        world.spawn('ender', async () => {
          await world.yieldNow();
          await mm.invalidateRangeEnd({ start: 0, end: 4096, event: 'unmap', blockable: true });
        });
      },
    });
    const result = await check(scenario, { semantics: 'legacy-2019' });
    assert.equal(result.finding?.kind, 'contract');
    assert.match(result.finding.message, /^contract: end-without-start: /);
    assert.ok(result.finding.trace.some((event) => event.task === 'ender'));
  });

  it('finally: a throw is an invariant finding', async () => {
    const scenario = defineScenario({
      name: 'final',
      setup(world) {
        world.finally(() => {
          throw new Error('not clean');
        });
      },
    });
    const result = await check(scenario);
    assert.equal(result.finding?.kind, 'invariant');
    assert.equal(result.finding.message, "invariant 'finally' violated: Error: not clean");
  });
});

describe('results', () => {
  it('a clean search reports complete statistics and the effective options', async () => {
    const result = await check(lostUpdate(true), { reduction: false });
    assert.equal(result.ok, true);
    assert.equal(result.scenario, 'lost-update-fixed');
    assert.equal(result.stats.schedules, 270);
    assert.ok(result.stats.steps > result.stats.schedules);
    const { strategy, reduction } = result.options;
    assert.equal(strategy, 'dfs');
    assert.equal(reduction, false);
  });

  it('a schedule budget ends the search incomplete, with the reason', async () => {
    const result = await check(lostUpdate(true), { reduction: false, maxSchedules: 10 });
    assert.equal(result.ok, true);
    assert.equal(result.stats.complete, false);
    assert.equal(result.stats.stoppedBy, 'maxSchedules');
    assert.equal(result.stats.schedules, 10);
  });

  it('a preemption bound limits the search (CHESS): 0 misses the lost update, 1 finds it', async () => {
    const none = await check(lostUpdate(false), { preemptionBound: 0 });
    assert.equal(none.ok, true);
    assert.equal(none.stats.complete, true);
    const one = await check(lostUpdate(false), { preemptionBound: 1 });
    assert.equal(one.finding?.kind, 'invariant');
    assert.equal(one.finding.preemptions, 1);
  });

  it('onProgress is called at the end', async () => {
    const seen: number[] = [];
    await check(lostUpdate(true), { onProgress: (p) => seen.push(p.schedules) });
    assert.ok(seen.length >= 1);
  });
});
