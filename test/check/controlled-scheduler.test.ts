/**
 * Goal: the controlled scheduler keeps its protocol: one task at a time, object ids
 * deterministic per run, no point outside a task, no point in atomic context, and a task
 * that awaits outside the scheduler is reported instead of hanging the search; a task that
 * ends with a point of it left pending is the scenario's defect (a finding), not the
 * checker's; a scheduler refuses a task of another run.
 * Method: small scenarios under `check()`, reading the trace of a replayed run; one
 * scheduler driven by hand for the run ids.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { check } from '../../src/check/check.ts';
import { ControlledScheduler } from '../../src/check/controlled-scheduler.ts';
import { ExecutionLog } from '../../src/check/execution-log.ts';
import type { SchedulerHost } from '../../src/check/task-record.ts';
import { defineScenario } from '../../src/check/world.ts';
import { InternalError, ScenarioSetupError } from '../../src/errors.ts';

/** A host that records what the scheduler signals and never resumes anything. */
function recordingHost(): SchedulerHost & { readonly calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    stepEnded: () => void calls.push('stepEnded'),
    taskFailed: (task) => void calls.push(`taskFailed ${task.name}`),
    stuck: () => void calls.push('stuck'),
    fatal: (error) => void calls.push(`fatal ${String(error)}`),
    strayed: (task, how) => void calls.push(`strayed ${task.name} ${how}`),
  };
}

describe('ControlledScheduler', () => {
  it('interleaves only at points: every order of the steps, each exactly once', async () => {
    const orders = new Set<string>();
    const scenario = defineScenario({
      name: 'atomic-steps',
      setup(world) {
        const log: string[] = [];
        for (const name of ['a', 'b']) {
          world.spawn(name, async () => {
            log.push(`${name}1`);
            await world.yieldNow();
            log.push(`${name}2`);
          });
        }
        world.finally(() => void orders.add(log.join(' ')));
      },
    });
    const result = await check(scenario, { reduction: false });
    assert.equal(result.ok, true);
    assert.equal(result.stats.schedules, 6);
    assert.deepEqual([...orders].sort(), [
      'a1 a2 b1 b2',
      'a1 b1 a2 b2',
      'a1 b1 b2 a2',
      'b1 a1 a2 b2',
      'b1 a1 b2 a2',
      'b1 b2 a1 a2',
    ]);
  });

  it('hands out the same object ids in every run', async () => {
    const ids: number[][] = [];
    const scenario = defineScenario({
      name: 'ids',
      setup(world) {
        ids.push([world.mutex().id, world.shared(0).id, world.waitQueue().id]);
        world.spawn('t', () => world.yieldNow());
        world.spawn('u', () => world.yieldNow());
      },
    });
    await check(scenario, { reduction: false });
    assert.ok(ids.length > 1);
    for (const run of ids) assert.deepEqual(run, ids[0]);
  });

  it('a point in setup is a setup error (the scenario is wrong), not a finding', async () => {
    const scenario = defineScenario({
      name: 'blocking-setup',
      async setup(world) {
        await world.yieldNow();
      },
    });
    await assert.rejects(
      check(scenario),
      (e: unknown) =>
        e instanceof ScenarioSetupError &&
        e.code === 'ESETUP' &&
        /^scenario 'blocking-setup': setup threw StateError: .*outside any task.* at .*controlled-scheduler\.test\.ts:\d+:\d+$/.test(
          e.message,
        ),
    );
  });

  it('a task that starts two points at once is refused, not misattributed', async () => {
    const scenario = defineScenario({
      name: 'two-at-once',
      setup(world) {
        const a = world.shared(0, 'a');
        const b = world.shared(0, 'b');
        world.spawn('greedy', async () => {
          await Promise.all([a.load(), b.load()]);
        });
        world.spawn('other', () => a.store(1));
      },
    });
    const result = await check(scenario);
    assert.equal(result.finding?.kind, 'exception');
    assert.match(
      result.finding.message,
      /^task 'greedy' threw StateError: cell\.load from a task that is parked/,
    );
  });

  it('records points, accesses and notes in the trace, step by step', async () => {
    const scenario = defineScenario({
      name: 'trace',
      setup(world) {
        const m = world.mutex('m');
        world.spawn('t', async () => {
          await m.lock();
          world.scheduler.annotate({ kind: 'note', name: 'here', detail: 'x' });
          m.unlock();
        });
      },
    });
    const result = await check(scenario, { strategy: 'replay', schedule: 'v1:0.0' });
    const events = (result.trace ?? []).map(
      (e) => `${e.step} ${e.type} ${e.task} ${e.op} ${e.obj}`,
    );
    assert.deepEqual(events, [
      '0 task t spawn ',
      '0 point t spawn ',
      '1 point t mutex.lock m',
      '1 note t note here',
      '1 access t mutex.unlock m',
      '1 task t exit ',
    ]);
  });

  it('a task that ends with a point left un-awaited is an exception finding, not an internal error', async () => {
    const scenario = defineScenario({
      name: 'stray-point',
      setup(world) {
        world.spawn('a', async () => {
          await world.yieldNow();
          void world.yieldNow(); // parks 'a', and its function returns at once
        });
        world.spawn('b', async () => {
          await world.yieldNow();
          await world.yieldNow();
        });
      },
    });
    const result = await check(scenario, { reduction: false });
    assert.equal(result.finding?.kind, 'exception');
    assert.match(
      result.finding.message,
      /^task 'a' returned while parked at yield: it left a scheduling point un-awaited/,
    );
    assert.doesNotMatch(result.finding.message, /internal error/);
    const replayed = await check(scenario, {
      strategy: 'replay',
      schedule: result.finding.schedule,
    });
    assert.equal(replayed.finding?.message, result.finding.message);
  });

  it('refuses to resume a task of another run', () => {
    const host = recordingHost();
    const first = new ControlledScheduler(host, new ExecutionLog(), null);
    const second = new ControlledScheduler(host, new ExecutionLog(), null);
    try {
      const task = first.spawn('t', () => undefined);
      assert.notEqual(task.run, second.spawn('u', () => undefined).run);
      assert.throws(() => second.resume(task), InternalError);
      assert.throws(() => second.resume(task), /resume of task 't' of run \d+/);
      assert.deepEqual(host.calls, []);
    } finally {
      first.stop();
      second.stop();
    }
  });
});
