/**
 * Goal: the 2019 ODP is the seed thread's B: a non-blockable start fails with EAGAIN while a
 * fault holds umem_mutex, succeeds otherwise and counts until its end; its fault maps the
 * page and retries while an invalidation is counted. Method: an Odp2019 on the event loop.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EAGAIN } from '../../src/core/range.ts';
import { munmap, notifierRange } from '../../src/model/mm-ops.ts';
import { Odp2019, odp2019Fault } from '../../src/model/odp-2019.ts';
import { PAGE_SIZE } from '../../src/model/page-alloc.ts';
import { BASE, process } from './helpers.ts';

describe('ODP (2019, list notifier)', () => {
  it('fails a non-blockable start while umem_mutex is held; counts a successful one until its end', async () => {
    const { mm, diags } = process();
    const odp = new Odp2019(mm);
    odp.register();
    const nonblock = notifierRange(BASE, BASE + PAGE_SIZE, 'unmap', false);
    assert.ok(odp.umemMutex.tryLock());
    assert.equal(await mm.invalidateStartNonblock(nonblock, 'reaper'), EAGAIN);
    assert.equal(diags[0]?.kind, 'failing-start-with-end');
    odp.umemMutex.unlock();
    const rec = await mm.invalidateStartNonblock(nonblock, 'reaper');
    assert.notEqual(rec, EAGAIN);
    assert.equal(odp.notifiersCount.peek(), 1);
    if (rec !== EAGAIN) await mm.invalidateEnd(rec);
    assert.deepEqual(
      [odp.notifiersCount.peek(), odp.notifiersSeq.peek(), odp.openStarts()],
      [0, 1, 0],
    );
  });

  it('faults a page into the device and loses it to munmap', async () => {
    const { mm } = process();
    const odp = new Odp2019(mm);
    odp.register();
    const pfn = mm.populate(BASE, 1);
    assert.equal(await odp2019Fault(odp, BASE, false), pfn);
    assert.deepEqual(
      [...odp.mappings()].map((m) => m.pfn),
      [pfn],
    );
    await munmap(mm, BASE, PAGE_SIZE);
    assert.equal([...odp.mappings()].length, 0);
  });

  it('reports a broken balance: a count left with no invalidation in flight', () => {
    const { mm } = process();
    const odp = new Odp2019(mm);
    odp.notifiersCount.set(1);
    assert.match(odp.balanceViolation(true) ?? '', /notifiers_count=1/);
  });
});
