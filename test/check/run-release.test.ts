/**
 * Goal: once a run has ended, however it ended (every task done, pruned with tasks still
 * parked, a finding), nothing of it is reachable from its scheduler or its world: no task,
 * no parked continuation, no invariant, no `finally` callback, no lock validator. Every
 * object of a run references the scheduler, so a run object that V8 placed in the old
 * generation would otherwise keep the whole run alive through every scavenge (README "V8's
 * allocation-site pretenuring").
 * Method: `runSchedule()` on a scenario that hands out its world, the tasks' records read
 * before the run ends (from the chooser), then what the scheduler and the world still hold.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Chooser, type RunSettings, runSchedule } from '../../src/check/execution.ts';
import { ExecutionLog } from '../../src/check/execution-log.ts';
import { LockGraph } from '../../src/check/lockdep/graph.ts';
import type { TaskRecord } from '../../src/check/task-record.ts';
import { defineScenario, type RunWorld } from '../../src/check/world.ts';

const SETTINGS: RunSettings = { maxSteps: 100, seed: 1, semantics: 'current', trace: false };

/** Two tasks sharing a mutex, an invariant and a `finally`; `worlds` receives each run's world. */
function scenario(worlds: RunWorld[], failAtEnd: boolean) {
  return defineScenario({
    name: 'release',
    setup(world) {
      worlds.push(world as RunWorld);
      const m = world.mutex('m');
      let n = 0;
      for (const name of ['a', 'b']) {
        world.spawn(name, async () => {
          await m.lock();
          n++;
          await world.yieldNow();
          m.unlock();
        });
      }
      world.invariant('n small', () => n <= 2);
      world.finally(() => {
        if (failAtEnd) throw new Error('end state wrong');
      });
    },
  });
}

/** Lowest enabled task first; prunes (-1) at step `pruneAt`. Keeps the task records it saw. */
function chooser(worlds: RunWorld[], seen: TaskRecord[], pruneAt: number): Chooser {
  return {
    nextTask(step, enabled) {
      if (step === 0) seen.push(...worlds.at(-1)!.scheduler.tasks);
      if (step === pruneAt) return -1;
      return 31 - Math.clz32(enabled & -enabled);
    },
  };
}

function assertReleased(world: RunWorld, seen: readonly TaskRecord[]): void {
  assert.equal(world.scheduler.live, false);
  assert.equal(world.scheduler.tasks.length, 0, 'the scheduler keeps no task');
  assert.equal(world.scheduler.lockdep, undefined, 'nor the lock validator');
  assert.equal(world.invariants.length, 0, 'the world keeps no invariant');
  assert.equal(world.finals.length, 0, 'nor a finally callback');
  assert.equal(seen.length, 2);
  for (const task of seen) {
    assert.equal(task.resume, null, `task ${task.name} keeps no continuation`);
    assert.equal(task.ready, null, `task ${task.name} keeps no wait predicate`);
  }
}

describe('a run lets go of its objects when it ends', () => {
  const cases = [
    { how: 'every task done', pruneAt: -2, failAtEnd: false, status: 'ok' },
    { how: 'pruned with both tasks parked', pruneAt: 1, failAtEnd: false, status: 'pruned' },
    { how: 'a finding in finally', pruneAt: -2, failAtEnd: true, status: 'finding' },
  ] as const;
  for (const { how, pruneAt, failAtEnd, status } of cases) {
    it(how, async () => {
      const worlds: RunWorld[] = [];
      const seen: TaskRecord[] = [];
      const settings = { ...SETTINGS, lockdep: new LockGraph() };
      const outcome = await runSchedule(
        scenario(worlds, failAtEnd),
        chooser(worlds, seen, pruneAt),
        new ExecutionLog(),
        settings,
      );
      assert.equal(outcome.status, status);
      if (status === 'pruned') {
        assert.ok(
          seen.some((task) => task.status === 'parked'),
          'a task was left parked',
        );
      }
      assertReleased(worlds[0]!, seen);
    });
  }

  it('a released run still reports what the host read before it let go', async () => {
    const worlds: RunWorld[] = [];
    const seen: TaskRecord[] = [];
    const log = new ExecutionLog();
    const outcome = await runSchedule(scenario(worlds, false), chooser(worlds, seen, 1), log, {
      ...SETTINGS,
      trace: true,
    });
    assert.equal(outcome.status, 'pruned');
    assert.equal(outcome.steps, 1);
    // `a` took its first step and parked at `m.lock()`: its pending op is logged (b's spawn
    // touches no object and is not).
    assert.equal(log.pendingCount, 1);
    assert.equal(log.pendingTask(0), 0);
    assert.deepEqual(
      outcome.trace?.map((e) => `${e.task}:${e.op}`),
      ['a:spawn', 'b:spawn', 'a:spawn'],
    );
    assertReleased(worlds[0]!, seen);
  });
});
