/**
 * Goal: every monitor fires on the breakage it names, and stays quiet on a coherent state.
 * Method: a hand-made mirror whose mappings the test sets, against a real Mm.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MmuNotifierRange } from '../../src/core/range.ts';
import { StateError } from '../../src/errors.ts';
import type { Mirror, MirrorMapping } from '../../src/model/mirror.ts';
import { munmap, notifierRange } from '../../src/model/mm-ops.ts';
import {
  checkMirrorsEqualPrimary,
  checkNoFreedPfn,
  checkPairing,
  checkQuietInsideInvalidation,
} from '../../src/model/monitors.ts';
import { PAGE_SIZE } from '../../src/model/page-alloc.ts';
import { BASE, process } from './helpers.ts';

class FakeMirror implements Mirror {
  readonly name = 'fake';
  readonly attachEpoch = 0;
  maps: MirrorMapping[] = [];
  open = 0;
  mappings(): Iterable<MirrorMapping> {
    return this.maps;
  }
  isSubject(_range: MmuNotifierRange): boolean {
    return true;
  }
  openStarts(): number {
    return this.open;
  }
}

describe('monitors', () => {
  it('quiet while the mirror copies the primary', () => {
    const { mm } = process();
    const pfn = mm.populate(BASE, 1);
    const f = new FakeMirror();
    f.maps = [{ addr: BASE, pfn, writable: true }];
    assert.equal(checkNoFreedPfn(mm, [f]), true);
    assert.equal(checkMirrorsEqualPrimary(mm, [f]), true);
    assert.equal(checkQuietInsideInvalidation(mm, [f]), true);
    assert.equal(checkPairing(mm, [f]), true);
  });

  it('a freed pfn, a different pfn, a writable copy of a read-only PTE', async () => {
    const { mm } = process(2);
    const pfn = mm.populate(BASE, 1);
    const other = mm.populate(BASE + PAGE_SIZE, 1);
    const f = new FakeMirror();
    f.maps = [{ addr: BASE, pfn: other, writable: false }];
    assert.throws(() => checkMirrorsEqualPrimary(mm, [f]), /primary maps pfn/);
    mm.ptl.withLock(() => mm.setPte(BASE, { pfn, writable: false, young: true, dirty: false }));
    f.maps = [{ addr: BASE, pfn, writable: true }];
    assert.throws(() => checkMirrorsEqualPrimary(mm, [f]), StateError);
    f.maps = [{ addr: BASE, pfn, writable: false }];
    await munmap(mm, BASE, PAGE_SIZE);
    assert.throws(() => checkNoFreedPfn(mm, [f]), /freed/);
  });

  it('a mapping inside a started invalidation; the starting phase is allowed', async () => {
    const { mm } = process();
    const pfn = mm.populate(BASE, 1);
    const f = new FakeMirror();
    f.maps = [{ addr: BASE, pfn, writable: true }];
    const rec = await mm.invalidateStart(notifierRange(BASE, BASE + PAGE_SIZE, 'clear'), 'test');
    assert.throws(
      () => checkQuietInsideInvalidation(mm, [f]),
      /inside test's started invalidation/,
    );
    rec.phase = 'starting';
    assert.equal(checkQuietInsideInvalidation(mm, [f]), true);
    rec.phase = 'started';
    await mm.invalidateEnd(rec);
  });

  it('pairing: a start left open when nothing is in flight, or more ends than starts', () => {
    const { mm } = process();
    const f = new FakeMirror();
    f.open = 1;
    assert.throws(() => checkPairing(mm, [f]), /1 start\(s\) without an end/);
    f.open = -1;
    assert.throws(() => checkPairing(mm, [f]), /-1 start/);
  });
});
