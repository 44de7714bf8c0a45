/**
 * Goal: the `invalidate_seq` protocol of `mm/mmu_notifier.c`: odd while an invalidation
 * overlaps an interval, inserts/removes deferred while fully excluded and applied by the
 * last end, `readBegin` and `remove` sleeping until the seq moves, the reader's required
 * outcome (`readRetry` true after a colliding invalidate).
 * Method: direct calls on one address space; sleeps observed through promise settlement.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MmuIntervalNotifier, MmuIntervalNotifierOps } from '../../src/core/ops.ts';
import { logged, range, space } from './helpers.ts';

const setSeqOps: MmuIntervalNotifierOps = {
  invalidate(sub, _range, curSeq) {
    sub.setSeq(curSeq);
    return true;
  },
};

async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  return done;
}

describe('itree: invalidate_seq protocol', () => {
  it('starts at 2; odd only while an overlapping invalidation runs; active counts every range', () => {
    const { mm } = space();
    const sub = mm.insertInterval(0x1000, 0x1000, setSeqOps);
    assert.equal(mm.invalidateSeq, 2);
    const miss = range(0x5000, 0x6000, false);
    assert.equal(mm.invalidateRangeStartNonblock(miss), 0);
    assert.equal(mm.activeInvalidateRanges, 1);
    assert.equal(mm.invalidateSeq, 2, 'partially excluded: seq stays even');
    const hit = range(0x1800, 0x1900, false);
    assert.equal(mm.invalidateRangeStartNonblock(hit), 0);
    assert.equal(mm.invalidateSeq, 3);
    assert.equal(mm.activeInvalidateRanges, 2);
    mm.invalidateRangeEnd(hit);
    assert.equal(mm.invalidateSeq, 3, 'not the last end');
    mm.invalidateRangeEnd(miss);
    assert.equal(mm.invalidateSeq, 4);
    assert.equal(mm.activeInvalidateRanges, 0);
    assert.equal(sub.readRetry(1), true, 'setSeq(3) ran');
  });

  it('required outcome: a read begun before a colliding invalidate retries', async () => {
    const { mm } = space();
    const sub = mm.insertInterval(0, 4096, setSeqOps);
    const seq = await sub.readBegin();
    assert.equal(sub.readRetry(seq), false);
    const r = range(0, 10, true);
    mm.invalidateRangeStart(r);
    mm.invalidateRangeEnd(r);
    assert.equal(sub.readRetry(seq), true);
    assert.equal(sub.checkRetry(seq), true);
    const again = await sub.readBegin();
    assert.equal(sub.readRetry(again), false);
  });

  it('readBegin sleeps while its interval is invalidated and wakes at the last end', async () => {
    const { mm } = space();
    const sub = mm.insertInterval(0, 4096, setSeqOps);
    const r = range(0, 10, false);
    mm.invalidateRangeStartNonblock(r);
    const reader = sub.readBegin();
    assert.equal(await settled(reader), false);
    mm.invalidateRangeEnd(r);
    const seq = await reader;
    assert.equal(seq, 3);
    assert.equal(sub.readRetry(seq), false);
  });

  it('insert while fully excluded is deferred; its first readBegin waits; the last end links it', async () => {
    const { mm } = space();
    mm.insertInterval(0, 4096, setSeqOps);
    const r = range(0, 10, false);
    mm.invalidateRangeStartNonblock(r);
    const late = mm.insertInterval(8192, 4096, setSeqOps);
    assert.equal(mm.intervalCount, 1, 'deferred');
    const reader = late.readBegin();
    assert.equal(await settled(reader), false);
    mm.invalidateRangeEnd(r);
    assert.equal(mm.intervalCount, 2);
    await reader;
  });

  it('insert while partially excluded links at once and forces the seq odd', () => {
    const { mm } = space();
    mm.insertInterval(0, 4096, setSeqOps);
    const r = range(0x10000, 0x11000, false);
    mm.invalidateRangeStartNonblock(r);
    assert.equal(mm.invalidateSeq, 2);
    mm.insertInterval(8192, 4096, setSeqOps);
    assert.equal(mm.intervalCount, 2);
    assert.equal(mm.invalidateSeq, 3);
    mm.invalidateRangeEnd(r);
    assert.equal(mm.invalidateSeq, 4);
  });

  it('remove while fully excluded sleeps until the last end; no callback after it returns', async () => {
    const { mm } = space();
    let calls = 0;
    const sub: MmuIntervalNotifier<unknown> = mm.insertInterval(0, 4096, {
      invalidate(s, _r, curSeq) {
        calls++;
        s.setSeq(curSeq);
        return true;
      },
    });
    const r = range(0, 10, false);
    mm.invalidateRangeStartNonblock(r);
    const removal = sub.remove();
    assert.equal(await settled(removal), false);
    mm.invalidateRangeEnd(r);
    await removal;
    assert.equal(mm.intervalCount, 0);
    const r2 = range(0, 10, false);
    mm.invalidateRangeStartNonblock(r2);
    mm.invalidateRangeEnd(r2);
    assert.equal(calls, 1);
  });

  it('remove of a still-deferred insert just drops it', async () => {
    const { mm } = space();
    mm.insertInterval(0, 4096, setSeqOps);
    const r = range(0, 10, false);
    mm.invalidateRangeStartNonblock(r);
    const late = mm.insertInterval(8192, 4096, setSeqOps);
    await late.remove();
    mm.invalidateRangeEnd(r);
    assert.equal(mm.intervalCount, 1);
  });

  it('a non-blockable false unwinds the interval part and skips the list', () => {
    const { mm } = space();
    const log: string[] = [];
    mm.register({ invalidateRangeStart: () => void log.push('list') });
    mm.insertInterval(0, 4096, { invalidate: () => false });
    assert.equal(mm.invalidateRangeStartNonblock(range(0, 10, false)), -11);
    assert.deepEqual(log, []);
    assert.equal(mm.activeInvalidateRanges, 0);
    assert.equal(mm.invalidateSeq, 4);
  });

  it('current unwinds the interval part when a list start fails', () => {
    const { mm } = space();
    mm.register({ invalidateRangeStart: () => -11 });
    mm.insertInterval(0, 4096, setSeqOps);
    assert.equal(mm.invalidateRangeStartNonblock(range(0, 10, false)), -11);
    assert.equal(mm.activeInvalidateRanges, 0);
    assert.equal(mm.invalidateSeq, 4);
  });

  it('linux-6.1 leaves the interval part active when a list start fails (6.1.192); linux-6.12 and kernel end it', () => {
    for (const semantics of ['linux-6.1', 'linux-6.12', 'kernel'] as const) {
      const { mm } = space({ semantics });
      mm.register({ invalidateRangeStart: () => -11 });
      mm.insertInterval(0, 4096, setSeqOps);
      assert.equal(mm.invalidateRangeStartNonblock(range(0, 10, false)), -11);
      const leaks = semantics === 'linux-6.1';
      assert.equal(mm.activeInvalidateRanges, leaks ? 1 : 0, semantics);
      assert.equal(mm.invalidateSeq, leaks ? 3 : 4, semantics);
    }
  });

  it('blockable false is fail-in-blockable and the walk goes on', () => {
    const { mm, diagnostics } = space();
    const seen: string[] = [];
    mm.insertInterval(0, 4096, { invalidate: logged(seen, 'a', false) }, { name: 'a' });
    mm.insertInterval(100, 4096, { invalidate: logged(seen, 'b', true) }, { name: 'b' });
    const r = range(0, 10_000, true);
    mm.invalidateRangeStart(r);
    mm.invalidateRangeEnd(r);
    assert.deepEqual(seen, ['a', 'b']);
    assert.deepEqual(
      diagnostics.map((d) => [d.kind, d.subscriber]),
      [['fail-in-blockable', 'a']],
    );
  });
});
