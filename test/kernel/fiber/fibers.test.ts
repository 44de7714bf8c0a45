/**
 * Goal: the fiber mechanism (src/kernel/fiber/) parks calls of the real, asyncified
 * `mm/mmu_notifier.c` at every kind of shim point and resumes them in any order, each on its
 * own C stack, with the kernel's results. Method: a hand-driven controlled scheduler
 * (harness.ts); two and three tasks parked at one kind of point and resumed in every order;
 * every schedule of two tasks explored exhaustively; a callback that calls back into the
 * core while its fiber is parked; a task that ends while others are parked; 10^5 parking
 * calls with the module's memory flat. Per built fiber module (6.1.192, 6.12.118); skipped
 * visibly, naming the commands, when none is built.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  availableKernelModules,
  EventLoopScheduler,
  SleepInAtomicError,
  StateError,
} from '../../../src/index.ts';
import { FiberKernelCore } from '../../../src/kernel/fiber/fiber-core.ts';
import { fixture, ManualScheduler, range } from './harness.ts';

const built = availableKernelModules().filter((m) => m.fiberPath !== undefined);
if (built.length === 0) {
  it('fiber builds of the real kernel', (t) => {
    t.skip('no fiber build: apt-get install binaryen clang lld linux-source-6.12; npm run kernel');
  });
}

/** An `invalidate` that records the new seq and serves the range. */
function setSeqAndServe(sub: { setSeq(seq: number): void }, _r: unknown, seq: number): boolean {
  sub.setSeq(seq);
  return true;
}

/** Every order of `xs`. */
function permutations<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [xs.slice()];
  return xs.flatMap((x, i) =>
    permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]),
  );
}

/** What must hold when every task ended: nothing held, nothing in flight, no fiber alive. */
function quiescent(mm: FiberKernelCore): void {
  assert.equal(mm.dead, null);
  assert.deepEqual(mm.held, { locks: 0, srcuReaders: 0 });
  assert.equal(mm.activeInvalidateRanges, 0);
  assert.equal(mm.invalidateSeq % 2, 0, 'invalidate_seq is even when no invalidation runs');
  assert.equal(mm.fibers.alive, 0);
  assert.equal(mm.fibers.freeSlots, mm.fibers.slots);
}

for (const { series, version } of built) {
  describe(`fibers on the real ${version}`, () => {
    // Tasks that reach each kind of point: [kind, the task, how many copies may park there].
    const invalidate = async (mm: FiberKernelCore, at: number): Promise<void> => {
      const r = range(at, at + 0x1000);
      await mm.invalidateRangeStart(r);
      await mm.invalidateRangeEnd(r);
    };
    const nonblock = async (mm: FiberKernelCore, at: number): Promise<void> => {
      const r = range(at, at + 0x1000, false);
      if ((await mm.invalidateRangeStartNonblock(r)) === 0) await mm.invalidateRangeEnd(r);
    };
    const cases: [string, (mm: FiberKernelCore, i: number) => Promise<unknown>][] = [
      ['spin.lock', (mm, i) => invalidate(mm, i * 0x1000)],
      ['spin.unlock', (mm, i) => invalidate(mm, i * 0x1000)],
      ['srcu.read_lock', (mm, i) => invalidate(mm, i * 0x1000)],
      ['srcu.read_unlock', (mm, i) => invalidate(mm, i * 0x1000)],
      ['might_sleep', (mm, i) => invalidate(mm, i * 0x1000)],
      ['wq.wake', (mm, i) => invalidate(mm, i * 0x1000)],
      ['callback.start', (mm, i) => invalidate(mm, i * 0x1000)],
      ['callback.end', (mm, i) => invalidate(mm, i * 0x1000)],
      ['callback.invalidate', (mm, i) => invalidate(mm, i * 0x1000)],
      // Outside the interval: a non-blockable invalidate fails the itree part first.
      ['non_block_start', (mm, i) => nonblock(mm, 0x100000 + i * 0x1000)],
      ['non_block_end', (mm, i) => nonblock(mm, 0x100000 + i * 0x1000)],
      ['srcu.synchronize', (mm) => mm.synchronize()],
    ];

    for (const [kind, body] of cases) {
      for (const n of [2, 3]) {
        it(`${n} tasks parked at ${kind}, resumed in every order, end quiescent`, async () => {
          for (const order of permutations([...Array(n).keys()].map((i) => `t${i}`))) {
            const { mm, sched, calls } = await fixture(series);
            for (let i = 0; i < n; i++) {
              await sched.spawn(`t${i}`, () => body(mm, i));
              assert.ok(await sched.runUntil(`t${i}`, kind), `t${i} reaches ${kind}`);
            }
            assert.equal(sched.parked.length, n, `all ${n} parked inside C at ${kind}`);
            assert.equal(mm.fibers.alive, n);
            await sched.drain(order);
            for (const t of sched.tasks) assert.equal(t.error, undefined, String(t.error));
            quiescent(mm);
            if (kind !== 'srcu.synchronize' && !kind.startsWith('non_block')) {
              // Each invalidation calls back start, end and the interval it covers once.
              assert.equal(calls.filter((c) => c === 'start').length, n);
              assert.equal(calls.filter((c) => c === 'end').length, n);
              assert.equal(calls.filter((c) => c.startsWith('invalidate:')).length, n);
            }
          }
        });
      }
    }

    it('readers parked in wait_event behind an invalidation resume in every order', async () => {
      for (const order of permutations(['r0', 'r1', 'r2'])) {
        const { mm, sched, iv } = await fixture(series);
        await sched.spawn('inv', () => invalidate(mm, 0));
        assert.ok(await sched.runUntil('inv', 'callback.start'), 'the itree part is done');
        assert.equal(mm.invalidateSeq % 2, 1, 'seq odd: an invalidation is in progress');
        for (const r of ['r0', 'r1', 'r2']) {
          await sched.spawn(r, async () => {
            const seq = await iv.readBegin();
            return { seq, retry: iv.readRetry(seq) };
          });
          assert.ok(await sched.runUntil(r, 'wq.wait'));
          assert.equal(sched.enabled(r), false, `${r} waits for the end`);
        }
        await sched.drain(['inv', ...order]);
        const seqs = sched.tasks.filter((t) => t.name.startsWith('r')).map((t) => t.result);
        for (const s of seqs) assert.deepEqual(s, { seq: 3, retry: false });
        quiescent(mm);
      }
    });

    it('every schedule of an invalidation and a reader: the reader never misses it', async () => {
      // Exhaustive DFS over the choices (each prefix replayed on a fresh core).
      const stack: number[][] = [[]];
      let schedules = 0;
      const kinds = new Set<string>();
      const outcomes = new Set<string>();
      while (stack.length > 0) {
        const prefix = stack.pop()!;
        const { mm, sched, iv, calls } = await fixture(series);
        let retried = false;
        await sched.spawn('inv', () => invalidate(mm, 0));
        await sched.spawn('reader', async () => {
          const seq = await iv.readBegin();
          // The fault "maps" here; a retry is owed when an invalidation began meanwhile.
          retried = iv.readRetry(seq);
          calls.push('retry-checked');
          return seq;
        });
        const choices: number[] = [];
        for (let step = 0; sched.parked.length > 0; step++) {
          const enabled = sched.parked.filter((p) => sched.enabled(p.task)).map((p) => p.task);
          assert.ok(enabled.length > 0, 'no deadlock');
          enabled.sort();
          const pick = step < prefix.length ? prefix[step]! : 0;
          if (step >= prefix.length) {
            for (let alt = enabled.length - 1; alt > 0; alt--) stack.push([...choices, alt]);
          }
          choices.push(pick);
          const p = sched.at(enabled[pick]!)!;
          kinds.add(p.op.kind);
          await sched.resume(enabled[pick]!);
        }
        schedules++;
        const reader = sched.tasks.find((t) => t.name === 'reader')!;
        assert.equal(reader.error, undefined);
        // The collision-retry guarantee: read_begin returns the interval's seq from before
        // the invalidation (1) or the one its callback set (3, then no retry is owed); with 1,
        // a retry is owed exactly when the callback ran before the read_retry.
        const inv = calls.indexOf('invalidate:3');
        const checked = calls.indexOf('retry-checked');
        assert.ok(inv >= 0 && checked >= 0, calls.join(' '));
        if (reader.result === 3) assert.equal(retried, false, calls.join(' '));
        else {
          assert.equal(reader.result, 1);
          assert.equal(retried, inv < checked, calls.join(' '));
        }
        outcomes.add(`${reader.result}:${retried}`);
        quiescent(mm);
        assert.ok(schedules < 20_000, 'bounded');
      }
      assert.ok(schedules > 10, `explored ${schedules} schedules`);
      assert.deepEqual([...outcomes].sort(), ['1:false', '1:true', '3:false']);
      for (const k of ['spin.lock', 'wq.wait', 'wq.wake', 'callback.invalidate'])
        assert.ok(kinds.has(k), `some schedule parks at ${k}`);
    });

    it('synchronize_srcu parks until the reader inside a callback has left', async () => {
      const { mm, sched } = await fixture(series);
      await sched.spawn('inv', () => invalidate(mm, 0));
      assert.ok(await sched.runUntil('inv', 'callback.start'), 'inside srcu_read_lock');
      await sched.spawn('sync', () => mm.synchronize());
      assert.ok(await sched.runUntil('sync', 'srcu.synchronize'));
      assert.equal(sched.enabled('sync'), false, 'the grace period waits for inv');
      assert.ok(await sched.runUntil('inv', 'srcu.read_unlock'));
      await sched.resume('inv');
      assert.equal(sched.enabled('sync'), true, 'inv left its read section');
      await sched.drain(['sync']);
      assert.equal(sched.tasks.find((t) => t.name === 'sync')!.done, true);
      quiescent(mm);
    });

    it('a callback that returns a Promise in non-blockable context is a SleepInAtomicError', async () => {
      const sched = new ManualScheduler();
      const mm = new FiberKernelCore(series, { scheduler: sched });
      await sched.spawn('setup', () =>
        mm.register({ invalidateRangeStart: () => Promise.resolve(0) }),
      );
      await sched.drain();
      const t = await sched.spawn('nb', () =>
        mm.invalidateRangeStartNonblock(range(0, 0x1000, false)),
      );
      await sched.drain();
      assert.ok(t.error instanceof SleepInAtomicError, String(t.error));
      assert.match(mm.dead ?? '', /non-blockable/);
      await assert.rejects(mm.synchronize(), StateError);
    });

    it('a call parked while another dies resumes into a StateError, not the dead C state', async () => {
      const mm = new FiberKernelCore(series, { scheduler: new EventLoopScheduler() });
      let open: (() => void) | null = null;
      await mm.register({
        invalidateRangeStart: (_s, r) =>
          r.blockable ? new Promise<number>((res) => (open = () => res(0))) : Promise.resolve(0),
      });
      const parked = mm.invalidateRangeStart(range(0, 0x1000));
      assert.equal(mm.fibers.alive, 1);
      await assert.rejects(
        mm.invalidateRangeStartNonblock(range(0x2000, 0x3000, false)),
        SleepInAtomicError,
      );
      assert.notEqual(mm.dead, null);
      open!();
      await assert.rejects(
        parked,
        (e: unknown) => e instanceof StateError && /dead/.test(String(e)),
      );
      assert.equal(mm.fibers.alive, 0, 'its fiber ended too');
    });

    it('stacks are isolated: each parked fiber has its own region, its sp inside it', async () => {
      const { mm, sched } = await fixture(series);
      for (let i = 0; i < 3; i++) {
        await sched.spawn(`t${i}`, () => invalidate(mm, i * 0x1000));
        await sched.runUntil(`t${i}`, 'callback.start');
      }
      const regions = mm.fiberRegions();
      assert.equal(regions.length, 3);
      for (const r of regions) {
        assert.ok(r.parked);
        assert.ok(r.sp > r.bottom && r.sp < r.top, `sp ${r.sp} in (${r.bottom}, ${r.top})`);
      }
      const sorted = [...regions].sort((a, b) => a.bottom - b.bottom);
      for (let i = 1; i < sorted.length; i++)
        assert.ok(sorted[i]!.bottom >= sorted[i - 1]!.top, 'disjoint');
      await sched.drain();
      quiescent(mm);
    });

    it('a callback calls back into the core (set_seq, read_retry) while its fiber is parked', async () => {
      const sched = new ManualScheduler();
      const mm = new FiberKernelCore(series, { scheduler: sched });
      const seen: { alive: number; retryBefore: boolean; retryAfter: boolean }[] = [];
      let begun = 0;
      await sched.spawn('setup', async () => {
        const iv = await mm.insertInterval(0, 0x1000, {
          async invalidate(sub, _r, seq) {
            await Promise.resolve();
            const retryBefore = sub.readRetry(begun);
            sub.setSeq(seq);
            seen.push({ alive: mm.fibers.alive, retryBefore, retryAfter: sub.readRetry(begun) });
            return true;
          },
        });
        begun = await iv.readBegin();
      });
      await sched.drain();
      await sched.spawn('inv', () => invalidate(mm, 0));
      await sched.drain();
      assert.equal(seen.length, 1);
      // Inside the callback: the start's fiber is parked (1 alive); each nested call
      // (readRetry, setSeq) got a fiber of its own and ended.
      assert.deepEqual(seen[0], { alive: 1, retryBefore: false, retryAfter: true });
      quiescent(mm);
    });

    it('a task ends while two others are parked inside C; they then finish', async () => {
      const { mm, sched, iv } = await fixture(series);
      await sched.spawn('inv', () => invalidate(mm, 0));
      assert.ok(await sched.runUntil('inv', 'callback.start'));
      await sched.spawn('reader', () => iv.readBegin());
      assert.ok(await sched.runUntil('reader', 'wq.wait'));
      await sched.spawn('other', () => invalidate(mm, 0x10000));
      await sched.drain(['other']);
      assert.equal(sched.tasks.find((t) => t.name === 'other')!.done, true);
      assert.equal(sched.tasks.find((t) => t.name === 'reader')!.result, 3);
      quiescent(mm);
    });

    it('a blockable callback returning a Promise on the event loop parks only its call', async () => {
      const mm = new FiberKernelCore(series, { scheduler: new EventLoopScheduler() });
      let open: (() => void) | null = null;
      await mm.register({
        invalidateRangeStart: () => new Promise<void>((r) => (open = r)),
      });
      const iv = await mm.insertInterval(0, 0x1000, {
        invalidate: setSeqAndServe,
      });
      const r = range(0, 0x1000);
      const started = mm.invalidateRangeStart(r);
      assert.equal(mm.fibers.alive, 1, 'parked in the callback');
      const read = iv.readBegin();
      await new Promise((res) => setImmediate(res));
      assert.equal(mm.fibers.alive, 2, 'the reader waits in wait_event');
      open!();
      await started;
      await mm.invalidateRangeEnd(r);
      assert.equal(await read, 3);
      quiescent(mm);
    });

    it('10^5 parking invalidations leave the module memory and the pools flat', async () => {
      const mm = new FiberKernelCore(series, { scheduler: new EventLoopScheduler() });
      await mm.register({ invalidateRangeStart: () => Promise.resolve(0) });
      await mm.insertInterval(0, 0x1000, { invalidate: setSeqAndServe });
      const once = async (): Promise<void> => {
        const r = range(0, 0x1000);
        await mm.invalidateRangeStart(r);
        await mm.invalidateRangeEnd(r);
      };
      for (let i = 0; i < 1000; i++) await once();
      const before = { memory: mm.memory, slots: mm.fibers.slots };
      const switches = mm.fibers.switches;
      for (let i = 0; i < 100_000; i++) await once();
      assert.deepEqual({ memory: mm.memory, slots: mm.fibers.slots }, before);
      assert.equal(mm.fibers.switches - switches, 100_000, 'one park per start');
      quiescent(mm);
    });
  });
}
