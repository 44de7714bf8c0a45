/**
 * Goal: `check(..., { workers })` gives the same verdict, the same first finding and (dfs)
 * the same set of schedules whatever the number of workers (issue 15), on every library
 * scenario, and the verdict of the one-thread search. Small scenarios are searched in full;
 * the others up to {@link BUDGET} runs (a budget is shared out in DFS order, so the bounded
 * searches are the same too). A second pass cuts the search into jobs of {@link TINY_JOB}
 * runs through the coordinator itself, so that every scenario is split at many nodes.
 */

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { check } from '../../../src/check/check.ts';
import { resolveOptions } from '../../../src/check/options.ts';
import {
  Coordinator,
  type Executor,
  JOB_SCHEDULES,
  RAMP_ROUNDS,
} from '../../../src/check/parallel/coordinator.ts';
import { JobPool } from '../../../src/check/parallel/pool.ts';
import { LocalExecutor } from '../../../src/check/parallel/search.ts';
import { formatDigest } from '../../../src/check/strategies/dfs-node.ts';
import type { CheckResult } from '../../../src/check/types.ts';
import { InvalidArgumentError } from '../../../src/errors.ts';
import { scenarioLibrary } from '../../../src/scenarios/index.ts';

const BUDGET = 1_500;
const TINY_JOB = 4;

after(() => JobPool.closeShared());

/** What must not depend on the number of workers. */
function verdict(result: CheckResult): unknown {
  return {
    ok: result.ok,
    kind: result.finding?.kind,
    message: result.finding?.message,
    schedule: result.finding?.schedule,
    complete: result.stats.complete,
    digest: result.stats.scheduleDigest,
  };
}

describe('check({ workers }): the same search for 1, 2 and 3 workers', () => {
  for (const entry of scenarioLibrary) {
    const name = entry.scenario.name;
    it(name, async () => {
      const options = { ...entry.defaults, maxSchedules: BUDGET, timeLimitMs: 600_000 };
      const one = await check(entry.scenario, { ...options, workers: 1 });
      assert.equal(one.ok, entry.expect === 'clean', `${name}: verdict`);
      assert.equal(one.options['workers'], 1);
      for (const workers of [2, 3]) {
        const many = await check(entry.scenario, { ...options, workers });
        assert.deepEqual(verdict(many), verdict(one), `${name}: ${workers} workers`);
      }
      // The one-thread search (no workers): the same verdict and kind of finding.
      const plain = await check(entry.scenario, options);
      assert.equal(plain.ok, one.ok, `${name}: the one-thread verdict`);
      assert.equal(plain.finding?.kind, one.finding?.kind, `${name}: the one-thread finding`);
      if (plain.stats.complete) assert.ok(one.stats.complete, `${name}: complete`);
    });
  }
});

describe(`the coordinator with jobs of ${TINY_JOB} runs: the same search on any executor`, () => {
  const small = scenarioLibrary.filter((e) => e.expect === 'clean' || e.scenario.name !== '');
  it('every library scenario: the same digest, counters and finding on 1 or 3 threads', async () => {
    const pool = await JobPool.open(3);
    try {
      for (const entry of small) {
        const name = entry.scenario.name;
        const settings = resolveOptions({ ...entry.defaults, maxSchedules: 400, workers: 3 });
        const ref = { library: name };
        const run = (executor: Executor) =>
          new Coordinator(settings, ref, executor, undefined, TINY_JOB).run();
        const local = await run(new LocalExecutor(entry.scenario));
        const threads = await run(pool);
        const facts = (end: typeof local) => ({
          digest: formatDigest(end.digest),
          schedules: end.schedules,
          jobs: end.jobs,
          complete: end.complete,
          finding: end.finding?.choices.join('.'),
        });
        assert.deepEqual(facts(threads), facts(local), name);
        assert.ok(local.schedules <= 400, `${name}: ${local.schedules} runs past the budget`);
        assert.equal(local.finding === undefined, entry.expect === 'clean', `${name}: verdict`);
      }
    } finally {
      await pool.close();
    }
  });
});

describe('the ramp: the first rounds run smaller jobs', () => {
  it(`round r < ${RAMP_ROUNDS} gives its jobs ${JOB_SCHEDULES} / 4^(${RAMP_ROUNDS} - r) runs`, async () => {
    const entry = scenarioLibrary.find((e) => e.scenario.name === 'everyday-madvise-dontneed')!;
    const settings = resolveOptions({ ...entry.defaults, workers: 1 });
    const local = new LocalExecutor(entry.scenario);
    const budgets: number[] = [];
    const recording: Executor = {
      run: (job) => {
        budgets.push(job.maxSchedules);
        return local.run(job);
      },
    };
    const end = await new Coordinator(settings, { library: entry.scenario.name }, recording).run();
    assert.ok(end.complete && end.rounds > RAMP_ROUNDS + 1, `${end.rounds} rounds`);
    // The root job alone is round 0; every later job runs at most the full budget.
    assert.equal(budgets[0], Math.floor(JOB_SCHEDULES / 4 ** RAMP_ROUNDS));
    assert.ok(budgets.every((b) => b <= JOB_SCHEDULES));
    assert.ok(budgets.includes(JOB_SCHEDULES), 'the full budget after the ramp');
    assert.ok(budgets.includes(Math.floor(JOB_SCHEDULES / 4)), 'the last ramp round');
  });
});

describe('the time limit: one wall-clock deadline for every job', () => {
  const entry = scenarioLibrary.find((e) => e.scenario.name === 'everyday-madvise-dontneed')!;
  const ref = { library: entry.scenario.name };

  it('every job of a check carries the deadline its time limit ends at', async () => {
    const settings = resolveOptions({ ...entry.defaults, workers: 1, timeLimitMs: 60_000 });
    const local = new LocalExecutor(entry.scenario);
    const deadlines = new Set<number>();
    const recording: Executor = {
      run: (job) => {
        deadlines.add(job.deadlineMs);
        return local.run(job);
      },
    };
    const before = Date.now();
    const end = await new Coordinator(settings, ref, recording).run();
    assert.ok(end.complete && end.jobs > 1, `${end.jobs} jobs`);
    assert.equal(deadlines.size, 1, 'one deadline');
    const [deadline] = deadlines;
    assert.ok(deadline! >= before + 60_000 && deadline! <= Date.now() + 60_000, `${deadline}`);
  });

  it('a job that starts past the deadline runs once, and the search ends incomplete', async () => {
    // As a job queued (in the pool, in Redis) while the time limit ran out.
    const settings = resolveOptions({ ...entry.defaults, workers: 1 });
    const local = new LocalExecutor(entry.scenario);
    const runs: number[] = [];
    const late: Executor = {
      run: async (job) => {
        const result = await local.run({ ...job, deadlineMs: Date.now() - 1 });
        runs.push(result.schedules);
        assert.equal(result.stoppedBy, 'timeLimitMs', job.id);
        return result;
      },
    };
    const end = await new Coordinator(settings, ref, late).run();
    assert.deepEqual(runs, [1], 'one job of one run: no round after it');
    assert.equal(end.complete, false);
    assert.equal(end.stoppedBy, 'timeLimitMs');
  });

  it('a job without a deadline is refused, naming it', async () => {
    const settings = resolveOptions({ ...entry.defaults, workers: 1 });
    const local = new LocalExecutor(entry.scenario);
    const broken: Executor = { run: (job) => local.run({ ...job, deadlineMs: Number.NaN }) };
    await assert.rejects(
      new Coordinator(settings, ref, broken).run(),
      (e: unknown) =>
        e instanceof InvalidArgumentError && /deadlineMs is not a time/.test(String(e)),
    );
  });
});
