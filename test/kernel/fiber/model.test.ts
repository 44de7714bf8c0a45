/**
 * Goal: the kernel model runs unchanged on the real compiled `mm/mmu_notifier.c` of 6.1.192
 * and 6.12.118 (`world.addressSpace({ core: 'real' })`, the check option `core`): a munmap
 * with KVM, ODP and HMM subscribed invalidates every mirror; the OOM reaper's non-blocking
 * pass skips a VMA whose start failed (no end owed, KVM's count back to 0); `get`/`put`
 * share one subscription and free it after a grace period; the young walk answers from
 * KVM under the page-table lock; the secondary-TLB hook reaches the subscriber on both
 * versions (`invalidate_range` on 6.1, `arch_invalidate_secondary_tlbs` on 6.12, which
 * refuses it with start/end); the model's itree-unwind pair is found on real 6.1. Method:
 * `check()` through the package root, with `core: 'real'`. Skipped, visibly and naming the
 * commands, without the fiber builds.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BASE,
  type CheckOptions,
  check,
  Dmirror,
  DmirrorDevice,
  defineScenario,
  EAGAIN,
  findScenario,
  InvalidArgumentError,
  Kvm,
  type MmuNotifier,
  munmap,
  OdpUmem,
  oomReapTaskMmPass,
  PAGE_SIZE,
  RW,
  type Scenario,
  settled,
  stage,
  type World,
} from '../../../src/index.ts';
import { needFiberBuild } from './need-build.ts';

const need = needFiberBuild;

const VERSIONS = [
  ['6.1', 'linux-6.1'],
  ['6.12', 'linux-6.12'],
] as const;

/** Checks `scenario` on the real core of `semantics`: proven, and the engine was real. */
async function proven(scenario: Scenario, semantics: CheckOptions['semantics']): Promise<void> {
  const result = await check(scenario, { semantics, core: 'real', preemptionBound: 1 });
  assert.equal(result.ok, true, result.finding?.message);
  assert.equal(result.stats.complete, true);
}

/** The engine check every scenario here makes in its setup. */
function realEngine(world: World, engine: string, v: string): void {
  if (!engine.startsWith(`real ${v}.`)) throw new Error(`engine ${engine} on ${world.semantics}`);
}

for (const [v, semantics] of VERSIONS) {
  describe(`the kernel model on real ${v}`, () => {
    it('munmap invalidates KVM, ODP and the HMM mirror', need(v), async () => {
      const scenario = defineScenario({
        name: `model-munmap-${v}`,
        setup(world) {
          const { mm, watch } = stage(world);
          realEngine(world, mm.as.engine, v);
          mm.mmap(BASE, PAGE_SIZE, { prot: RW });
          mm.populate(BASE, 7);
          const kvm = watch(
            new Kvm(mm, { memslots: [{ id: 0, baseGfn: 0, npages: 1, userspaceAddr: BASE }] }),
          );
          settled(kvm.register(), 'register');
          kvm.premap(0);
          const odp = watch(new OdpUmem(mm, BASE, PAGE_SIZE));
          settled(odp.insert(), 'insert');
          odp.premap(BASE);
          const dmirror = watch(new Dmirror(mm, new DmirrorDevice()));
          settled(dmirror.open(), 'open');
          world.spawn('munmap', () => munmap(mm, BASE, PAGE_SIZE));
          world.spawn('device-fault', () => dmirror.rangeFault(BASE, BASE + PAGE_SIZE, false));
          world.finally(() => {
            for (const m of [kvm, odp, dmirror])
              if ([...m.mappings()].length !== 0) throw new Error(`${m.name} still maps`);
            if (kvm.inProgress.peek() !== 0) throw new Error('kvm in progress');
          });
        },
      });
      await proven(scenario, semantics);
    });

    it("the reaper's non-blocking pass skips a failed start", need(v), async () => {
      let passes = 0;
      const scenario = defineScenario({
        name: `model-reaper-${v}`,
        setup(world) {
          const { mm, watch } = stage(world);
          mm.mmap(BASE, PAGE_SIZE, { prot: RW });
          mm.populate(BASE, 7);
          const kvm = watch(
            new Kvm(mm, { memslots: [{ id: 0, baseGfn: 0, npages: 1, userspaceAddr: BASE }] }),
          );
          settled(kvm.register(), 'register');
          const odp = watch(new OdpUmem(mm, BASE, PAGE_SIZE));
          settled(odp.insert(), 'insert');
          world.spawn('oom-reaper', async () => {
            // ODP's interval refuses every non-blockable invalidation: the pass fails.
            if (await oomReapTaskMmPass(mm)) throw new Error('the pass reaped');
            passes++;
          });
          world.finally(() => {
            if (kvm.inProgress.peek() !== 0) throw new Error('kvm left in progress');
            if (mm.as.activeInvalidateRanges !== 0) throw new Error('the core left active');
          });
        },
      });
      await proven(scenario, semantics);
      assert.ok(passes > 0);
    });

    it('get/put: one shared subscription, freed after a grace period', need(v), async () => {
      const log: string[] = [];
      const ops = {
        allocNotifier: () => {
          log.push('alloc');
          return { n: 1 };
        },
        freeNotifier: (sub: MmuNotifier<{ n: number }>) => log.push(`free ${sub.data.n}`),
        invalidateRangeStart: () => 0,
      };
      const scenario = defineScenario({
        name: `model-get-put-${v}`,
        setup(world) {
          const as = world.addressSpace();
          world.spawn('driver', async () => {
            const a = await as.get(ops, { name: 'shared' });
            const b = await as.get(ops);
            if (a !== b) throw new Error('two subscriptions for one ops table');
            await as.put(a);
            await as.put(b);
            await as.synchronize();
          });
        },
      });
      const result = await check(scenario, { semantics, core: 'real', maxSchedules: 20 });
      assert.equal(result.ok, true, result.finding?.message);
      assert.deepEqual(log.slice(0, 2), ['alloc', 'free 1']);
    });

    it('young: clear_flush_young under ptl asks KVM', need(v), async () => {
      const answers: boolean[] = [];
      const scenario = defineScenario({
        name: `model-young-${v}`,
        setup(world) {
          const { mm } = stage(world, { monitors: false });
          mm.mmap(BASE, PAGE_SIZE, { prot: RW });
          mm.populate(BASE, 7);
          const kvm = new Kvm(mm, {
            memslots: [{ id: 0, baseGfn: 0, npages: 1, userspaceAddr: BASE }],
          });
          settled(kvm.register(), 'register');
          kvm.premap(0);
          world.spawn('reclaim', async () => {
            await mm.mmapLock.readLock();
            answers.push(mm.ptl.withLock(() => mm.clearFlushYoung(BASE)));
            mm.mmapLock.readUnlock();
            answers.push(await mm.as.testYoung(BASE));
            answers.push(await mm.as.clearYoung(BASE, BASE + PAGE_SIZE));
          });
        },
      });
      const result = await check(scenario, { semantics, core: 'real', maxSchedules: 1 });
      assert.equal(result.ok, true, result.finding?.message);
      assert.equal(answers.length, 3);
      assert.equal(answers[0], true); // the populated page (and KVM's spte) was young
    });

    it('the secondary-TLB hook reaches its subscriber', need(v), async () => {
      const flushed: string[] = [];
      let refused: unknown = null;
      const scenario = defineScenario({
        name: `model-tlb-${v}`,
        setup(world) {
          flushed.length = 0; // each run (a finding is replayed) starts afresh
          refused = null;
          const as = world.addressSpace();
          settled(
            as.register({
              archInvalidateSecondaryTlbs: (_s, _mm, start, end) =>
                flushed.push(`${start.toString(16)}-${end.toString(16)}`),
            }),
            'register',
          );
          world.spawn('flush', async () => {
            await as.archInvalidateSecondaryTlbs(BASE, BASE + PAGE_SIZE);
            try {
              await as.get({
                archInvalidateSecondaryTlbs: () => {},
                invalidateRangeStart: () => 0,
              });
            } catch (error) {
              refused = error;
            }
          });
        },
      });
      const result = await check(scenario, {
        semantics,
        core: 'real',
        maxSchedules: 1,
        minimize: false,
      });
      assert.deepEqual(flushed, ['100000-101000']);
      // 6.12.118 refuses the hook with start/end: its WARN_ON is the finding, then -EINVAL;
      // 6.1.192's `invalidate_range` with start/end is fine.
      if (v === '6.12') {
        assert.equal(result.ok, false);
        assert.match(
          result.finding!.message,
          /kernel-warn: WARN_ON\(.*arch_invalidate_secondary_tlbs/,
        );
        assert.ok(refused instanceof InvalidArgumentError, String(refused));
      } else {
        assert.equal(result.ok, true, result.finding?.message);
        assert.equal(refused, null);
      }
    });
  });
}

it(
  'the model itree-unwind pair is found on real 6.1 (no end for the interval part)',
  need('6.1'),
  async () => {
    const entry = findScenario('itree-nonblock-unwind-buggy');
    assert.ok(entry !== undefined);
    const result = await check(entry.scenario, { ...entry.defaults, core: 'real' });
    assert.equal(result.ok, false);
    assert.match(result.finding!.message, /1 active invalidation\(s\)/);
    assert.equal(EAGAIN, -11);
  },
);

it(
  'core real under a semantics no Debian version runs is a typed error',
  need('6.12'),
  async () => {
    const entry = findScenario('everyday-munmap')!;
    await assert.rejects(
      check(entry.scenario, { semantics: 'current', core: 'real' }),
      (e: unknown) => e instanceof Error && /linux-6\.1, linux-6\.12 or kernel/.test(e.message),
    );
  },
);
