/**
 * Goal: random and PCT split their seed into chunks deterministically (the same finding for
 * any number of workers; chunk 0 repeats the one-thread check's runs), and the CLI's
 * `--workers` runs the search on threads that load a scenario file as the CLI does.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { check } from '../../../src/check/check.ts';
import { SEED_CHUNK } from '../../../src/check/parallel/coordinator.ts';
import { JobPool } from '../../../src/check/parallel/pool.ts';
import { defaultWorkers, parseWorkers } from '../../../src/cli/options.ts';
import { InvalidArgumentError } from '../../../src/errors.ts';
import { findScenario } from '../../../src/scenarios/index.ts';
import { cli, LOCKED_UPDATE, LOST_UPDATE, tempFiles } from '../../cli/harness.ts';

after(() => JobPool.closeShared());

describe('random and PCT with workers', () => {
  const buggy = findScenario('d34883d4e35c-buggy')!.scenario;
  for (const strategy of ['random', 'pct'] as const) {
    it(`${strategy}: the same first finding for 1, 2 and 3 workers, over seeds`, async () => {
      for (const seed of [1, 2, 3]) {
        const options = { strategy, seed, maxSchedules: 3 * SEED_CHUNK };
        const one = await check(buggy, { ...options, workers: 1 });
        for (const workers of [2, 3]) {
          const many = await check(buggy, { ...options, workers });
          assert.equal(many.ok, one.ok, `seed ${seed}, ${workers} workers`);
          assert.equal(many.finding?.schedule, one.finding?.schedule, `seed ${seed}`);
        }
        // Chunk 0 runs the seed itself: what the one-thread check finds in it, so do workers.
        const plain = await check(buggy, { ...options, maxSchedules: SEED_CHUNK });
        assert.ok(plain.finding !== undefined, `seed ${seed}: the one-thread check finds it`);
        assert.equal(one.finding?.schedule, plain.finding.schedule, `seed ${seed}: chunk 0`);
      }
    });
  }

  it('a clean scenario runs its whole budget, and no more', async () => {
    const clean = findScenario('everyday-oom-reap')!.scenario;
    const r = await check(clean, { strategy: 'random', maxSchedules: 600, workers: 2 });
    assert.equal(r.ok, true);
    assert.equal(r.stats.schedules, 600);
    assert.equal(r.stats.stoppedBy, 'maxSchedules');
    // The same runs on one thread: the chunks' seeds do not depend on the workers.
    const one = await check(clean, { strategy: 'random', maxSchedules: 600, workers: 1 });
    assert.equal(one.stats.steps, r.stats.steps);
  });

  it('refuses a scenario other threads cannot load, naming the fix', async () => {
    const copy = { ...findScenario('everyday-oom-reap')!.scenario };
    await assert.rejects(
      check(copy, { workers: 2 }),
      (e: unknown) => e instanceof InvalidArgumentError && /option 'source'/.test(e.message),
    );
    // One worker runs on the calling thread: no reference needed.
    assert.equal((await check(copy, { workers: 1 })).ok, true);
  });
});

describe('--workers', () => {
  let dir = '';
  let cleanup: () => Promise<void> = async () => {};
  before(async () => {
    ({ dir, cleanup } = await tempFiles({ 'lost.ts': LOST_UPDATE, 'locked.ts': LOCKED_UPDATE }));
  });
  after(() => cleanup());

  it('parses 1 to 64; defaults to the cores', () => {
    assert.equal(parseWorkers('3'), 3);
    assert.throws(() => parseWorkers('0'), /the number of workers must be between 1 and 64/);
    assert.throws(() => parseWorkers('two'), /integer/);
    assert.ok(defaultWorkers() >= 1 && defaultWorkers() <= 64);
  });

  it('a scenario file: the same result with 1 and 2 workers (threads load the file)', async () => {
    for (const file of ['lost.ts', 'locked.ts']) {
      const runs = [];
      for (const workers of ['1', '2']) {
        const r = await cli(['check', file, '--json', '--workers', workers], dir);
        const json = JSON.parse(r.out) as Record<string, Record<string, unknown>>;
        assert.equal(json['options']!['workers'], Number(workers), r.err);
        runs.push({
          code: r.code,
          ok: json['ok'],
          schedule: json['finding']?.['schedule'],
          digest: json['stats']!['scheduleDigest'],
        });
      }
      assert.deepEqual(runs[1], runs[0], file);
      assert.equal(runs[0]!.code, file === 'lost.ts' ? 1 : 0);
    }
  });

  it('rejects a bad count with a usage error', async () => {
    const r = await cli(['check', 'everyday-oom-reap', '--workers', '0']);
    assert.equal(r.code, 2);
    assert.match(r.err, /the number of workers must be between 1 and 64/);
  });
});
