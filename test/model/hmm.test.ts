/**
 * Goal: hmm_range_fault reports what the page table holds, faults when asked, answers EPERM
 * for a write to a read-only VMA and EFAULT without a VMA, and EBUSY once the interval was
 * invalidated after read_begin. Method: a bare interval notifier on the event loop.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { settled } from '../../src/core/notifier-subscriptions.ts';
import { EBUSY, EFAULT, EPERM } from '../../src/model/errno.ts';
import { hmmRangeFault } from '../../src/model/hmm.ts';
import { madviseDontneed } from '../../src/model/mm-ops.ts';
import { PAGE_SIZE } from '../../src/model/page-alloc.ts';
import { BASE, process } from './helpers.ts';

function setup() {
  const { mm } = process(2);
  mm.mmap(BASE + 4 * PAGE_SIZE, PAGE_SIZE, { prot: { read: true, write: false } });
  const notifier = settled(
    mm.as.insertInterval(0, 1 << 30, {
      invalidate: (sub, _range, cur) => {
        sub.setSeq(cur);
        return true;
      },
    }),
    'insertInterval',
  );
  return { mm, notifier };
}

describe('hmmRangeFault', () => {
  it('snapshots without faulting, and faults when asked', async () => {
    const { mm, notifier } = setup();
    const pfn = mm.populate(BASE, 1);
    const seq = await notifier.readBegin();
    await mm.mmapLock.readLock();
    const snap = await hmmRangeFault(mm, {
      notifier,
      notifierSeq: seq,
      start: BASE,
      end: BASE + 2 * PAGE_SIZE,
      fault: false,
      write: false,
    });
    assert.deepEqual(snap, [
      { valid: true, pfn, writable: true },
      { valid: false, pfn: 0, writable: false },
    ]);
    const full = await hmmRangeFault(mm, {
      notifier,
      notifierSeq: seq,
      start: BASE,
      end: BASE + 2 * PAGE_SIZE,
      fault: true,
      write: true,
    });
    assert.ok(Array.isArray(full) && full.every((p) => p.valid && p.writable));
    mm.mmapLock.readUnlock();
  });

  it('EPERM for a write fault on a read-only VMA, EFAULT outside any VMA', async () => {
    const { mm, notifier } = setup();
    const seq = await notifier.readBegin();
    await mm.mmapLock.readLock();
    const range = { notifier, notifierSeq: seq, fault: true, write: true };
    assert.equal(
      await hmmRangeFault(mm, { ...range, start: BASE + 4 * PAGE_SIZE, end: BASE + 5 * PAGE_SIZE }),
      EPERM,
    );
    assert.equal(
      await hmmRangeFault(mm, { ...range, start: BASE + 8 * PAGE_SIZE, end: BASE + 9 * PAGE_SIZE }),
      EFAULT,
    );
    mm.mmapLock.readUnlock();
  });

  it('EBUSY once the interval was invalidated after read_begin', async () => {
    const { mm, notifier } = setup();
    mm.populate(BASE, 1);
    const seq = await notifier.readBegin();
    await madviseDontneed(mm, BASE, PAGE_SIZE);
    await mm.mmapLock.readLock();
    assert.equal(
      await hmmRangeFault(mm, {
        notifier,
        notifierSeq: seq,
        start: BASE,
        end: BASE + PAGE_SIZE,
        fault: true,
        write: false,
      }),
      EBUSY,
    );
    mm.mmapLock.readUnlock();
  });
});
