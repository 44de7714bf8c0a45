/**
 * Goal: each primary operation changes PTEs only between start and end and frees pages only
 * after the end; exit releases the notifiers first; mmput runs exit at the last reference.
 * Method: a list notifier that records, at each callback, what the page table and the
 * allocator look like.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MmuNotifierRange } from '../../src/core/range.ts';
import type { Mm } from '../../src/model/mm.ts';
import {
  cpuRead,
  cpuWrite,
  exitMmap,
  madviseDontneed,
  migratePage,
  mmgetNotZero,
  mmput,
  mprotect,
  munmap,
} from '../../src/model/mm-ops.ts';
import { PAGE_SIZE } from '../../src/model/page-alloc.ts';
import { BASE, process } from './helpers.ts';

interface Seen {
  readonly what: string;
  readonly event: string;
  readonly present: boolean;
  readonly freed: boolean;
}

function spy(mm: Mm, pfn: number): Seen[] {
  const seen: Seen[] = [];
  const note = (what: string, r: MmuNotifierRange): void => {
    seen.push({
      what,
      event: r.event,
      present: mm.peekPte(BASE)?.pfn === pfn,
      freed: mm.alloc.isFreed(pfn),
    });
  };
  mm.as.register({
    invalidateRangeStart: (_s, r) => note('start', r),
    invalidateRangeEnd: (_s, r) => note('end', r),
    release: () => {
      seen.push({
        what: 'release',
        event: '',
        present: mm.peekPte(BASE) !== undefined,
        freed: mm.alloc.isFreed(pfn),
      });
    },
  });
  return seen;
}

describe('primary operations', () => {
  it('munmap: start sees the page mapped, end sees it unmapped but not freed; freed after', async () => {
    const { mm } = process();
    const pfn = mm.populate(BASE, 1);
    const seen = spy(mm, pfn);
    assert.equal(await munmap(mm, BASE, PAGE_SIZE), 0);
    assert.deepEqual(seen, [
      { what: 'start', event: 'unmap', present: true, freed: false },
      { what: 'end', event: 'unmap', present: false, freed: false },
    ]);
    assert.equal(mm.alloc.isFreed(pfn), true);
    assert.equal(mm.vmas.lookup(BASE), undefined);
  });

  it('madvise(DONTNEED) clears the page but keeps the VMA', async () => {
    const { mm } = process();
    const pfn = mm.populate(BASE, 1);
    const seen = spy(mm, pfn);
    await madviseDontneed(mm, BASE, PAGE_SIZE);
    assert.equal(seen[0]?.event, 'clear');
    assert.equal(mm.alloc.isFreed(pfn), true);
    assert.equal(await cpuRead(mm, BASE), 0);
  });

  it('mprotect write-protects the PTE between start and end', async () => {
    const { mm } = process();
    const pfn = mm.populate(BASE, 1);
    spy(mm, pfn);
    await mprotect(mm, BASE, PAGE_SIZE, { read: true, write: false });
    assert.equal(mm.peekPte(BASE)?.writable, false);
    assert.ok((await cpuWrite(mm, BASE, 3)) < 0);
  });

  it('migration moves the contents to a new pfn and frees the old one after the end', async () => {
    const { mm } = process();
    const pfn = mm.populate(BASE, 9);
    const seen = spy(mm, pfn);
    const owner = {};
    const fresh = await migratePage(mm, BASE, owner);
    assert.ok(fresh > pfn);
    assert.equal(seen[0]?.event, 'migrate');
    assert.equal(seen[1]?.freed, false);
    assert.equal(mm.alloc.isFreed(pfn), true);
    assert.equal(await cpuRead(mm, BASE), 9);
  });

  it('exit releases the notifiers before it unmaps, then marks MMF_OOM_SKIP', async () => {
    const { mm } = process();
    const pfn = mm.populate(BASE, 1);
    const seen = spy(mm, pfn);
    await exitMmap(mm);
    assert.deepEqual(seen, [{ what: 'release', event: '', present: true, freed: false }]);
    assert.equal(mm.alloc.isFreed(pfn), true);
    assert.equal(mm.oomSkip.peek(), true);
  });

  it('mmput runs exit at the last reference only; mmget_not_zero fails after', async () => {
    const { mm } = process();
    mm.populate(BASE, 1);
    assert.equal(mmgetNotZero(mm), true);
    await mmput(mm);
    assert.equal(mm.as.released, false);
    await mmput(mm);
    assert.equal(mm.as.released, true);
    assert.equal(mmgetNotZero(mm), false);
  });
});
