/**
 * Goal: the in-flight table binds one record per range object, releases any record in O(1)
 * (its index in the open list) without losing the others, remembers ended ranges for the
 * double-end check, and reuses released records.
 * Method: direct calls on an `InFlightTable`, releasing records in every position.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IN_FLIGHT_MAX, InFlightTable } from '../../src/core/in-flight.ts';
import type { MmuNotifierRange } from '../../src/core/range.ts';
import { OverflowError, StateError } from '../../src/errors.ts';

function ranges(count: number): MmuNotifierRange[] {
  return Array.from({ length: count }, (_, i) => ({
    start: i * 0x1000,
    end: (i + 1) * 0x1000,
    event: 'unmap',
    blockable: false,
  }));
}

describe('InFlightTable', () => {
  it('releases a record in any position and keeps the others findable', () => {
    for (const victim of [0, 1, 2, 3]) {
      const table = new InFlightTable();
      const rs = ranges(4);
      const recs = rs.map((r) => table.acquire(r));
      table.release(recs[victim]!, true);
      assert.equal(table.open.length, 3);
      assert.equal(table.find(rs[victim]!), undefined);
      assert.ok(table.wasEnded(rs[victim]!));
      for (let i = 0; i < 4; i++) if (i !== victim) assert.equal(table.find(rs[i]!), recs[i]);
      // Each open record's index is where it sits now.
      for (const [i, rec] of table.open.entries()) assert.equal(rec.openAt, i);
      for (let i = 0; i < 4; i++) if (i !== victim) table.release(recs[i]!, false);
      assert.equal(table.open.length, 0);
      assert.ok(recs.every((rec) => rec.openAt === -1 && rec.state === 'idle'));
    }
  });

  it('ignores a second release and reuses pooled records', () => {
    const table = new InFlightTable();
    const [a, b] = ranges(2);
    const rec = table.acquire(a!);
    table.release(rec, false);
    table.release(rec, false);
    assert.equal(table.open.length, 0);
    assert.equal(table.wasEnded(a!), false);
    assert.equal(table.acquire(b!), rec);
    assert.equal(rec.openAt, 0);
  });

  it('refuses a range already in flight and more than IN_FLIGHT_MAX records', () => {
    const table = new InFlightTable();
    const rs = ranges(IN_FLIGHT_MAX + 1);
    table.acquire(rs[0]!);
    assert.throws(() => table.acquire(rs[0]!), StateError);
    for (let i = 1; i < IN_FLIGHT_MAX; i++) table.acquire(rs[i]!);
    assert.throws(() => table.acquire(rs[IN_FLIGHT_MAX]!), OverflowError);
    assert.equal(table.open.length, IN_FLIGHT_MAX);
  });
});
