/**
 * Goal: the Mm tracks each invalidation through its phases for the monitors, and drops a
 * non-blockable start that failed. Method: an Mm on the event loop.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EAGAIN } from '../../src/core/range.ts';
import { StateError } from '../../src/errors.ts';
import { notifierRange } from '../../src/model/mm-ops.ts';
import { PAGE_SIZE } from '../../src/model/page-alloc.ts';
import { BASE, process } from './helpers.ts';

describe('Mm', () => {
  it('tracks invalidations in flight through their phases', async () => {
    const { mm } = process();
    const range = notifierRange(BASE, BASE + PAGE_SIZE, 'unmap');
    const rec = await mm.invalidateStart(range, 'test');
    assert.equal(rec.phase, 'started');
    assert.equal(mm.inflight.length, 1);
    await mm.invalidateEnd(rec);
    assert.equal(mm.inflight.length, 0);
    await assert.rejects(mm.invalidateEnd(rec), StateError);
  });
  it('drops a failed non-blockable start from the records', async () => {
    const { mm } = process();
    mm.as.insertInterval(BASE, PAGE_SIZE, { invalidate: () => false });
    const ret = await mm.invalidateStartNonblock(
      notifierRange(BASE, BASE + PAGE_SIZE, 'unmap', false),
      'reaper',
    );
    assert.equal(ret, EAGAIN);
    assert.equal(mm.inflight.length, 0);
  });
});
