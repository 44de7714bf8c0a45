/**
 * The ops the sync primitives make once per instance are {@link PrimitiveOp}s (made by `new`,
 * no V8 allocation site to pretenure) with the fields the literals had: kind, object, read or
 * write, commuting, quiet, detail.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventLoopScheduler, type Op, PrimitiveOp } from '../../src/sched/scheduler.ts';
import { Mutex } from '../../src/sync/mutex.ts';
import { RwSemaphore } from '../../src/sync/rwsem.ts';
import { Shared } from '../../src/sync/shared.ts';
import { SpinLock } from '../../src/sync/spinlock.ts';
import { Srcu } from '../../src/sync/srcu.ts';
import { WaitQueue } from '../../src/sync/wait-queue.ts';

/** An event-loop scheduler that records every op it is given. */
class Recorder extends EventLoopScheduler {
  readonly ops: Op[] = [];
  override point(op: Op, ready?: () => boolean): Promise<void> {
    this.ops.push(op);
    return super.point(op, ready);
  }
  override access(op: Op): void {
    this.ops.push(op);
  }
}

/** `[kind, write, commutes, quiet, detail]` of each op recorded; each is a PrimitiveOp. */
function fields(r: Recorder): [string, boolean, boolean, boolean, string | undefined][] {
  return r.ops.map((op) => {
    assert.ok(op instanceof PrimitiveOp, `${op.kind} is a PrimitiveOp`);
    assert.equal(typeof op.name, 'string');
    return [op.kind, op.write, op.commutes === true, op.quiet === true, op.detail];
  });
}

test('PrimitiveOp sets every field: flags and detail default to false and undefined', () => {
  const plain = new PrimitiveOp('x.op', 3, true, 'x');
  assert.deepEqual(
    [plain.kind, plain.obj, plain.write, plain.name, plain.commutes, plain.quiet, plain.detail],
    ['x.op', 3, true, 'x', false, false, undefined],
  );
  const both = new PrimitiveOp('x.op', 3, false, 'x', 3, 'why');
  assert.deepEqual([both.commutes, both.quiet, both.detail], [true, true, 'why']);
});

test('mutex and spin lock ops: lock, trylock (taken and failed), unlock, is_locked', async () => {
  const r = new Recorder();
  const m = new Mutex({ scheduler: r, name: 'm' });
  await m.lock();
  assert.equal(m.tryLock(), false);
  assert.equal(m.isLocked, true);
  m.unlock();
  assert.equal(m.tryLock(), true);
  m.unlock();
  const s = new SpinLock({ scheduler: r, name: 's' });
  s.lock();
  assert.equal(s.isLocked, true);
  s.unlock();
  assert.ok(r.ops.every((op) => op.obj === m.id || op.obj === s.id));
  assert.deepEqual(fields(r), [
    ['mutex.lock', true, false, false, undefined],
    ['mutex.trylock', false, false, false, 'failed'],
    ['mutex.is_locked', false, false, true, undefined],
    ['mutex.unlock', true, false, false, undefined],
    ['mutex.trylock', true, false, false, undefined],
    ['mutex.unlock', true, false, false, undefined],
    ['spin.lock', true, false, false, undefined],
    ['spin.is_locked', false, false, true, undefined],
    ['spin.unlock', true, false, false, undefined],
  ]);
});

test('rwsem ops: readers commute, failed trylocks are reads with detail, is_locked is quiet', async () => {
  const r = new Recorder();
  const sem = new RwSemaphore({ scheduler: r, name: 'sem' });
  await sem.readLock();
  assert.equal(sem.tryWriteLock(), false);
  assert.equal(sem.isLocked, true);
  sem.readUnlock();
  await sem.writeLock();
  assert.equal(sem.tryReadLock(), false);
  sem.writeUnlock();
  assert.equal(sem.tryReadLock(), true);
  sem.readUnlock();
  assert.equal(sem.tryWriteLock(), true);
  sem.writeUnlock();
  assert.deepEqual(fields(r), [
    ['rwsem.down_read', true, true, false, undefined],
    ['rwsem.down_write_trylock', false, false, false, 'failed'],
    ['rwsem.is_locked', false, false, true, undefined],
    ['rwsem.up_read', true, true, false, undefined],
    ['rwsem.down_write', true, false, false, undefined],
    ['rwsem.down_read_trylock', false, false, false, 'failed'],
    ['rwsem.up_write', true, false, false, undefined],
    ['rwsem.down_read_trylock', true, true, false, undefined],
    ['rwsem.up_read', true, true, false, undefined],
    ['rwsem.down_write_trylock', true, false, false, undefined],
    ['rwsem.up_write', true, false, false, undefined],
  ]);
});

test('shared cell, wait queue and SRCU ops', async () => {
  const r = new Recorder();
  const cell = new Shared(1, { scheduler: r, name: 'c' });
  await cell.load();
  await cell.store(2);
  assert.equal(cell.value, 2);
  const wq = new WaitQueue({ scheduler: r, name: 'wq' });
  assert.equal(wq.sleepers, 0);
  const srcu = new Srcu({ scheduler: r, name: 'srcu' });
  srcu.readUnlock(srcu.readLock());
  assert.equal(srcu.readers, 0);
  const seen = fields(r);
  for (const want of [
    ['cell.load', false, false, false, undefined],
    ['cell.store', true, false, false, undefined],
    ['cell.value', false, false, true, undefined],
    ['wq.sleepers', false, false, true, undefined],
    ['srcu.read_lock', true, true, false, undefined],
    ['srcu.read_unlock', true, true, false, undefined],
    ['srcu.readers', false, false, true, undefined],
  ]) {
    assert.ok(
      seen.some((f) => JSON.stringify(f) === JSON.stringify(want)),
      `recorded ${JSON.stringify(want)}: ${JSON.stringify(seen)}`,
    );
  }
});
