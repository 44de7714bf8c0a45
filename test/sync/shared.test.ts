/**
 * Goal: `Shared` cells: `load`/`store` are scheduling points that read and write the value;
 * `value` and `set` do so without a point, recording an access for the checker.
 * Method: a recording scheduler wrapped around the event loop.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventLoopScheduler, type Op } from '../../src/sched/scheduler.ts';
import { Shared } from '../../src/sync/shared.ts';

class Recording extends EventLoopScheduler {
  readonly ops: string[] = [];
  override point(op: Op, ready?: () => boolean): Promise<void> {
    this.ops.push(`point:${op.kind}`);
    return super.point(op, ready);
  }
  override access(op: Op): void {
    this.ops.push(`access:${op.kind}`);
  }
}

describe('Shared', () => {
  it('load/store are points; set is an access; value is a recorded read without a point', async () => {
    const sched = new Recording();
    const cell = new Shared(1, { scheduler: sched, name: 'count' });
    assert.equal(await cell.load(), 1);
    await cell.store(2);
    assert.equal(cell.value, 2);
    cell.set(3);
    assert.equal(cell.value, 3);
    assert.deepEqual(sched.ops, [
      'point:cell.load',
      'point:cell.store',
      'access:cell.value',
      'access:cell.store',
      'access:cell.value',
    ]);
  });
});
