/**
 * Goal: the lock validator reports what the kernel's lockdep reports, with chains a developer
 * can replay, on schedules that do not deadlock; it stays quiet on consistent orders, and
 * `lockdep: false` turns it off.
 * Method: small scenarios that trigger one report each, the library's lockdep pairs and the
 * amdkfd pair through `check()`; each finding is replayed from its printed schedule (and
 * with lockdep off, to show the schedule itself does not deadlock).
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { check } from '../../src/check/check.ts';
import { decodeSchedule, encodeSchedule } from '../../src/check/schedule.ts';
import type { CheckResult } from '../../src/check/types.ts';
import { defineScenario, type Scenario, type World } from '../../src/check/world.ts';
import { mightAlloc } from '../../src/core/lockdep-maps.ts';
import { getUserPage, handleMmFault } from '../../src/model/mm-fault.ts';
import { munmap } from '../../src/model/mm-ops.ts';
import { PAGE_SIZE } from '../../src/model/page-alloc.ts';
import { BASE, RW, stage } from '../../src/scenarios/fixture.ts';
import { findScenario } from '../../src/scenarios/index.ts';
import { abba } from './fixtures.ts';

const START_MAP = '__mmu_notifier_invalidate_range_start_map';

function library(name: string): Scenario {
  const entry = findScenario(name);
  assert.ok(entry, name);
  return entry.scenario;
}

function one(name: string, body: (world: World) => void): Scenario {
  return defineScenario({ name, setup: body });
}

/** Replays the finding's schedule with lockdep off: the run must end without a deadlock. */
async function assertNoDeadlockOn(scenario: Scenario, result: CheckResult): Promise<void> {
  const choices = decodeSchedule(result.finding!.schedule).choices;
  const schedule = encodeSchedule({ choices, seed: 0 });
  const plain = await check(scenario, { strategy: 'replay', schedule, lockdep: false });
  assert.notEqual(plain.finding?.kind, 'deadlock', plain.finding?.message);
}

describe('lock-order cycles', () => {
  it('AB/BA: reported as a cycle on the first (sequential) schedule, with both chains', async () => {
    const result = await check(abba(false));
    const f = result.finding;
    assert.equal(f?.kind, 'lock-order');
    assert.equal(f.lockdep?.kind, 'circular');
    assert.deepEqual([...new Set(f.lockdep.cycle)].sort(), ['A', 'B']);
    const [closing, existing] = f.lockdep.chains;
    assert.equal(closing?.length, 1);
    assert.equal(existing?.length, 1);
    assert.notEqual(closing![0]!.task, existing![0]!.task);
    assert.equal(f.preemptions, 0);
    await assertNoDeadlockOn(abba(false), result);
    const off = await check(abba(false), { lockdep: false });
    assert.equal(off.finding?.kind, 'deadlock');
  });

  it('a consistent order stays proven', async () => {
    const result = await check(abba(true));
    assert.equal(result.ok, true, result.finding?.message);
    assert.equal(result.stats.complete, true);
  });

  it('a cycle across two runs names the other run as a prior and replays', async () => {
    const scenario = library('lockdep-read-begin-under-lock-buggy');
    const result = await check(scenario);
    const f = result.finding!;
    assert.equal(f.kind, 'lock-order');
    assert.match(f.schedule, /;prior=/);
    const [closing, existing] = f.lockdep!.chains;
    assert.equal(closing![0]!.task, 'fault');
    assert.equal(closing![0]!.held.lockClass, 'drv.lock');
    assert.equal(closing![0]!.acquired.lockClass, START_MAP);
    assert.equal(closing![0]!.schedule, f.schedule);
    assert.equal(existing![0]!.task, 'munmap');
    assert.equal(existing![0]!.held.lockClass, START_MAP);
    assert.notEqual(existing![0]!.schedule, f.schedule);
    assert.match(existing![0]!.acquired.site, /src[\\/]scenarios[\\/]lockdep\.ts:\d+$/);
    const again = await check(scenario, { strategy: 'replay', schedule: f.schedule });
    assert.equal(again.finding?.message, f.message);
    assert.equal(again.finding?.schedule, f.schedule);
    await assertNoDeadlockOn(scenario, result);
    const off = await check(scenario, { lockdep: false });
    assert.equal(off.ok, true, 'no schedule deadlocks: only lockdep sees it');
  });

  it('explicit lock classes: two instances of one class close a cycle', async () => {
    const scenario = one('classes', (world) => {
      const a1 = world.mutex('a1', { lockClass: 'A' });
      const a2 = world.mutex('a2', { lockClass: 'A' });
      const b = world.mutex('b');
      world.spawn('t1', async () => {
        await a1.lock();
        await b.lock();
        b.unlock();
        a1.unlock();
      });
      world.spawn('t2', async () => {
        await b.lock();
        await a2.lock();
        a2.unlock();
        b.unlock();
      });
    });
    const result = await check(scenario);
    assert.equal(result.finding?.kind, 'lock-order');
    assert.deepEqual([...new Set(result.finding.lockdep?.cycle)].sort(), ['A', 'b']);
  });
});

describe('the pseudo-locks of the notifier', () => {
  it('allocating under the notifier lock: drv.lock -> start map -> drv.lock, no deadlock', async () => {
    const scenario = library('lockdep-alloc-under-notifier-lock-buggy');
    const result = await check(scenario);
    assert.equal(result.finding?.kind, 'lock-order');
    const cycle = result.finding.lockdep!.cycle;
    assert.ok(cycle.includes('drv.lock') && cycle.includes(START_MAP), cycle.join(' -> '));
    await assertNoDeadlockOn(scenario, result);
    const fixed = await check(library('lockdep-alloc-under-notifier-lock-fixed'));
    assert.equal(fixed.ok, true, fixed.finding?.message);
    assert.equal(fixed.stats.complete, true);
  });

  it('amdkfd mmput in the callback: reported on a schedule where the exit has not run', async () => {
    const scenario = library('amdkfd-mmput-in-callback-buggy');
    const result = await check(scenario);
    const f = result.finding!;
    assert.equal(f.kind, 'lock-order');
    assert.equal(f.lockdep?.kind, 'recursive');
    assert.equal(f.lockdep.lock?.lockClass, START_MAP);
    assert.ok(f.lockdep.held.some((h) => h.lockClass === 'kfd.prange_lock'));
    assert.ok(!f.trace.some((e) => e.task === 'exit' && e.type === 'point'), 'exit never ran');
    await assertNoDeadlockOn(scenario, result);
    const fixed = await check(library('amdkfd-mmput-in-callback-fixed'));
    assert.equal(fixed.ok, true, fixed.finding?.message);
  });

  it('get_user_pages under the notifier lock: drv.lock -> mmap_lock -> drv.lock', async () => {
    const scenario = one('gup-under-lock', (world) => {
      const { mm } = stage(world, { monitors: false });
      mm.mmap(BASE, PAGE_SIZE, { prot: RW });
      const lock = world.mutex('drv.lock');
      mm.as.insertInterval(BASE, PAGE_SIZE, {
        async invalidate(sub, range, curSeq) {
          if (!range.blockable) return false;
          await lock.lock();
          sub.setSeq(curSeq);
          lock.unlock();
          return true;
        },
      });
      world.spawn('fault', async () => {
        await lock.lock();
        const pfn = await getUserPage(mm, BASE, true); // the bug: may reclaim, lock held
        if (pfn > 0) mm.alloc.put(pfn);
        lock.unlock();
      });
      world.spawn('munmap', () => munmap(mm, BASE, PAGE_SIZE));
    });
    const result = await check(scenario);
    assert.equal(result.finding?.kind, 'lock-order', result.finding?.message);
    assert.ok(result.finding.lockdep?.cycle.includes('drv.lock'));
    assert.ok(result.finding.lockdep?.cycle.includes('mm.mmap_lock'));
  });

  it("the model's anonymous fault allocates (might_alloc): not inside a spin lock", async () => {
    const scenario = one('fault-in-spin', (world) => {
      const { mm } = stage(world, { monitors: false });
      mm.mmap(BASE, PAGE_SIZE, { prot: RW });
      const spin = world.spinLock('s');
      world.spawn('fault', async () => {
        await mm.mmapLock.readLock();
        spin.lock();
        const fault = handleMmFault(mm, BASE, true); // rejects at once: might_alloc sleeps
        spin.unlock();
        mm.mmapLock.readUnlock();
        await fault;
      });
    });
    const result = await check(scenario);
    assert.equal(result.finding?.kind, 'exception');
    assert.match(result.finding.message, /SleepInAtomicError: allocation \(GFP_KERNEL\)/);
  });

  it('mightAlloc inside a spin lock is a sleep in atomic context', async () => {
    const scenario = one('alloc-in-spin', (world) => {
      const spin = world.spinLock('s');
      world.spawn('t', () => {
        spin.lock();
        try {
          mightAlloc(world.scheduler);
        } finally {
          spin.unlock();
        }
      });
    });
    const result = await check(scenario);
    assert.equal(result.finding?.kind, 'exception');
    assert.match(result.finding.message, /SleepInAtomicError/);
  });
});

describe('the other reports', () => {
  it('recursive locking: down_read twice (a queued writer would deadlock it)', async () => {
    const scenario = one('read-twice', (world) => {
      const sem = world.rwsem('sem');
      world.spawn('t', async () => {
        await sem.readLock();
        await sem.readLock();
        sem.readUnlock();
        sem.readUnlock();
      });
    });
    const result = await check(scenario);
    assert.equal(result.finding?.kind, 'lock-order');
    assert.equal(result.finding.lockdep?.kind, 'recursive');
    assert.match(result.finding.message, /possible recursive locking: 't' acquires sem/);
  });

  it('recursive locking of a mutex: reported before the task hangs on itself', async () => {
    const scenario = one('lock-twice', (world) => {
      const m = world.mutex('m');
      world.spawn('t', async () => {
        await m.lock();
        await m.lock();
      });
    });
    const result = await check(scenario);
    assert.equal(result.finding?.lockdep?.kind, 'recursive');
    assert.match(result.finding.message, /'t' acquires m \[mutex\.lock, step 1.*while holding m/);
    const off = await check(scenario, { lockdep: false });
    assert.equal(off.finding?.kind, 'deadlock');
  });

  it('a task that ends holding a lock', async () => {
    const scenario = one('leak', (world) => {
      const m = world.mutex('m');
      world.spawn('t', () => m.lock());
    });
    const result = await check(scenario);
    assert.equal(result.finding?.kind, 'lockdep');
    assert.equal(result.finding.lockdep?.kind, 'held-at-exit');
    assert.match(result.finding.message, /task 't' ended holding m/);
    assert.equal((await check(scenario, { lockdep: false })).ok, true);
  });

  it('a driver whose collision path keeps its lock: held at exit, found only by lockdep', async () => {
    const scenario = library('lockdep-leak-on-collision-buggy');
    const result = await check(scenario);
    assert.equal(result.finding?.lockdep?.kind, 'held-at-exit');
    assert.equal(result.finding.lockdep.held[0]?.lockClass, 'drv.lock');
    assert.equal((await check(scenario, { lockdep: false })).ok, true);
    assert.equal((await check(library('lockdep-leak-on-collision-fixed'))).ok, true);
  });

  it('an unlock by a task that does not hold the lock', async () => {
    const scenario = one('foreign-unlock', (world) => {
      const m = world.mutex('m');
      const wq = world.waitQueue('wq');
      let locked = false;
      let freed = false;
      world.spawn('owner', async () => {
        await m.lock();
        locked = true;
        wq.wakeUpAll();
        await wq.wait(() => freed);
      });
      world.spawn('other', async () => {
        await wq.wait(() => locked);
        m.unlock();
        freed = true;
        wq.wakeUpAll();
      });
    });
    const result = await check(scenario);
    assert.equal(result.finding?.kind, 'lockdep');
    assert.match(result.finding.message, /bad-unlock: 'other' releases m/);
  });

  it('a wait whose condition holds is still a sleep inside a spin lock (might_sleep)', async () => {
    const scenario = one('wait-in-spin', (world) => {
      const spin = world.spinLock('s');
      const wq = world.waitQueue('wq');
      world.spawn('t', async () => {
        spin.lock();
        const waited = wq.wait(() => true); // rejects at once: might_sleep() in atomic context
        spin.unlock();
        await waited;
      });
    });
    const result = await check(scenario);
    assert.equal(result.finding?.kind, 'exception');
    assert.match(result.finding.message, /SleepInAtomicError: wq\.wait on wq \(might sleep\)/);
  });
});

describe('schedules with priors', () => {
  it('encode and decode round-trip', () => {
    const schedule = { choices: [0, 1], seed: 7, priors: [[1, 0, 0], [0]] };
    const text = encodeSchedule(schedule);
    assert.equal(text, 'v1:0.1;seed=7;prior=1.0.0;prior=0');
    assert.deepEqual(decodeSchedule(text), schedule);
    assert.deepEqual(decodeSchedule('v1:0.1'), { choices: [0, 1], seed: 0 });
    assert.throws(() => decodeSchedule('v1:0;prior=x'), /'x' is not a task index/);
  });

  it('option lockdep must be a boolean', async () => {
    await assert.rejects(
      check(abba(false), { lockdep: 'no' as unknown as boolean }),
      /option 'lockdep' must be a boolean/,
    );
  });
});
