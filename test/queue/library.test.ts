/**
 * Goal: the queue is one more executor of `check()`'s jobs, and changes nothing in the search:
 * on every library scenario, the coordinator with jobs of {@link JOB} runs (so that each
 * scenario is cut into many jobs) gives the same schedule digest, counters, job count and
 * first finding through bullmq and a loopback `redis-server` (two in-process workers) as on
 * the calling thread (`LocalExecutor`), within a shared budget of {@link BUDGET} runs.
 * Needs `redis-server` (skipped visibly without it).
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { resolveOptions } from '../../src/check/options.ts';
import {
  Coordinator,
  type Executor,
  type ParallelEnd,
} from '../../src/check/parallel/coordinator.ts';
import type { Job, JobResult } from '../../src/check/parallel/job.ts';
import { LocalExecutor } from '../../src/check/parallel/search.ts';
import { formatDigest } from '../../src/check/strategies/dfs-node.ts';
import { jobCounters, keepResult, loadRunner, PACKAGE_VERSION } from '../../src/queue/checker.ts';
import { connectRedis } from '../../src/queue/connection.ts';
import { QueueExecutor } from '../../src/queue/executor.ts';
import { LAYOUT_VERSION } from '../../src/queue/layout.ts';
import { RunStore } from '../../src/queue/run-store.ts';
import { parseQueueUrl } from '../../src/queue/url.ts';
import { type QueueWorker, startQueueWorker } from '../../src/queue/worker.ts';
import { scenarioLibrary } from '../../src/scenarios/index.ts';
import { type RedisUnderTest, skipWithoutRedis, startRedis } from './redis-server.ts';

const BUDGET = 400;
const JOB = 25;

function facts(end: ParallelEnd) {
  return {
    digest: formatDigest(end.digest),
    schedules: end.schedules,
    steps: end.steps,
    jobs: end.jobs,
    complete: end.complete,
    finding: end.finding?.choices.join('.'),
  };
}

describe('the queue as an executor: the same search on every library scenario', {
  skip: skipWithoutRedis(),
}, () => {
  let server: RedisUnderTest;
  let redis: Redis;
  const workers: QueueWorker[] = [];

  before(async () => {
    server = await startRedis();
    const address = parseQueueUrl(server.url);
    redis = await connectRedis(address);
    for (let i = 0; i < 2; i++)
      workers.push(await startQueueWorker({ address, redis, load: loadRunner, log: () => {} }));
  });

  after(async () => {
    for (const w of workers) await w.close();
    redis?.disconnect();
    await server?.stop();
  });

  for (const entry of scenarioLibrary) {
    const name = entry.scenario.name;
    it(name, async () => {
      const options = { ...entry.defaults, maxSchedules: BUDGET, timeLimitMs: 600_000 };
      const settings = resolveOptions({ ...options, workers: 2 });
      const ref = { library: name };
      const run = (executor: Executor) =>
        new Coordinator(settings, ref, executor, undefined, JOB).run();
      const local = await run(new LocalExecutor(entry.scenario));
      const store = new RunStore(redis, `lib-${name}`);
      const meta = { layout: LAYOUT_VERSION, version: PACKAGE_VERSION, scenario: name, name };
      await store.open({ ...meta, source: ref, options }, Date.now());
      const executor = await QueueExecutor.open<Job, JobResult>({
        address: parseQueueUrl(server.url),
        store,
        counters: jobCounters,
        keep: keepResult,
      });
      try {
        const queued = await run(executor as Executor);
        assert.deepEqual(facts(queued), facts(local), name);
        assert.ok(local.jobs > 1 || local.schedules < JOB, `${name}: cut into jobs`);
        const stats = await store.stats();
        assert.equal(stats['jobs'], local.jobs, `${name}: each job enqueued once`);
        assert.equal(stats['schedules'], local.schedules, `${name}: each result merged once`);
      } finally {
        await executor.close();
      }
    });
  }
});
