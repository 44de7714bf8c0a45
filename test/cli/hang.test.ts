/**
 * Goal: `--time-limit` holds against a task that never reaches a scheduling point, and the
 * hang is a finding that names the task and its last point and replays.
 * Method: a scenario file whose `spinner` busy-waits on `.value` (no scheduling point)
 * after a load, checked through the command line (in-process, so the exploration runs in
 * the CLI's worker) with `--time-limit 2s`; then its printed schedule replayed.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cli, noStack, tempFiles } from './harness.ts';

const BUSY_WAIT = `import { defineScenario } from 'mmu-notifier';

export default defineScenario({
  name: 'busy-wait',
  setup(world) {
    const flag = world.shared(false, 'flag');
    world.spawn('setter', async () => {
      await world.yieldNow();
      await flag.store(true);
    });
    world.spawn('spinner', async () => {
      await flag.load();
      while (!flag.value) {} // no scheduling point: only another thread could stop this
    });
  },
});
`;

// Busy-waits in the pool's threads only (tinypool's \`workerId\` is undefined elsewhere),
// after enough schedules that the exploring thread is still searching when the pool is up.
const BUSY_IN_POOL = `import { defineScenario } from 'mmu-notifier';
import { workerId } from '${import.meta.resolve('tinypool')}';

const pooled = workerId !== undefined;

export default defineScenario({
  name: 'busy-in-pool',
  setup(world) {
    const cell = world.shared(0, 'cell');
    for (let t = 0; t < 4; t++) {
      world.spawn('t' + t, async () => {
        for (let i = 0; i < 4; i++) await cell.store((await cell.load()) + 1);
        while (pooled) {} // no scheduling point, and only on a pool thread
      });
    }
  },
});
`;

// The same search with no busy-wait: more schedules than a few seconds explore.
const LONG = BUSY_IN_POOL.replace('while (pooled) {}', '');

const SPIN_WAIT = `import { defineScenario } from 'mmu-notifier';

export default defineScenario({
  name: 'spin-wait',
  setup(world) {
    const flag = world.shared(false, 'flag');
    world.spawn('spinner', async () => {
      while (!(await flag.load())) await world.yieldNow();
    });
    world.spawn('setter', () => flag.store(true));
  },
});
`;

describe('mmu-notifier check: a task that never yields', () => {
  let dir = '';
  let cleanup = async (): Promise<void> => {};
  before(async () => {
    ({ dir, cleanup } = await tempFiles({
      'busy.ts': BUSY_WAIT,
      'busy-in-pool.ts': BUSY_IN_POOL,
      'spin.ts': SPIN_WAIT,
      'long.ts': LONG,
    }));
  });
  after(() => cleanup());

  it('--time-limit 2s stops it: a hang finding naming the task and its last point', async () => {
    // One worker: the calling thread explores, and its probe names the point.
    const r = await cli(['check', 'busy.ts', '--time-limit', '2s', '--workers', '1'], dir);
    assert.equal(r.code, 1, r.err + r.out);
    assert.match(r.out, /busy-wait \(semantics current\): FINDING \(hang\)/);
    assert.match(
      r.out,
      /hang: task 'spinner' at cell\.load on flag \(its last scheduling point, step \d+\)/,
    );
    assert.match(r.out, /stopped at the time limit \(2000 ms\)/);
    assert.ok(noStack(r.out + r.err));
    const schedule = /schedule: (v\d:\S*)/.exec(r.out)?.[1];
    assert.ok(schedule !== undefined, r.out);
    assert.match(
      r.out,
      /replay: +node \S+mmu-notifier\.js replay \S+\/busy\.ts \S+ --semantics current --time-limit 2000ms\n/,
    );
    const replay = await cli(['replay', 'busy.ts', schedule, '--time-limit', '1s'], dir);
    assert.equal(replay.code, 1, replay.err);
    assert.match(replay.out, /hang: task 'spinner' at cell\.load on flag/);
  });

  it('with worker threads, a hang in the first jobs (run here while the pool starts) is named', async () => {
    const r = await cli(['check', 'busy.ts', '--time-limit', '2s', '--workers', '2'], dir);
    assert.equal(r.code, 1, r.err + r.out);
    assert.match(r.out, /hang: task 'spinner' at cell\.load on flag \(its last scheduling point/);
    assert.ok(noStack(r.out + r.err));
  });

  it('a hang in a pool thread is still a finding, which says how to name the point', async () => {
    const args = ['check', 'busy-in-pool.ts', '--time-limit', '8s', '--workers', '2'];
    const r = await cli(args, dir);
    assert.equal(r.code, 1, r.err + r.out);
    // The exploring thread's own runs ended long before: the hang is not pinned on them.
    assert.match(r.out, /hang: a worker thread stopped answering .* --workers 1 names its task/);
    assert.ok(noStack(r.out + r.err));
  });

  it('with worker threads, a search cut by --time-limit ends there: no hang is made up', async () => {
    // Jobs queued for the pool's threads used to run whole budgets past the limit, while the
    // probe (which sees no pool thread's step) stood still: a hang finding on a healthy run.
    const r = await cli(['check', 'long.ts', '--time-limit', '3s', '--workers', '2'], dir);
    assert.equal(r.code, 0, r.err + r.out);
    assert.match(r.out, /no finding in the schedules explored \(not a proof/);
    assert.match(r.out, /search stopped by timeLimitMs/);
    assert.doesNotMatch(r.out, /hang/);
  });

  it('a spin-wait with a yield is proven fair; --no-fairness calls it a livelock', async () => {
    const fair = await cli(['check', 'spin.ts', '--max-steps', '200'], dir);
    assert.equal(fair.code, 0, fair.err + fair.out);
    assert.match(fair.out, /fairness=true/);
    assert.match(fair.out, /PROVEN/);
    const unfair = await cli(['check', 'spin.ts', '--max-steps', '200', '--no-fairness'], dir);
    assert.equal(unfair.code, 1, unfair.err + unfair.out);
    assert.match(unfair.out, /FINDING \(livelock\)/);
    assert.match(unfair.out, /an unfair schedule/);
  });
});
