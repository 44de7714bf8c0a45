/**
 * The distributed engine on its own, with a synthetic job type: a job is a node of a tree
 * (a string of 'a'/'b'), its result names its children, and two different parents name one
 * child (a duplicate the coordinator must drop). Checks: every node is run once and merged
 * once; a coordinator stopped mid-run and started again with the same run id finishes the
 * run with the same totals; a duplicate result changes nothing; a run id that checks
 * something else is refused; bad URLs and an unreachable server are typed errors.
 * Needs `redis-server` (skipped visibly without it).
 */

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Redis } from 'ioredis';
import { QueueError } from '../../src/errors.ts';
import { connectRedis } from '../../src/queue/connection.ts';
import { coordinate } from '../../src/queue/coordinator.ts';
import type { QueueJobs } from '../../src/queue/jobs.ts';
import type { RunMeta } from '../../src/queue/layout.ts';
import { RunStore } from '../../src/queue/run-store.ts';
import { parseQueueUrl } from '../../src/queue/url.ts';
import { type QueueWorker, startQueueWorker } from '../../src/queue/worker.ts';
import { type RedisUnderTest, skipWithoutRedis, startRedis } from './redis-server.ts';

interface TreeJob {
  readonly path: string;
}
interface TreeResult {
  readonly path: string;
  readonly children: readonly TreeJob[];
}

const DEPTH = 6;

/** Node `path`'s children; 'ab…' and 'ba…' at depth 2 both name 'ab' + rest (duplicates). */
function childrenOf(path: string): TreeJob[] {
  if (path.length >= DEPTH) return [];
  const norm = (p: string): string => (p.startsWith('ba') ? `ab${p.slice(2)}` : p);
  return [{ path: norm(`${path}a`) }, { path: norm(`${path}b`) }];
}

const treeJobs: QueueJobs<TreeJob, TreeResult> = {
  roots: () => [{ path: '' }],
  key: (job) => `n${job.path}`,
  children: (result) => result.children,
  counters: (result) => ({ nodes: 1, leaves: result.children.length === 0 ? 1 : 0 }),
};

/** Distinct nodes of the tree (what a run must merge). */
function distinctNodes(): Set<string> {
  const seen = new Set<string>();
  const walk = (p: string): void => {
    if (seen.has(p)) return;
    seen.add(p);
    for (const c of childrenOf(p)) walk(c.path);
  };
  walk('');
  return seen;
}

const META: RunMeta = { layout: 1, version: 'test', scenario: 'tree', name: 'tree', options: {} };

describe('distributed engine (synthetic jobs)', { skip: skipWithoutRedis() }, () => {
  let server: RedisUnderTest;
  let redis: Redis;
  const workers: QueueWorker[] = [];
  const runs: string[] = [];

  before(async () => {
    server = await startRedis();
    redis = await connectRedis(parseQueueUrl(server.url));
    const address = parseQueueUrl(server.url);
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
              runs.push((job as TreeJob).path);
              const { path } = job as TreeJob;
              return { path, children: childrenOf(path) } satisfies TreeResult;
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

  test('every node is run and merged once; duplicates are dropped', async () => {
    runs.length = 0;
    const store = new RunStore(redis, 'tree1');
    await store.open(META, 0);
    const end = await coordinate({ address: parseQueueUrl(server.url), store, jobs: treeJobs });
    const nodes = distinctNodes();
    assert.equal(end.results.size, nodes.size);
    assert.deepEqual(new Set([...end.results.values()].map((r) => r.path)), nodes);
    assert.equal(end.stats['nodes'], nodes.size);
    assert.equal(end.stats['jobs'], nodes.size);
    assert.ok((end.stats['duplicates'] ?? 0) > 0, 'the tree names some nodes twice');
    assert.equal(new Set(runs).size, runs.length, 'no node ran twice');
  });

  test('a coordinator stopped mid-run is resumed by the same run id', async () => {
    const address = parseQueueUrl(server.url);
    const store = new RunStore(redis, 'tree2');
    await store.open(META, 0);
    let stopAt = 5;
    const stopping: QueueJobs<TreeJob, TreeResult> = {
      ...treeJobs,
      children: (result) => {
        if (--stopAt === 0) throw new Error('coordinator killed');
        return result.children;
      },
    };
    await assert.rejects(coordinate({ address, store, jobs: stopping }), /coordinator killed/);
    const merged = (await store.mergedKeys()).size;
    assert.ok(merged > 0 && merged < distinctNodes().size, `stopped mid-run (${merged} merged)`);
    const again = new RunStore(redis, 'tree2');
    const opened = await again.open(META, 1);
    assert.equal(opened.created, false);
    const end = await coordinate({ address, store: again, jobs: treeJobs });
    assert.equal(end.results.size, distinctNodes().size);
    assert.equal(end.stats['nodes'], distinctNodes().size, 'each result counted once');
  });

  test('a duplicate result changes nothing', async () => {
    const store = new RunStore(redis, 'tree1');
    const before = await store.stats();
    assert.equal(await store.merge('n', '{"path":"","children":[]}', { nodes: 1 }), false);
    assert.deepEqual(await store.stats(), before);
  });

  test('a run id that checks something else is refused', async () => {
    const store = new RunStore(redis, 'tree1');
    await assert.rejects(
      store.open({ ...META, options: { maxSteps: 5 } }, 0),
      (e: unknown) => e instanceof QueueError && e.reason === 'run-mismatch',
    );
  });

  test('a scenario a worker cannot load stops the run with a worker-load error', async () => {
    const store = new RunStore(redis, 'tree3');
    await store.open({ ...META, scenario: 'no-such-tree' }, 0);
    await assert.rejects(
      coordinate({ address: parseQueueUrl(server.url), store, jobs: treeJobs }),
      (e: unknown) =>
        e instanceof QueueError &&
        e.reason === 'worker-load' &&
        /cannot load the scenario 'no-such-tree'.*no such tree/.test(e.message),
    );
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
