/**
 * Goal: KVM's own state: `mmu_invalidate_retry_gfn` answers as the kernel's does, and
 * destroying the VM forgives a start whose end will never come. Method: a Kvm on the event loop.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { INVALID_GPA, Kvm } from '../../src/model/kvm.ts';
import { notifierRange } from '../../src/model/mm-ops.ts';
import { PAGE_SIZE } from '../../src/model/page-alloc.ts';
import { BASE, process } from './helpers.ts';

function vm(npages = 2) {
  const { mm } = process(npages);
  const kvm = new Kvm(mm, { memslots: [{ id: 0, baseGfn: 0, npages, userspaceAddr: BASE }] });
  kvm.register();
  return { mm, kvm };
}

describe('Kvm', () => {
  it('retryGfn: in progress over the gfn, or the seq moved', () => {
    const { kvm } = vm();
    kvm.mmuLock.withLock(() => {
      kvm.invalidateBegin();
      assert.equal(kvm.invalidateRange[0], INVALID_GPA);
      assert.equal(kvm.retryGfn(0, 0), true); // no range recorded yet: retry
      kvm.invalidateRangeAdd(1, 2);
      assert.equal(kvm.retryGfn(0, 0), false);
      assert.equal(kvm.retryGfn(0, 1), true);
      kvm.invalidateEndLocked();
      assert.equal(kvm.retryGfn(0, 0), true);
      assert.equal(kvm.retryGfn(1, 0), false);
    });
  });
  it('unregister forgives a start whose end will not come', async () => {
    const { mm, kvm } = vm();
    await mm.invalidateStart(notifierRange(BASE, BASE + PAGE_SIZE, 'clear'), 't');
    await kvm.unregister();
    assert.equal(kvm.openStarts(), 0);
    assert.equal(kvm.activeInvalidateCount.peek(), 0);
  });
});
