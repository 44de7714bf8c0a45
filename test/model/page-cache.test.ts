/**
 * Goal: a file's page cache holds one page per offset, reads back what was written, and keeps
 * its pages when a mapping of them goes away. Method: a PageCache over a PageAllocator.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PAGE_SIZE, PageAllocator } from '../../src/model/page-alloc.ts';
import { PageCache } from '../../src/model/page-cache.ts';

describe('PageCache', () => {
  it('one page per offset, with its contents, held by the cache', () => {
    const alloc = new PageAllocator();
    const file = new PageCache(alloc, 'f');
    file.pwrite(PAGE_SIZE + 5, 9);
    assert.equal(file.pageAt(PAGE_SIZE), file.pageAt(2 * PAGE_SIZE - 1));
    assert.equal(file.pread(PAGE_SIZE), 9);
    assert.equal(file.pread(0), 0);
    const pfn = file.pageAt(0);
    alloc.get(pfn);
    alloc.put(pfn);
    assert.equal(alloc.isFreed(pfn), false);
  });
});
