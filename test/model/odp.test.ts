/**
 * Goal: today's ODP (an interval notifier): its invalidate fails whenever non-blockable (so
 * the OOM reaper cannot reap it), otherwise sets the seq and unmaps under umem_mutex; the
 * page fault loop maps the current page; a revoked MR is skipped, and a destroyed one that is
 * still reachable is a use after free. Method: an OdpUmem on the event loop.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EAGAIN } from '../../src/core/range.ts';
import { madviseDontneed, notifierRange } from '../../src/model/mm-ops.ts';
import { OdpUmem, odpPageFault, odpRevokeMr } from '../../src/model/odp.ts';
import { PAGE_SIZE } from '../../src/model/page-alloc.ts';
import { BASE, process } from './helpers.ts';

function umem() {
  const { mm, diags } = process();
  const odp = new OdpUmem(mm, BASE, PAGE_SIZE);
  odp.insert();
  return { mm, odp, diags };
}

describe('ODP (today, interval notifier)', () => {
  it('refuses every non-blockable invalidation', async () => {
    const { mm } = umem();
    assert.equal(
      await mm.invalidateStartNonblock(
        notifierRange(BASE, BASE + PAGE_SIZE, 'unmap', false),
        'reaper',
      ),
      EAGAIN,
    );
  });

  it('faults the page in, and an invalidation unmaps it', async () => {
    const { mm, odp } = umem();
    const pfn = mm.populate(BASE, 1);
    assert.equal(await odpPageFault(odp, BASE, true), pfn);
    assert.equal(odp.npages, 1);
    await madviseDontneed(mm, BASE, PAGE_SIZE);
    assert.equal(odp.npages, 0);
  });

  it('after a revoke under the mutex, invalidate skips the MR and the device reaches nothing', async () => {
    const { mm, odp, diags } = umem();
    mm.populate(BASE, 1);
    odp.premap(BASE);
    await odpRevokeMr(odp);
    assert.equal(odp.mr, null);
    await madviseDontneed(mm, BASE, PAGE_SIZE);
    assert.deepEqual([...odp.mappings()], []);
    assert.deepEqual(diags, []);
    await odp.release();
  });

  it('a revoke without the lock leaves a destroyed MR that invalidate then uses', async () => {
    const { mm, odp, diags } = umem();
    mm.populate(BASE, 1);
    odp.premap(BASE);
    await odpRevokeMr(odp, true);
    await assert.rejects(madviseDontneed(mm, BASE, PAGE_SIZE), /destroyed MR/);
    assert.equal(diags[0]?.kind, 'callback-threw');
  });
});
