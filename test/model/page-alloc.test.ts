/**
 * Goal: the allocator counts references, frees at zero, never reuses a pfn, and refuses use
 * after free. Method: direct calls on the event-loop scheduler.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError, StateError } from '../../src/errors.ts';
import { PageAllocator } from '../../src/model/page-alloc.ts';

describe('PageAllocator', () => {
  it('frees a page at its last put and never hands its pfn out again', () => {
    const alloc = new PageAllocator();
    const pfn = alloc.alloc(42);
    alloc.get(pfn);
    assert.equal(alloc.put(pfn), false);
    assert.equal(alloc.read(pfn), 42);
    assert.equal(alloc.put(pfn), true);
    assert.equal(alloc.isFreed(pfn), true);
    assert.notEqual(alloc.alloc(), pfn);
    assert.equal(alloc.inUse, 1);
  });

  it('refuses to touch a freed page or an unknown pfn', () => {
    const alloc = new PageAllocator();
    const pfn = alloc.alloc();
    alloc.put(pfn);
    assert.throws(() => alloc.read(pfn), StateError);
    assert.throws(() => alloc.get(pfn), StateError);
    assert.throws(() => alloc.isFreed(999), InvalidArgumentError);
  });

  it('records device-private pages with their owner', () => {
    const alloc = new PageAllocator();
    const owner = {};
    const pfn = alloc.alloc(1, 'device-private', owner);
    assert.deepEqual(alloc.kindOf(pfn), { kind: 'device-private', owner });
  });
});
