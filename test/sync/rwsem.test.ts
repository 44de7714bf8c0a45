/**
 * Goal: `RwSemaphore` is `struct rw_semaphore`: many readers or one writer; trylocks
 * synchronous; unbalanced releases are LockStateErrors.
 * Method: direct calls; parking observed through settlement.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { check } from '../../src/check/check.ts';
import { defineScenario } from '../../src/check/world.ts';
import { LockStateError } from '../../src/errors.ts';
import { RwSemaphore } from '../../src/sync/rwsem.ts';
import { settled } from './helpers.ts';

describe('RwSemaphore', () => {
  it('readers share; a writer excludes readers and writers', async () => {
    const s = new RwSemaphore({ name: 'mmap_lock' });
    await s.readLock();
    await s.readLock();
    assert.equal(s.readers, 2);
    assert.equal(s.tryWriteLock(), false);
    const w = s.writeLock();
    assert.equal(await settled(w), false);
    s.readUnlock();
    assert.equal(await settled(w), false);
    s.readUnlock();
    await w;
    assert.equal(s.isWriteLocked, true);
    assert.equal(s.tryReadLock(), false);
    const r = s.readLock();
    assert.equal(await settled(r), false);
    s.writeUnlock();
    await r;
    assert.equal(s.readers, 1);
    s.readUnlock();
  });

  it('trylocks succeed on a free semaphore', () => {
    const s = new RwSemaphore();
    assert.equal(s.tryReadLock(), true);
    s.readUnlock();
    assert.equal(s.tryWriteLock(), true);
    s.writeUnlock();
  });

  it('unbalanced releases are LockStateErrors', () => {
    const s = new RwSemaphore();
    assert.throws(() => s.readUnlock(), LockStateError);
    assert.throws(() => s.writeUnlock(), LockStateError);
  });

  it('under the checker, up_read by a task that holds no read is a LockStateError', async () => {
    // The count alone would let t1 release t0's read: then whether t0's own up_read throws
    // would depend on the order of the two, and up_reads would not commute (architecture.md).
    const scenario = defineScenario({
      name: 'up-read-non-owner',
      setup(world) {
        const rw = world.rwsem('rw');
        world.spawn('t0', async () => {
          await rw.readLock();
          await world.yieldNow();
          rw.readUnlock();
        });
        world.spawn('t1', async () => {
          await world.yieldNow();
          rw.readUnlock();
        });
      },
    });
    const result = await check(scenario);
    assert.equal(result.finding?.kind, 'exception');
    assert.match(result.finding?.message ?? '', /up_read of 'rw' by a task that holds no read/);
  });
});
