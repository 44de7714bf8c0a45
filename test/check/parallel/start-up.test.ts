/**
 * Goal: while the pool's threads start, the calling thread runs the jobs, one at a time, and
 * once the pool is up every later job goes to the pool (`start-up.ts`); each caller gets its
 * own job's result; a pool that cannot start still gets the jobs (their errors are its own);
 * a failed check can wait for the calling thread's job to end. And a pooled check gives the
 * pool's search, with its first jobs run here.
 */

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { check } from '../../../src/check/check.ts';
import type { Executor } from '../../../src/check/parallel/coordinator.ts';
import { JOB_PROTOCOL, type Job, type JobResult } from '../../../src/check/parallel/job.ts';
import { JobPool } from '../../../src/check/parallel/pool.ts';
import { type StartingPool, StartUpExecutor } from '../../../src/check/parallel/start-up.ts';
import { findScenario } from '../../../src/scenarios/index.ts';

after(() => JobPool.closeShared());

function job(id: string): Job {
  return { id, kind: 'subtree', prefix: [] } as unknown as Job;
}

function result(id: string, by: string): JobResult {
  return { id, protocol: JOB_PROTOCOL, kind: by } as unknown as JobResult;
}

/** An executor that records who ran what and finishes when told. */
class Recorder implements Executor {
  readonly ran: string[] = [];
  readonly open: (() => void)[] = [];
  constructor(readonly name: string) {}
  run(j: Job): Promise<JobResult> {
    this.ran.push(j.id);
    return new Promise((resolve) => this.open.push(() => resolve(result(j.id, this.name))));
  }
}

/** A few turns of the event loop (the executor takes one between calling-thread jobs). */
const tick = async (): Promise<void> => {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
};

describe('StartUpExecutor', () => {
  it('runs jobs here one at a time until the pool is ready, then all on the pool', async () => {
    let up!: () => void;
    const pool = Object.assign(new Recorder('pool'), {
      ready: () => new Promise<void>((r) => (up = r)),
    }) satisfies StartingPool;
    const here = new Recorder('here');
    const ex = new StartUpExecutor(pool, here);
    const a = ex.run(job('a'));
    const b = ex.run(job('b'));
    const c = ex.run(job('c'));
    await tick();
    assert.deepEqual(here.ran, ['a'], 'one job at a time on the calling thread');
    here.open.shift()!();
    await tick();
    assert.deepEqual(here.ran, ['a', 'b']);
    up();
    await tick();
    assert.deepEqual(pool.ran, ['c'], 'the queue goes to the pool once it is up');
    const d = ex.run(job('d'));
    await tick();
    assert.deepEqual(pool.ran, ['c', 'd']);
    here.open.shift()!();
    for (const f of pool.open) f();
    const got = await Promise.all([a, b, c, d]);
    assert.deepEqual(
      got.map((r) => `${r.id}:${r.kind}`),
      ['a:here', 'b:here', 'c:pool', 'd:pool'],
    );
    assert.equal(ex.localJobs, 2);
    await ex.idle();
  });

  it('a pool that answers while quick jobs run here back to back gets the rest', async () => {
    // Jobs that end at once (microtasks only) never turn the event loop by themselves; the
    // pool's answer comes in a macrotask, as a thread's message does.
    const pool = Object.assign(new Recorder('pool'), {
      ready: () => new Promise<void>((r) => setImmediate(r)),
    }) satisfies StartingPool;
    const here: Executor = { run: (j) => Promise.resolve(result(j.id, 'here')) };
    const ex = new StartUpExecutor(pool, here);
    const all = ['a', 'b', 'c', 'd', 'e'].map((id) => ex.run(job(id)));
    await tick();
    assert.ok(ex.localJobs < 5, `${ex.localJobs} of 5 jobs ran here`);
    assert.ok(pool.ran.length > 0);
    for (const f of pool.open) f();
    assert.equal((await Promise.all(all)).length, 5);
  });

  it('a pool whose threads cannot start gets the jobs anyway (its error is theirs)', async () => {
    let down!: (e: Error) => void;
    const pool = Object.assign(new Recorder('pool'), {
      ready: () => new Promise<void>((_, reject) => (down = reject)),
    }) satisfies StartingPool;
    const here = new Recorder('here');
    const ex = new StartUpExecutor(pool, here);
    const a = ex.run(job('a'));
    const b = ex.run(job('b'));
    down(new Error('cannot load'));
    await tick();
    assert.deepEqual(pool.ran, ['b']);
    here.open.shift()!();
    pool.open.shift()!();
    assert.deepEqual(
      (await Promise.all([a, b])).map((r) => r.kind),
      ['here', 'pool'],
    );
  });

  it('idle() waits for the job the calling thread runs', async () => {
    const pool = Object.assign(new Recorder('pool'), {
      ready: () => new Promise<void>(() => {}),
    }) satisfies StartingPool;
    const here = new Recorder('here');
    const ex = new StartUpExecutor(pool, here);
    void ex.run(job('a'));
    let idle = false;
    const waiting = ex.idle().then(() => (idle = true));
    await tick();
    assert.equal(idle, false);
    here.open.shift()!();
    await waiting;
    assert.equal(idle, true);
  });

  it('a pooled check runs its first jobs here and gives the search of 1 worker', async () => {
    const { scenario } = findScenario('everyday-madvise-dontneed')!;
    await JobPool.closeShared(); // a pool that starts now
    const two = await check(scenario, { workers: 2, minimize: false });
    const one = await check(scenario, { workers: 1, minimize: false });
    assert.ok(two.ok && two.stats.complete);
    assert.equal(two.stats.scheduleDigest, one.stats.scheduleDigest);
    assert.equal(two.stats.schedules, one.stats.schedules);
  });
});
