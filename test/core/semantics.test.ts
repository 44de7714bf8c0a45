/**
 * Goal: the seed thread's bug (July 2019) is reproduced by `legacy-2019` and fixed by
 * `current`, and `kernel` (`linux-6.12`) behaves as 6.12.118's code does when its rule is broken.
 * Method: notifier A (spin lock; counter++ in start, counter-- in end, never fails) and
 * notifier B (tryLock of a mutex or EAGAIN; end unlocks and decrements), B's mutex held
 * elsewhere, one non-blockable start, as the OOM reaper does. Registered B then A, so A (the
 * newest) runs first, as in Jason Gunthorpe's message.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AddressSpace } from '../../src/core/address-space.ts';
import type { Diagnostic } from '../../src/core/diagnostics.ts';
import type { MmuNotifierOps } from '../../src/core/ops.ts';
import { EAGAIN, type MmuNotifierRange, type Semantics } from '../../src/core/range.ts';
import { Mutex } from '../../src/sync/mutex.ts';
import { SpinLock } from '../../src/sync/spinlock.ts';

interface Seed {
  readonly mm: AddressSpace;
  readonly counters: { a: number; b: number; bEnds: number };
  readonly bMutex: Mutex;
  readonly diagnostics: Diagnostic[];
}

function seed(semantics: Semantics): Seed {
  const diagnostics: Diagnostic[] = [];
  const mm = new AddressSpace({
    semantics,
    name: 'seed',
    onDiagnostic: (d) => diagnostics.push(d),
  });
  const counters = { a: 0, b: 0, bEnds: 0 };
  const aLock = new SpinLock({ name: 'a.lock' });
  const bMutex = new Mutex({ name: 'b.mutex' });
  const b: MmuNotifierOps = {
    invalidateRangeStart(_sub, range) {
      if (range.blockable) throw new Error('the seed only runs non-blockable');
      if (!bMutex.tryLock()) return EAGAIN;
      counters.b++;
      bMutex.unlock();
      return 0;
    },
    invalidateRangeEnd() {
      counters.bEnds++;
      counters.b--;
    },
  };
  const a: MmuNotifierOps = {
    invalidateRangeStart() {
      aLock.withLock(() => counters.a++);
    },
    invalidateRangeEnd() {
      aLock.withLock(() => counters.a--);
    },
  };
  mm.register(b, { name: 'B' });
  mm.register(a, { name: 'A' });
  return { mm, counters, bMutex, diagnostics };
}

const REAP: MmuNotifierRange = { start: 0x1000, end: 0x9000, event: 'unmap', blockable: false };

describe('seed scenario: A counter + B tryLock, B mutex held, non-blockable start', () => {
  it('legacy-2019 leaves A counter at 1 (the seed bug) and reports the unpaired start', async () => {
    const s = seed('legacy-2019');
    await s.bMutex.lock();
    const range = { ...REAP };
    assert.equal(s.mm.invalidateRangeStartNonblock(range), EAGAIN);
    assert.equal(s.counters.a, 1);
    assert.equal(s.counters.bEnds, 0);
    assert.deepEqual(
      s.diagnostics.map((d) => [d.kind, d.subscriber]),
      [
        ['failing-start-with-end', 'B'],
        ['unpaired-start', 'A'],
      ],
    );
    s.bMutex.unlock();
  });

  it('current returns A counter to 0 and never calls B end', async () => {
    const s = seed('current');
    await s.bMutex.lock();
    const range = { ...REAP };
    assert.equal(s.mm.invalidateRangeStartNonblock(range), EAGAIN);
    assert.equal(s.counters.a, 0);
    assert.equal(s.counters.b, 0);
    assert.equal(s.counters.bEnds, 0);
    assert.equal(s.mm.inFlightCount, 0);
    assert.deepEqual(
      s.diagnostics.map((d) => d.kind),
      ['failing-start-with-end'],
    );
    s.bMutex.unlock();
    // With the mutex free, the same reap succeeds and pairs.
    const again = { ...REAP };
    assert.equal(s.mm.invalidateRangeStartNonblock(again), 0);
    assert.deepEqual(s.counters, { a: 1, b: 1, bEnds: 0 });
    s.mm.invalidateRangeEnd(again);
    assert.deepEqual(s.counters, { a: 0, b: 0, bEnds: 1 });
  });

  it('kernel unwinds by calling every end, so B gets an end it never started', async () => {
    const s = seed('kernel');
    await s.bMutex.lock();
    assert.equal(s.mm.invalidateRangeStartNonblock({ ...REAP }), EAGAIN);
    assert.equal(s.counters.a, 0);
    assert.equal(s.counters.bEnds, 1);
    assert.equal(s.counters.b, -1);
    s.bMutex.unlock();
  });
});

describe('semantics: the rows of the table in semantics.ts', () => {
  function two(semantics: Semantics) {
    const diagnostics: Diagnostic[] = [];
    const mm = new AddressSpace({ semantics, onDiagnostic: (d) => diagnostics.push(d) });
    const log: string[] = [];
    mm.register({ invalidateRangeStart: () => EAGAIN }, { name: 'F' });
    mm.register(
      {
        invalidateRangeStart: () => void log.push('start'),
        invalidateRangeEnd: () => void log.push('end'),
      },
      { name: 'A' },
    );
    return { mm, log, diagnostics };
  }

  it('blockable failure: current ends A once; kernel unwinds and the caller ends again', () => {
    const cur = two('current');
    const r1: MmuNotifierRange = { start: 0, end: 10, event: 'unmap', blockable: true };
    cur.mm.invalidateRangeStart(r1);
    cur.mm.invalidateRangeEnd(r1);
    assert.deepEqual(cur.log, ['start', 'end']);
    const ker = two('kernel');
    const r2: MmuNotifierRange = { start: 0, end: 10, event: 'unmap', blockable: true };
    ker.mm.invalidateRangeStart(r2);
    ker.mm.invalidateRangeEnd(r2);
    assert.deepEqual(ker.log, ['start', 'end', 'end']);
  });

  it('a notifier registered while a range is open: current gives it no end, kernel does', () => {
    for (const [semantics, expected] of [
      ['current', []],
      ['kernel', ['late-end']],
      ['legacy-2019', ['late-end']],
    ] as const) {
      const mm = new AddressSpace({ semantics });
      const r: MmuNotifierRange = { start: 0, end: 10, event: 'unmap', blockable: false };
      assert.equal(mm.invalidateRangeStartNonblock(r), 0);
      const log: string[] = [];
      mm.register({ invalidateRangeEnd: () => void log.push('late-end') });
      mm.invalidateRangeEnd(r);
      assert.deepEqual(log, expected, semantics);
    }
  });
});
