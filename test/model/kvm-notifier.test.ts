/**
 * Goal: KVM's notifier keeps mmu_invalidate_in_progress / seq / range as the kernel does, only
 * when a memslot overlaps; the young callbacks answer from the sptes; release flushes them.
 * Method: a registered Kvm on the event loop, driven through the Mm's invalidations.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Kvm } from '../../src/model/kvm.ts';
import { kvmVcpuFault } from '../../src/model/kvm-fault.ts';
import { exitMmap, notifierRange } from '../../src/model/mm-ops.ts';
import { PAGE_SIZE } from '../../src/model/page-alloc.ts';
import { BASE, process } from './helpers.ts';

function vm(npages = 2) {
  const { mm } = process(npages);
  const kvm = new Kvm(mm, { memslots: [{ id: 0, baseGfn: 0, npages, userspaceAddr: BASE }] });
  kvm.register();
  return { mm, kvm };
}

describe('kvmMmuNotifierOps', () => {
  it('start counts only overlapping memslots; end bumps the seq before dropping the count', async () => {
    const { mm, kvm } = vm();
    const outside = await mm.invalidateStart(
      notifierRange(BASE + 8 * PAGE_SIZE, BASE + 9 * PAGE_SIZE, 'clear'),
      't',
    );
    assert.equal(kvm.inProgress.peek(), 0);
    assert.equal(kvm.activeInvalidateCount.peek(), 1);
    const inside = await mm.invalidateStart(
      notifierRange(BASE + PAGE_SIZE, BASE + 2 * PAGE_SIZE, 'clear'),
      't',
    );
    assert.equal(kvm.inProgress.peek(), 1);
    assert.deepEqual(kvm.invalidateRange, [1, 2]);
    await mm.invalidateEnd(inside);
    await mm.invalidateEnd(outside);
    assert.deepEqual(
      [kvm.inProgress.peek(), kvm.seq.peek(), kvm.activeInvalidateCount.peek()],
      [0, 1, 0],
    );
    assert.equal(kvm.balanceViolation(true), undefined);
  });
  it('answers the young queries from the sptes and clears them', async () => {
    const { mm, kvm } = vm();
    mm.populate(BASE, 1);
    await kvmVcpuFault(kvm, 0, false);
    assert.equal(mm.as.testYoung(BASE), true);
    assert.equal(mm.as.clearYoung(BASE, BASE + PAGE_SIZE), true);
    assert.equal(mm.as.testYoung(BASE), false);
    assert.equal(mm.as.clearFlushYoung(BASE, BASE + PAGE_SIZE), false);
  });
  it('release at exit flushes every spte', async () => {
    const { mm, kvm } = vm();
    mm.populate(BASE, 1);
    await kvmVcpuFault(kvm, 0, false);
    await exitMmap(mm);
    assert.equal(kvm.sptes.size, 0);
  });
});
