/**
 * Goal: the snapshot command reports the HMM_DMIRROR_PROT_* of each page without faulting
 * and leaves no temporary interval notifier behind. Method: a Dmirror on the event loop.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AddressSpace } from '../../src/core/address-space.ts';
import { DmirrorDevice } from '../../src/model/hmm-migrate.ts';
import { Dmirror } from '../../src/model/hmm-mirror.ts';
import { dmirrorSnapshot, HMM_DMIRROR_PROT } from '../../src/model/hmm-snapshot.ts';
import { PAGE_SIZE } from '../../src/model/page-alloc.ts';
import { BASE, process } from './helpers.ts';

describe('dmirrorSnapshot', () => {
  it('reports write, none and error without faulting', async () => {
    const { mm } = process(2);
    const dmirror = new Dmirror(mm, new DmirrorDevice());
    dmirror.open();
    mm.populate(BASE, 1);
    const s = await dmirrorSnapshot(dmirror, BASE, 3);
    assert.deepEqual(s, {
      ret: 0,
      perms: [HMM_DMIRROR_PROT.WRITE, HMM_DMIRROR_PROT.NONE, HMM_DMIRROR_PROT.ERROR],
    });
    assert.equal(mm.peekPte(BASE + PAGE_SIZE), undefined);
    assert.equal((mm.as as AddressSpace).intervalCount, 1);
  });
});
