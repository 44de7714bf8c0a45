/**
 * Goal: the vCPU fault maps the current page and loses it to munmap; a memslot update waits
 * for the invalidation in flight; a pfn cache refresh caches the page and is invalidated.
 * Method: a registered Kvm on the event loop.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Kvm } from '../../src/model/kvm.ts';
import {
  kvmGpcInit,
  kvmGpcRefresh,
  kvmSetMemslots,
  kvmVcpuFault,
} from '../../src/model/kvm-fault.ts';
import { munmap, notifierRange } from '../../src/model/mm-ops.ts';
import { PAGE_SIZE } from '../../src/model/page-alloc.ts';
import { BASE, process } from './helpers.ts';

function vm(npages = 2) {
  const { mm } = process(npages);
  const kvm = new Kvm(mm, { memslots: [{ id: 0, baseGfn: 0, npages, userspaceAddr: BASE }] });
  kvm.register();
  return { mm, kvm };
}

describe('KVM faults, memslots and the pfn cache', () => {
  it('a vCPU fault maps the page; munmap zaps the spte; the next fault fails', async () => {
    const { mm, kvm } = vm();
    const pfn = mm.populate(BASE, 1);
    assert.equal(await kvmVcpuFault(kvm, 0, false), pfn);
    assert.equal(kvm.sptes.get(0)?.pfn, pfn);
    await munmap(mm, BASE, PAGE_SIZE);
    assert.equal(kvm.sptes.size, 0);
    assert.ok((await kvmVcpuFault(kvm, 0, false)) < 0);
  });
  it('a memslot update waits for the invalidation in flight, then zaps the removed slot', async () => {
    const { mm, kvm } = vm();
    mm.populate(BASE, 1);
    kvm.premap(0);
    const rec = await mm.invalidateStart(
      notifierRange(BASE + PAGE_SIZE, BASE + 2 * PAGE_SIZE, 'clear'),
      't',
    );
    let done = false;
    const update = kvmSetMemslots(kvm, []).then(() => {
      done = true;
    });
    await Promise.resolve();
    assert.equal(done, false);
    await mm.invalidateEnd(rec);
    await update;
    assert.equal(done, true);
    assert.equal(kvm.sptes.size, 0);
    assert.equal(kvm.inProgress.peek(), 0);
  });
  it('a pfn cache refresh caches the page; an invalidation marks it invalid', async () => {
    const { mm, kvm } = vm();
    const pfn = mm.populate(BASE, 1);
    const gpc = kvmGpcInit(kvm, BASE);
    assert.equal(await kvmGpcRefresh(kvm, gpc), pfn);
    assert.equal(gpc.valid, true);
    await munmap(mm, BASE, PAGE_SIZE);
    assert.equal(gpc.valid, false);
  });
});
