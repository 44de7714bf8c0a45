/**
 * Goal: an error of the checker itself, wherever a run raises it (choosing the first step
 * right after setup, at a task's park, at a task's end), rejects the run's promise with that
 * error, and never escapes as an uncaught exception, nor is thrown into the task (which would
 * then end "while not running" and hide the real error).
 * Method: `runSchedule()` with a chooser that returns a task that is not enabled, or throws,
 * at a chosen step; process listeners record anything that escapes.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Chooser, type RunSettings, runSchedule } from '../../src/check/execution.ts';
import { ExecutionLog } from '../../src/check/execution-log.ts';
import { defineScenario } from '../../src/check/world.ts';
import { InternalError } from '../../src/errors.ts';
import { collectEscapes } from './escapes.ts';

const SETTINGS: RunSettings = { maxSteps: 100, seed: 1, semantics: 'current', trace: false };

/** Two tasks: `a` parks twice then ends, `b` ends at once. Steps: a, a, b, a (lowest first). */
const twoTasks = defineScenario({
  name: 'two-tasks',
  setup(world) {
    world.spawn('a', async () => {
      await world.yieldNow();
      await world.yieldNow();
    });
    world.spawn('b', () => undefined);
  },
});

/** Runs the lowest enabled task, except at step `bad`, where it `misbehaves`. */
function faultyAt(bad: number, misbehave: (enabled: number) => number): Chooser {
  return {
    nextTask(step, enabled) {
      if (step === bad) return misbehave(enabled);
      return 31 - Math.clz32(enabled & -enabled);
    },
  };
}

/** A task index that is not enabled. */
function notEnabled(enabled: number): number {
  return 31 - Math.clz32(~enabled & -~enabled);
}

/** Lets anything detached settle: a macrotask after the microtask queue drained. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

describe('runSchedule', () => {
  const escaped = collectEscapes();

  it('runs the scenario to its end with a sane chooser', async () => {
    const outcome = await runSchedule(
      twoTasks,
      faultyAt(-1, notEnabled),
      new ExecutionLog(),
      SETTINGS,
    );
    assert.equal(outcome.status, 'ok');
    assert.equal(outcome.steps, 4);
  });

  // Step 0 is chosen from setup's continuation, step 2 at a's second park, step 3 at a's end.
  for (const [step, where] of [
    [0, 'right after setup'],
    [2, "at a task's park"],
    [3, "at a task's end"],
  ] as const) {
    it(`an internal error ${where} rejects the run with it, and nothing escapes`, async () => {
      const run = runSchedule(twoTasks, faultyAt(step, notEnabled), new ExecutionLog(), SETTINGS);
      await assert.rejects(run, (error: unknown) => {
        assert.ok(error instanceof InternalError);
        assert.match(error.message, /chosen but not enabled/);
        return true;
      });
      await settle();
      assert.deepEqual(escaped, []);
    });

    it(`a chooser that throws ${where} rejects the run with its error`, async () => {
      const boom = new Error('chooser failed');
      const chooser = faultyAt(step, () => {
        throw boom;
      });
      await assert.rejects(runSchedule(twoTasks, chooser, new ExecutionLog(), SETTINGS), boom);
      await settle();
      assert.deepEqual(escaped, []);
    });
  }
});
