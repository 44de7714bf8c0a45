/**
 * Goal: `check()` applies documented defaults and refuses bad options with one error shape.
 * Method: `resolveOptions` on empty, full and broken option objects.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { check } from '../../src/check/check.ts';
import {
  SCHEDULES_DFS_DEFAULT,
  SCHEDULES_RANDOM_DEFAULT,
  STEPS_DEFAULT,
} from '../../src/check/limits.ts';
import { type CheckOptions, resolveOptions } from '../../src/check/options.ts';
import type { Scenario } from '../../src/check/world.ts';
import { InvalidArgumentError } from '../../src/errors.ts';

describe('check options', () => {
  it('defaults: exhaustive search with reduction under current semantics', () => {
    const settings = resolveOptions();
    assert.equal(settings.strategy, 'dfs');
    assert.equal(settings.reduction, true);
    assert.equal(settings.semantics, 'current');
    assert.equal(settings.maxSchedules, SCHEDULES_DFS_DEFAULT);
    assert.equal(settings.maxSteps, STEPS_DEFAULT);
    assert.equal(settings.preemptionBound, undefined);
    assert.equal(settings.minimize, true);
  });

  it('a preemption bound turns reduction off by default (they do not combine soundly)', () => {
    assert.equal(resolveOptions({ preemptionBound: 1 }).reduction, false);
  });

  it('random and pct: no reduction, a smaller budget', () => {
    for (const strategy of ['random', 'pct'] as const) {
      const settings = resolveOptions({ strategy });
      assert.equal(settings.reduction, false);
      assert.equal(settings.maxSchedules, SCHEDULES_RANDOM_DEFAULT);
    }
  });

  it('replay takes its seed from the schedule and does not minimize', () => {
    const settings = resolveOptions({ strategy: 'replay', schedule: 'v1:0.1;seed=9' });
    assert.equal(settings.seed, 9);
    assert.deepEqual(settings.schedule?.choices, [0, 1]);
    assert.equal(settings.minimize, false);
  });

  it('refuses bad options, naming the option', () => {
    const bad: [CheckOptions, string][] = [
      [{ strategy: 'bfs' as never }, 'strategy'],
      [{ strategy: 'replay' }, 'schedule'],
      [{ maxSteps: 0 }, 'maxSteps'],
      [{ maxSchedules: 1.5 }, 'maxSchedules'],
      [{ preemptionBound: -1 }, 'preemptionBound'],
      [{ timeLimitMs: 0 }, 'timeLimitMs'],
      [{ semantics: 'v4' as never }, 'semantics'],
      [{ pctDepth: 0 }, 'pctDepth'],
      [{ reduction: 'yes' as never }, 'reduction'],
      [{ onProgress: 3 as never }, 'onProgress'],
      [{ reduction: true, preemptionBound: 2 }, 'reduction'],
      [{ seed: Number.NaN }, 'seed'],
      // Regression: a schedule without strategy 'replay' was ignored, and a full search ran.
      [{ schedule: 'v1:0.1' }, 'schedule'],
      [{ strategy: 'random', schedule: 'v1:0.1' }, 'schedule'],
    ];
    for (const [options, name] of bad) {
      assert.throws(
        () => resolveOptions(options),
        (error: unknown) =>
          error instanceof InvalidArgumentError &&
          error.message.startsWith(`check(): option '${name}'`),
        name,
      );
    }
  });

  it('refuses a malformed scenario before running anything', async () => {
    await assert.rejects(check({ name: 'x' } as unknown as Scenario), InvalidArgumentError);
    await assert.rejects(check({ name: '', setup() {} }), InvalidArgumentError);
  });
});
