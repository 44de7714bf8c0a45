/**
 * Goal: the primary MMU's fault paths (anonymous, shared file, private file, write upgrade in
 * place) and get_user_pages' reference. Method: an Mm on the event loop.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StateError } from '../../src/errors.ts';
import { EFAULT } from '../../src/model/errno.ts';
import { PAGE_SIZE } from '../../src/model/page-alloc.ts';
import { PageCache } from '../../src/model/page-cache.ts';
import { BASE, process } from './helpers.ts';

describe('handleMmFault / getUserPage', () => {
  it('faults anonymous pages in, and upgrades a read-only PTE in place on write', async () => {
    const { mm } = process();
    await mm.mmapLock.readLock();
    const pfn = await mm.handleMmFault(BASE, false);
    assert.ok(pfn > 0);
    assert.equal(await mm.handleMmFault(BASE, true), pfn);
    assert.equal(mm.peekPte(BASE)?.dirty, true);
    assert.equal(await mm.handleMmFault(BASE + 8 * PAGE_SIZE, false), EFAULT);
    mm.mmapLock.readUnlock();
  });
  it('refuses a fault without mmap_lock', async () => {
    const { mm } = process();
    await assert.rejects(mm.handleMmFault(BASE, false), StateError);
  });
  it('maps shared file pages from the page cache and copies private ones', async () => {
    const { mm } = process();
    const file = new PageCache(mm.alloc, 'f');
    file.pwrite(0, 5);
    mm.mmap(BASE + PAGE_SIZE, PAGE_SIZE, { prot: { read: true, write: true }, shared: true, file });
    mm.mmap(BASE + 2 * PAGE_SIZE, PAGE_SIZE, { prot: { read: true, write: true }, file });
    await mm.mmapLock.readLock();
    assert.equal(await mm.handleMmFault(BASE + PAGE_SIZE, false), file.pageAt(0));
    const copy = await mm.handleMmFault(BASE + 2 * PAGE_SIZE, true);
    assert.notEqual(copy, file.pageAt(0));
    assert.equal(mm.alloc.read(copy), 5);
    mm.mmapLock.readUnlock();
  });
  it('getUserPage returns a page with a reference the caller drops', async () => {
    const { mm } = process();
    const pfn = await mm.getUserPage(BASE, true);
    assert.equal(mm.alloc.refcount(pfn), 2);
    mm.alloc.put(pfn);
    assert.equal(mm.mmapLock.readers, 0);
  });
});
