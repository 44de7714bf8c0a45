/**
 * Goal: the seed thread's bug (July 2019) is found by the checker on the core alone, with a
 * trace that shows it, and today's semantics is proven by a complete exhaustive search.
 * Method: `seedCoreScenario` (notifiers A and B as in the thread, an ODP fault holding B's
 * mutex and sleeping, an OOM reaper's non-blockable start, a KVM waiter on A's count) under
 * `legacy-2019`, `current` and `kernel`, with and without reduction.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { check } from '../../src/check/check.ts';
import { seedCoreScenario, seedScenarioOnCore } from '../../src/check/seed-scenario.ts';

describe('the seed scenario on the core', () => {
  for (const reduction of [true, false]) {
    it(`legacy-2019: the unpaired start is found, with its trace (reduction ${reduction})`, async () => {
      const result = await check(seedCoreScenario, { semantics: 'legacy-2019', reduction });
      assert.equal(result.ok, false);
      const finding = result.finding!;
      assert.equal(finding.kind, 'contract');
      assert.match(finding.message, /unpaired-start/);
      assert.match(finding.message, /'A'/);
      // The minimal story: the fault takes B's mutex, then the reaper is switched in.
      assert.equal(finding.preemptions, 1);
      const ops = finding.trace.map((event) => `${event.task}:${event.op}:${event.obj}`);
      assert.ok(ops.includes('odp-fault:mutex.lock:B.umem_mutex'));
      assert.ok(ops.includes('oom-reaper:mutex.trylock:B.umem_mutex'));
      assert.ok(
        ops.indexOf('odp-fault:mutex.lock:B.umem_mutex') <
          ops.indexOf('oom-reaper:mutex.trylock:B.umem_mutex'),
      );
      assert.ok(ops.includes('oom-reaper:eagain:mm'));
      const replayed = await check(seedCoreScenario, {
        semantics: 'legacy-2019',
        strategy: 'replay',
        schedule: finding.schedule,
      });
      assert.deepEqual(replayed.finding, finding);
    });

    it(`current: a complete exhaustive search finds nothing (reduction ${reduction})`, async () => {
      const result = await check(seedCoreScenario, { semantics: 'current', reduction });
      assert.equal(result.ok, true, result.finding?.message);
      assert.equal(result.stats.complete, true);
    });
  }

  it('legacy-2019 without the contract monitor: the bug shows as its consequence', async () => {
    const unmonitored = seedScenarioOnCore({ monitor: false });
    const found = await check(unmonitored, { semantics: 'legacy-2019' });
    assert.ok(
      found.finding?.kind === 'deadlock' || found.finding?.kind === 'invariant',
      found.finding?.message,
    );
    // The fault holds B's mutex, the reaper's start fails after A's, the KVM waiter sleeps
    // on A's count, the fault ends: nobody will ever wake the waiter.
    const stuck = await check(unmonitored, {
      semantics: 'legacy-2019',
      strategy: 'replay',
      schedule: 'v1:0.0.1.2.2.0',
    });
    assert.equal(stuck.finding?.kind, 'deadlock');
    assert.match(stuck.finding.message, /'kvm' waits at wq\.wait on kvm\.wq/);
    const fixed = await check(unmonitored, {
      semantics: 'current',
      strategy: 'replay',
      schedule: 'v1:0.0.1.2.2.0',
    });
    assert.equal(fixed.ok, true);
  });

  it('kernel (linux-6.12) semantics: B, which fails with an end, gets an end it never started', async () => {
    const result = await check(seedCoreScenario, { semantics: 'kernel' });
    assert.equal(result.finding?.kind, 'invariant');
    assert.match(result.finding.message, /B's count left at -1/);
  });

  it('DPOR explores fewer schedules than plain DFS for the proof', async () => {
    const plain = await check(seedCoreScenario, { reduction: false });
    const dpor = await check(seedCoreScenario, { reduction: true });
    assert.ok(
      dpor.stats.schedules < plain.stats.schedules,
      `${dpor.stats.schedules} vs ${plain.stats.schedules}`,
    );
  });
});
