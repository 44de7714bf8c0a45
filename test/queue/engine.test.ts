/**
 * The distributed engine on its own, with a synthetic job type: a job is a node of a tree
 * (a string of 'a'/'b'), its result names its children, two parents name one child, and a
 * small search walks the tree in rounds through the queue executor. Checks: every job runs
 * once and its result is stored once; a coordinator stopped mid-run and started again with
 * the same run id reruns no job; a duplicate result changes nothing; a run id that checks
 * something else is refused; a worker that cannot load the scenario is a typed error; a
 * resumed run's job replaces its copy still waiting from the stopped coordinator; bad
 * URLs and an unreachable server are typed errors.
 * Needs `redis-server` (skipped visibly without it).
 */

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { QueueError } from '../../src/errors.ts';
import { bullConnection, connectRedis } from '../../src/queue/connection.ts';
import { QueueExecutor } from '../../src/queue/executor.ts';
import { bullJobId, JOB_QUEUE, KEY_PREFIX, type RunMeta } from '../../src/queue/layout.ts';
import { RunStore } from '../../src/queue/run-store.ts';
import { parseQueueUrl } from '../../src/queue/url.ts';
import { type QueueWorker, startQueueWorker } from '../../src/queue/worker.ts';
import { type RedisUnderTest, skipWithoutRedis, startRedis } from './redis-server.ts';

interface TreeJob {
  readonly id: string;
}
interface TreeResult {
  readonly id: string;
  readonly children: readonly TreeJob[];
}

const DEPTH = 6;

/** Node `id`'s children; 'ba…' is renamed 'ab…': two parents name one child (a duplicate). */
function childrenOf(id: string): TreeJob[] {
  if (id.length >= DEPTH) return [];
  const norm = (p: string): string => (p.startsWith('ba') ? `ab${p.slice(2)}` : p);
  return [{ id: norm(`${id}a`) }, { id: norm(`${id}b`) }];
}

/** Distinct nodes of the tree (what a run must run). */
function distinctNodes(): Set<string> {
  const seen = new Set<string>();
  const walk = (p: string): void => {
    if (seen.has(p)) return;
    seen.add(p);
    for (const c of childrenOf(p)) walk(c.id);
  };
  walk('');
  return seen;
}

/**
 * The search of this test: runs the tree breadth-first in rounds through `executor`, skipping
 * nodes it has run; throws after `stopAfter` results (a coordinator killed mid-run).
 */
async function walkTree(
  executor: QueueExecutor<TreeJob, TreeResult>,
  stopAfter = Number.POSITIVE_INFINITY,
): Promise<Set<string>> {
  const seen = new Set<string>(['']);
  let round: TreeJob[] = [{ id: '' }];
  let results = 0;
  while (round.length > 0) {
    const got = await Promise.all(round.map((job) => executor.run(job)));
    results += got.length;
    if (results >= stopAfter) throw new Error('coordinator killed');
    round = got.flatMap((r) => r.children).filter((c) => !seen.has(c.id) && seen.add(c.id));
  }
  return seen;
}

const META: RunMeta = {
  layout: 1,
  version: 'test',
  scenario: 'tree',
  name: 'tree',
  source: { library: 'tree' },
  options: {},
};
const counters = (result: TreeResult) => ({
  nodes: 1,
  leaves: result.children.length === 0 ? 1 : 0,
});

describe('distributed engine (synthetic jobs)', { skip: skipWithoutRedis() }, () => {
  let server: RedisUnderTest;
  let redis: Redis;
  const workers: QueueWorker[] = [];
  const runs: string[] = [];

  before(async () => {
    server = await startRedis();
    const address = parseQueueUrl(server.url);
    redis = await connectRedis(address);
    for (let i = 0; i < 2; i++) {
      workers.push(
        await startQueueWorker({
          address,
          redis,
          lockDurationMs: 2_000,
          stalledIntervalMs: 1_000,
          load: async (meta) => {
            if (meta.scenario !== 'tree') throw new Error(`no such tree '${meta.scenario}'`);
            return async (job) => {
              const { id } = job as TreeJob;
              runs.push(id);
              return { id, children: childrenOf(id) } satisfies TreeResult;
            };
          },
          log: () => {},
        }),
      );
    }
  });

  after(async () => {
    for (const w of workers) await w.close();
    redis?.disconnect();
    await server?.stop();
  });

  const open = async (runId: string, meta = META) => {
    const store = new RunStore(redis, runId);
    await store.open(meta, 0);
    const address = parseQueueUrl(server.url);
    return {
      store,
      executor: await QueueExecutor.open<TreeJob, TreeResult>({ address, store, counters }),
    };
  };

  test('every job runs once on the workers; its result is stored and counted once', async () => {
    runs.length = 0;
    const { store, executor } = await open('tree1');
    const seen = await walkTree(executor);
    await executor.removeJobs();
    await executor.close();
    const nodes = distinctNodes();
    assert.deepEqual(seen, nodes);
    assert.equal(runs.length, nodes.size, 'no job ran twice');
    assert.equal((await store.results()).size, nodes.size);
    const stats = await store.stats();
    assert.equal(stats['nodes'], nodes.size);
    assert.equal(stats['jobs'], nodes.size);
  });

  test('a coordinator stopped mid-run resumes from the stored results, running nothing twice', async () => {
    runs.length = 0;
    const first = await open('tree2');
    await assert.rejects(walkTree(first.executor, 10), /coordinator killed/);
    await first.executor.close();
    const stored = (await first.store.results()).size;
    assert.ok(stored >= 10 && stored < distinctNodes().size, `stopped mid-run (${stored} stored)`);
    const again = await open('tree2');
    const seen = await walkTree(again.executor);
    await again.executor.close();
    assert.deepEqual(seen, distinctNodes());
    assert.equal(runs.length, distinctNodes().size, 'the resumed run reran no job');
    const stats = await again.store.stats();
    assert.equal(stats['nodes'], distinctNodes().size, 'each result counted once');
    assert.equal(stats['reused'], stored, 'the stored results were reused');
  });

  test('a duplicate result changes nothing', async () => {
    const store = new RunStore(redis, 'tree1');
    const before = await store.stats();
    assert.equal(await store.merge('', '{"id":"","children":[]}', { nodes: 1 }), false);
    assert.deepEqual(await store.stats(), before);
  });

  test('a run id that checks something else is refused', async () => {
    const store = new RunStore(redis, 'tree1');
    await assert.rejects(
      store.open({ ...META, options: { maxSteps: 5 } }, 0),
      (e: unknown) => e instanceof QueueError && e.reason === 'run-mismatch',
    );
  });

  test('a scenario a worker cannot load fails the run with a worker-load error', async () => {
    const { executor } = await open('tree3', { ...META, scenario: 'no-such-tree' });
    await assert.rejects(
      executor.run({ id: '' }),
      (e: unknown) =>
        e instanceof QueueError &&
        e.reason === 'worker-load' &&
        /cannot load the scenario 'no-such-tree'.*no such tree/.test(e.message),
    );
    await executor.close();
  });

  test('a resumed run gives a job that still waits in bullmq its own data (a new deadline)', async () => {
    // No worker: the first coordinator's copy of the job waits in bullmq when it stops.
    for (const w of workers.splice(0)) await w.close();
    const first = await open('tree5');
    const stale = first.executor.run({ id: '', deadline: 1 } as TreeJob);
    stale.catch(() => {}); // rejected by close: the coordinator stopped
    const queue = new Queue(JOB_QUEUE, {
      connection: bullConnection(parseQueueUrl(server.url)),
      prefix: KEY_PREFIX,
    });
    const queued = async () => (await queue.getJob(bullJobId('tree5', '')))?.data.job;
    const until = async (done: (job: { deadline: number } | undefined) => boolean) => {
      for (let i = 0; i < 250 && !done(await queued()); i++) await sleep(20);
    };
    await until((job) => job !== undefined);
    await first.executor.close();
    const again = await open('tree5');
    const seen: unknown[] = [];
    try {
      const fresh = again.executor.run({ id: '', deadline: 2 } as TreeJob);
      fresh.catch(() => {}); // rejected by close, should an assertion fail first
      await until((job) => job?.deadline === 2);
      assert.equal((await queued())?.deadline, 2, 'the waiting copy took the new data');
      workers.push(
        await startQueueWorker({
          address: parseQueueUrl(server.url),
          redis,
          load: async () => async (job) => {
            seen.push(job);
            return { id: '', children: [] } satisfies TreeResult;
          },
          log: () => {},
        }),
      );
      await fresh;
    } finally {
      await queue.close();
      await again.executor.close();
    }
    assert.deepEqual(seen, [{ id: '', deadline: 2 }], 'the worker ran the new copy only');
  });
});

describe('queue URLs and reachability', () => {
  test('a bad URL is a bad-url error naming the problem', () => {
    for (const [url, why] of [
      ['http://localhost:6379', /scheme is 'http'/],
      ['redis://', /does not parse|names no host/],
      ['redis://h:6379/x', /database number/],
      ['redis://h:6379/0?x=1', /query options/],
      ['', /empty/],
    ] as const) {
      assert.throws(
        () => parseQueueUrl(url),
        (e: unknown) => e instanceof QueueError && e.reason === 'bad-url' && why.test(e.message),
        url,
      );
    }
    assert.throws(
      () => parseQueueUrl('redis://:s3cret@h:0'),
      (e: unknown) =>
        e instanceof QueueError &&
        /redis:\/\/:\*\*\*@h:0/.test(e.message) &&
        !e.message.includes('s3cret'),
      'the password is masked',
    );
    assert.deepEqual(parseQueueUrl('redis://u:p%40ss@[::1]:7000/3'), {
      host: '::1',
      port: 7000,
      db: 3,
      username: 'u',
      password: 'p@ss',
      tls: false,
    });
  });

  test('an unreachable server is an unreachable error with the address', async () => {
    await assert.rejects(
      connectRedis(parseQueueUrl('redis://127.0.0.1:1')),
      (e: unknown) =>
        e instanceof QueueError &&
        e.reason === 'unreachable' &&
        /redis:\/\/127\.0\.0\.1:1\/0: connect ECONNREFUSED/.test(e.message),
    );
  });
});
