/**
 * Goal: a finding is minimized (fewest preemptions, then fewest steps) before it is
 * returned, the minimized trace is no longer than the original, it shows the same bug, and
 * its schedule replays it exactly.
 * Method: long random-walk counterexamples of the lost update (four tasks), with and
 * without minimization; the lost update needs exactly one preemption.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { check } from '../../src/check/check.ts';
import { abba, lostUpdate } from './fixtures.ts';

describe('minimization', () => {
  for (const seed of [1, 2, 3, 4]) {
    it(`shrinks a random counterexample (seed ${seed})`, async () => {
      const scenario = lostUpdate(false, 4);
      const raw = await check(scenario, { strategy: 'random', seed, minimize: false });
      const min = await check(scenario, { strategy: 'random', seed });
      assert.ok(raw.finding && min.finding);
      assert.equal(min.finding.kind, raw.finding.kind);
      assert.ok(min.finding.preemptions <= raw.finding.preemptions);
      assert.equal(min.finding.preemptions, 1);
      if (min.finding.preemptions === raw.finding.preemptions)
        assert.ok(min.finding.step <= raw.finding.step);
      assert.ok(min.finding.trace.length <= raw.finding.trace.length);
      const replayed = await check(scenario, {
        strategy: 'replay',
        schedule: min.finding.schedule,
      });
      assert.deepEqual(replayed.finding, min.finding);
    });
  }

  it('keeps the fewest steps among schedules with the fewest preemptions', async () => {
    const result = await check(abba(false), { strategy: 'random', seed: 8 });
    assert.equal(result.finding?.kind, 'deadlock');
    // spawn + lock A by 'ab', then spawn + lock B by 'ba': four steps, one preemption.
    assert.equal(result.finding.preemptions, 1);
    assert.equal(result.finding.step, 3);
  });
});
