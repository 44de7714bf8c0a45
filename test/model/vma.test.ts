/**
 * Goal: VMAs never overlap, and munmap / mprotect split them at the edges. Method: a VmaList
 * driven directly.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from '../../src/errors.ts';
import { PAGE_SIZE } from '../../src/model/page-alloc.ts';
import { checkRange, VmaList } from '../../src/model/vma.ts';

const RW = { read: true, write: true };
const RO = { read: true, write: false };

describe('VmaList', () => {
  it('splits on remove and protect', () => {
    const vmas = new VmaList();
    vmas.insert(0, 4 * PAGE_SIZE, { prot: RW });
    vmas.remove(PAGE_SIZE, 2 * PAGE_SIZE);
    vmas.protect(3 * PAGE_SIZE, 4 * PAGE_SIZE, RO);
    assert.deepEqual(
      vmas.all.map((v) => [v.start / PAGE_SIZE, v.end / PAGE_SIZE, v.prot.write]),
      [
        [0, 1, true],
        [2, 3, true],
        [3, 4, false],
      ],
    );
    assert.equal(vmas.lookup(PAGE_SIZE), undefined);
    assert.equal(vmas.lookup(3 * PAGE_SIZE)?.prot.write, false);
  });

  it('refuses overlaps and unaligned ranges', () => {
    const vmas = new VmaList();
    vmas.insert(0, PAGE_SIZE, { prot: RW });
    assert.throws(() => vmas.insert(0, PAGE_SIZE, { prot: RW }), InvalidArgumentError);
    assert.throws(() => checkRange(1, PAGE_SIZE), InvalidArgumentError);
    assert.throws(() => checkRange(0, 0), InvalidArgumentError);
  });
});
