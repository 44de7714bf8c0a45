/**
 * Goal: migration to device-private memory keeps the data, maps the device page in the
 * owner's mirror, frees the system page only after, and a CPU fault (or an eviction) brings
 * the data back to system memory. Method: a Dmirror and its device on the event loop.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ENOENT } from '../../src/model/errno.ts';
import { DmirrorDevice, dmirrorMigrateToDevice } from '../../src/model/hmm-migrate.ts';
import { Dmirror } from '../../src/model/hmm-mirror.ts';
import { cpuRead } from '../../src/model/mm-ops.ts';
import { PAGE_SIZE } from '../../src/model/page-alloc.ts';
import { BASE, process } from './helpers.ts';

describe('device-private migration', () => {
  it('to the device and back by a CPU fault, then by eviction', async () => {
    const { mm } = process(2);
    const device = new DmirrorDevice();
    mm.addPagemap(device);
    const dmirror = new Dmirror(mm, device);
    dmirror.open();
    const old = mm.populate(BASE, 5);
    mm.populate(BASE + PAGE_SIZE, 6);
    const m = await dmirrorMigrateToDevice(dmirror, BASE, 2);
    assert.deepEqual(m, { ret: 0, cpages: 2, data: [5, 6] });
    assert.equal(mm.alloc.isFreed(old), true);
    assert.equal(mm.peekPte(BASE)?.device, device);
    assert.equal(await cpuRead(mm, BASE), 5);
    assert.equal(mm.peekPte(BASE)?.device, undefined);
    assert.equal(dmirror.entry(BASE), undefined);
    assert.equal(await device.evict(mm), 1);
    assert.equal(mm.peekPte(BASE + PAGE_SIZE)?.device, undefined);
    assert.equal(await cpuRead(mm, BASE + PAGE_SIZE), 6);
  });

  it('shared memory is not migrated (ENOENT)', async () => {
    const { mm } = process(0 + 1);
    mm.mmap(BASE + 4 * PAGE_SIZE, PAGE_SIZE, { prot: { read: true, write: true }, shared: true });
    const dmirror = new Dmirror(mm, new DmirrorDevice());
    dmirror.open();
    assert.equal((await dmirrorMigrateToDevice(dmirror, BASE + 4 * PAGE_SIZE, 1)).ret, ENOENT);
  });
});
