/**
 * Goal: the two-pass scenario and its variants hold what they declare. Two-pass interval
 * notifiers keep three GPU mirrors coherent and run every finish once, under every semantics
 * (a complete search); waiting in the first pass is as correct but slower in the model's own
 * device-clock steps; a driver that skips the wait is caught.
 * Method: `check()` on each library entry under each semantics; the step counts measured by
 * `measureFlushSteps` and compared with the constants the descriptions quote.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { check } from '../../src/check/check.ts';
import { SEMANTICS, type Semantics } from '../../src/core/range.ts';
import {
  FLUSH_STEPS,
  measureFlushSteps,
  multiGpu,
  ONE_PASS_STEPS,
  TWO_PASS_STEPS,
  twoPassScenarios,
} from '../../src/scenarios/two-pass-multi-gpu.ts';

const ALL: readonly Semantics[] = SEMANTICS;

function entry(name: string) {
  const e = twoPassScenarios.find((x) => x.scenario.name === name);
  assert.ok(e !== undefined, name);
  return e;
}

describe('two-pass-multi-gpu', () => {
  for (const name of ['two-pass-multi-gpu', 'two-pass-multi-gpu-wait']) {
    for (const semantics of ALL) {
      it(`${name} is proven clean under ${semantics}`, async () => {
        const result = await check(entry(name).scenario, { semantics });
        assert.equal(result.ok, true, result.finding?.message);
        assert.equal(result.stats.complete, true);
      });
    }
  }

  it('a driver that never waits for its flush leaves a stale GPU translation: found', async () => {
    const result = await check(multiGpu('broken-no-finish').scenario);
    assert.equal(result.ok, false);
    assert.match(
      result.finding?.message ?? '',
      /no GPU translates to a page older than the CPU PTE/,
    );
  });

  it('two-pass overlaps the flushes: fewer device-clock steps than waiting in the first pass', async () => {
    const twoPass = await measureFlushSteps('two-pass');
    const onePass = await measureFlushSteps('wait-in-first-pass');
    assert.equal(twoPass, TWO_PASS_STEPS);
    assert.equal(onePass, ONE_PASS_STEPS);
    // Three issues, then the flushes complete FLUSH_STEPS after each issue, in parallel...
    assert.equal(twoPass, 3 + FLUSH_STEPS);
    // ...against three serialized issue+wait rounds.
    assert.equal(onePass, 3 * (1 + FLUSH_STEPS));
    for (const e of twoPassScenarios.slice(0, 2)) {
      assert.match(
        e.scenario.description ?? '',
        new RegExp(`${TWO_PASS_STEPS} two-pass vs ${ONE_PASS_STEPS}`),
      );
    }
  });
});
