/**
 * Goal: the dmirror of lib/test_hmm.c: reads and writes fault through hmm_range_fault, count
 * one fault per command, skip invalidations of their own migrations, use trylock when they
 * may not sleep, and forget everything at close. Method: a Dmirror on the event loop.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AddressSpace } from '../../src/core/address-space.ts';
import { EAGAIN } from '../../src/core/range.ts';
import { EPERM } from '../../src/model/errno.ts';
import { DmirrorDevice } from '../../src/model/hmm-migrate.ts';
import { Dmirror } from '../../src/model/hmm-mirror.ts';
import { madviseDontneed, mprotect, notifierRange } from '../../src/model/mm-ops.ts';
import { PAGE_SIZE } from '../../src/model/page-alloc.ts';
import { BASE, process } from './helpers.ts';

function mirror(npages = 2) {
  const { mm, diags } = process(npages);
  const device = new DmirrorDevice();
  const dmirror = new Dmirror(mm, device);
  dmirror.open();
  return { mm, device, dmirror, diags };
}

describe('Dmirror', () => {
  it('reads through one fault, then from its page table', async () => {
    const { mm, dmirror } = mirror();
    mm.populate(BASE, 3);
    mm.populate(BASE + PAGE_SIZE, 4);
    assert.deepEqual(await dmirror.read(BASE, 2), { ret: 0, cpages: 2, faults: 1, data: [3, 4] });
    assert.deepEqual(await dmirror.read(BASE, 2), { ret: 0, cpages: 2, faults: 0, data: [3, 4] });
  });

  it('writes, and refuses to write a read-only mapping (EPERM)', async () => {
    const { mm, dmirror } = mirror();
    assert.equal((await dmirror.write(BASE, [7, 8])).ret, 0);
    assert.equal(mm.alloc.read(mm.peekPte(BASE + PAGE_SIZE)!.pfn), 8);
    await mprotect(mm, BASE, 2 * PAGE_SIZE, { read: true, write: false });
    assert.equal((await dmirror.write(BASE, [1, 1])).ret, EPERM);
  });

  it('an invalidation erases its entries; its own migration is skipped', async () => {
    const { mm, device, dmirror } = mirror();
    mm.populate(BASE, 1);
    await dmirror.read(BASE, 1);
    const own = await mm.invalidateStart(
      notifierRange(BASE, BASE + PAGE_SIZE, 'migrate', true, device),
      'own',
    );
    assert.ok(dmirror.entry(BASE) !== undefined);
    assert.equal(dmirror.isSubject(own.range), false);
    await mm.invalidateEnd(own);
    await madviseDontneed(mm, BASE, PAGE_SIZE);
    assert.equal(dmirror.entry(BASE), undefined);
  });

  it('fails a non-blockable invalidation while its mutex is held (trylock)', async () => {
    const { mm, dmirror } = mirror();
    assert.ok(dmirror.mutex.tryLock());
    assert.equal(
      await mm.invalidateStartNonblock(
        notifierRange(BASE, BASE + PAGE_SIZE, 'unmap', false),
        'reaper',
      ),
      EAGAIN,
    );
    dmirror.mutex.unlock();
  });

  it('close removes the interval and drops every entry', async () => {
    const { mm, dmirror } = mirror();
    mm.populate(BASE, 1);
    await dmirror.read(BASE, 1);
    await dmirror.close();
    assert.deepEqual([...dmirror.mappings()], []);
    assert.equal((mm.as as AddressSpace).intervalCount, 0);
  });
});
