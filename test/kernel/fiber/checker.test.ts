/**
 * Goal: the checker explores interleavings of the real compiled `mm/mmu_notifier.c`
 * (`world.realCore`, the fiber build): the itree-unwind pair is found on real 6.1.192 (a
 * deadlock naming the device fault's `read_begin` in the kernel's `wait_event`) and proven
 * on real 6.12.118 (a complete search, every schedule clean); the races inside the core
 * (two invalidators, an interval inserted and removed, a reader) end clean on both versions
 * at preemption bound 1 (the finally checks the core idle, the deferred list drained and the
 * collision-retry guarantee); one scenario runs on either engine (the `core` option, CLI
 * `--core`); the scenarios are reachable by name
 * (`findScenario`, so `mmu-notifier check real-itree-unwind-buggy`); a wait in `setup` is a
 * setup error, not a hang. Method: `check()` through the package root. Skipped, visibly and
 * naming the commands, without the fiber builds.
 */

import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  check,
  defineScenario,
  EAGAIN,
  findScenario,
  InvalidArgumentError,
  ScenarioSetupError,
} from '../../../src/index.ts';
import { fiberBuilds, needFiberBuild } from './need-build.ts';

const need = needFiberBuild;

it(
  'real-itree-unwind-buggy: real 6.1.192 deadlocks the device fault in read_begin',
  need('6.1'),
  async () => {
    const entry = findScenario('real-itree-unwind-buggy');
    assert.ok(entry !== undefined);
    assert.equal(entry.expect, 'finding');
    const result = await check(entry.scenario, entry.defaults);
    assert.equal(result.ok, false);
    assert.equal(result.finding?.kind, 'deadlock');
    assert.match(
      result.finding!.message,
      /'device-fault' waits at wq\.wait on mm1\.subscriptions\.wq/,
    );
    // The trace shows the reaper's non-blockable start inside the real code: the list part
    // in non_block_start/end (the interval's callback runs within the C code's step, in a
    // non-blockable section); the reaper then ends (no end). Footprints are not events.
    const ops = result.finding!.trace.map((e) => `${e.task}:${e.op}`);
    assert.ok(!ops.some((op) => /kernel\.(load|store)/.test(op)), ops.join(' '));
    for (const op of ['non_block_start', 'non_block_end', 'exit'])
      assert.ok(ops.includes(`oom-reaper:${op}`), ops.join(' '));
  },
);

it('real-itree-unwind-fixed: every schedule on real 6.12.118 completes', need('6.12'), async () => {
  const entry = findScenario('real-itree-unwind-fixed');
  assert.ok(entry !== undefined);
  assert.equal(entry.expect, 'clean');
  const result = await check(entry.scenario, entry.defaults);
  assert.equal(result.ok, true, result.finding?.message);
  assert.equal(result.stats.complete, true);
  // The C code's own accesses drive the reduction (the instrumented build): far fewer than the
  // coarse rule's 1,000+ schedules, yet more than one order.
  assert.ok(result.stats.schedules >= 100, `${result.stats.schedules} schedules`);
});

for (const v of ['6.1', '6.12']) {
  it(`real-core-races-${v}: clean, complete at preemption bound 1`, need(v), async () => {
    const entry = findScenario(`real-core-races-${v}`);
    assert.ok(entry !== undefined);
    const result = await check(entry.scenario, entry.defaults);
    assert.equal(result.ok, true, result.finding?.message);
    assert.equal(result.stats.complete, true);
    assert.equal(result.stats.schedules, 1387); // a non-blockable interval callback is no point
  });
}

it('the engine choice: core-races on the TypeScript core and on each real core', async () => {
  const entry = findScenario('core-races');
  assert.ok(entry !== undefined);
  const ts = await check(entry.scenario, { semantics: 'linux-6.1', preemptionBound: 1 });
  assert.equal(ts.ok, true, ts.finding?.message);
  assert.equal(ts.options['core'], 'typescript');
  assert.equal(ts.stats.schedules, 60, 'the TypeScript core has fewer points');
  for (const v of fiberBuilds) {
    const real = await check(entry.scenario, {
      semantics: v === '6.1' ? 'linux-6.1' : 'linux-6.12',
      core: 'real',
      preemptionBound: 1,
    });
    assert.equal(real.ok, true, real.finding?.message);
    assert.equal(real.options['core'], 'real');
    assert.equal(real.stats.schedules, 1387, 'every shim point of the C code is a point');
  }
  await assert.rejects(
    check(entry.scenario, { core: 'real' }),
    (e: unknown) =>
      e instanceof ScenarioSetupError && /core 'real' needs semantics linux-6.1/.test(e.message),
  );
  await assert.rejects(
    check(entry.scenario, { core: 'wasm' as 'real' }),
    (e: unknown) => e instanceof InvalidArgumentError && /option 'core'/.test(e.message),
  );
});

it(
  'a wait in setup on the real core is a ScenarioSetupError, not a hang',
  need('6.1'),
  async () => {
    const scenario = defineScenario({
      name: 'real-setup-wait',
      async setup(world) {
        const mm = world.realCore('6.1');
        await mm.register({ invalidateRangeStart: (_s, r) => (r.blockable ? 0 : EAGAIN) });
        const iv = await mm.insertInterval(0, 0x1000, {
          invalidate: (sub, _r, seq) => {
            sub.setSeq(seq);
            return true;
          },
        });
        await mm.invalidateRangeStartNonblock({
          start: 0,
          end: 0x1000,
          event: 'unmap',
          blockable: false,
        });
        await iv.readBegin(); // 6.1.192 left the interval part open: this would sleep forever
        world.spawn('never', () => undefined);
      },
    });
    await assert.rejects(check(scenario), (e: unknown) => {
      assert.ok(e instanceof ScenarioSetupError, String(e));
      assert.match((e as Error).message, /wq\.wait .*would sleep with no task running/);
      return true;
    });
  },
);

// The C code's lock_map_acquire (the header's range_start wrappers, read_begin) reaches the
// validator, and an interval callback of a non-blockable range runs in a non-blockable
// section: the library's lockdep and sleep-in-nonblock pairs agree with the TypeScript core.
for (const v of ['6.1', '6.12']) {
  const semantics = v === '6.1' ? 'linux-6.1' : 'linux-6.12';
  for (const [name, kind] of [
    ['lockdep-alloc-under-notifier-lock', 'lock-order'],
    ['lockdep-read-begin-under-lock', 'lock-order'],
    ['ba170f76b69d', 'exception'],
  ] as const) {
    it(`${name}: found buggy, proven fixed on real ${v}`, need(v), async () => {
      const buggy = findScenario(`${name}-buggy`)!;
      const fixed = findScenario(`${name}-fixed`)!;
      const found = await check(buggy.scenario, { ...buggy.defaults, semantics, core: 'real' });
      assert.equal(found.finding?.kind, kind, found.finding?.message);
      const clean = await check(fixed.scenario, { ...fixed.defaults, semantics, core: 'real' });
      assert.equal(clean.ok, true, clean.finding?.message);
      assert.equal(clean.stats.complete, true);
    });
  }
}

// An interval's callback may run before its insert returns (the insert parked at its
// spin_unlock, the interval already linked): the model's handle is live from then on.
for (const v of ['6.1', '6.12']) {
  it(
    `everyday-interval-insert: proven on real ${v} (invalidate before insert returns)`,
    need(v),
    async () => {
      const entry = findScenario('everyday-interval-insert')!;
      const semantics = v === '6.1' ? 'linux-6.1' : 'linux-6.12';
      const result = await check(entry.scenario, { ...entry.defaults, semantics, core: 'real' });
      assert.equal(result.ok, true, result.finding?.message);
      assert.equal(result.stats.complete, true);
    },
  );
}
