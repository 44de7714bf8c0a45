/**
 * Goal: the reaper reaps anonymous memory with non-blockable invalidations, skips a VMA whose
 * start failed without calling its end, retries at most MAX_OOM_REAP_RETRIES (the kernel's
 * 10) times and always sets MMF_OOM_SKIP. Method: the reaper on the event loop against list
 * notifiers that succeed or fail.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EAGAIN } from '../../src/core/range.ts';
import { InvalidArgumentError } from '../../src/errors.ts';
import { MAX_OOM_REAP_RETRIES, oomReapTask, oomReapTaskMm } from '../../src/model/oom-reaper.ts';
import { BASE, process } from './helpers.ts';

describe('OOM reaper', () => {
  it('names the kernel limit: 10 attempts', () => {
    assert.equal(MAX_OOM_REAP_RETRIES, 10);
  });

  it('reaps with a non-blockable unmap, ends it, frees the pages, sets MMF_OOM_SKIP', async () => {
    const { mm } = process();
    const pfn = mm.populate(BASE, 1);
    const events: string[] = [];
    mm.as.register({
      invalidateRangeStart: (_s, r) => {
        events.push(`start ${r.event} ${r.blockable}`);
      },
      invalidateRangeEnd: () => {
        events.push('end');
      },
    });
    const result = await oomReapTask(mm);
    assert.deepEqual(result, { attempts: 1, reaped: true });
    assert.deepEqual(events, ['start unmap false', 'end']);
    assert.equal(mm.alloc.isFreed(pfn), true);
    assert.equal(mm.oomSkip.peek(), true);
  });

  it('on EAGAIN skips the VMA, calls no end, retries 10 times, then gives up with MMF_OOM_SKIP', async () => {
    const { mm, diags } = process();
    const pfn = mm.populate(BASE, 1);
    let starts = 0;
    mm.as.register({
      invalidateRangeStart: (_s, r) => {
        starts++;
        return r.blockable ? 0 : EAGAIN;
      },
    });
    const result = await oomReapTask(mm);
    assert.deepEqual(result, { attempts: MAX_OOM_REAP_RETRIES, reaped: false });
    assert.equal(starts, MAX_OOM_REAP_RETRIES);
    assert.equal(mm.alloc.isFreed(pfn), false);
    assert.equal(mm.oomSkip.peek(), true);
    assert.deepEqual(diags, []);
  });

  it('fails an attempt when mmap_read_trylock fails, and skips an mm exit already handled', async () => {
    const { mm } = process();
    await mm.mmapLock.writeLock();
    assert.equal(await oomReapTaskMm(mm), false);
    mm.mmapLock.writeUnlock();
    mm.oomSkip.set(true);
    assert.equal(await oomReapTaskMm(mm), true);
  });

  it('refuses retries outside 1..10', async () => {
    const { mm } = process();
    await assert.rejects(oomReapTask(mm, { retries: 11 }), InvalidArgumentError);
  });
});
