/**
 * Goal: `Mutex` is the kernel's `struct mutex`: exclusive, `lock()` parks while held,
 * `tryLock`/`unlock` synchronous, unlock of a free mutex is a LockStateError, `lock()` in
 * non-blockable context is a SleepInAtomicError.
 * Method: direct calls on the event-loop scheduler; parking observed through settlement.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LockStateError, SleepInAtomicError } from '../../src/errors.ts';
import { EventLoopScheduler } from '../../src/sched/scheduler.ts';
import { Mutex } from '../../src/sync/mutex.ts';
import { settled } from './helpers.ts';

describe('Mutex', () => {
  it('tryLock takes a free mutex and fails on a held one', () => {
    const m = new Mutex({ name: 'm' });
    assert.equal(m.tryLock(), true);
    assert.equal(m.isLocked, true);
    assert.equal(m.tryLock(), false);
    m.unlock();
    assert.equal(m.isLocked, false);
  });

  it('lock parks while held and takes it after unlock, one waiter at a time', async () => {
    const m = new Mutex();
    await m.lock();
    const order: string[] = [];
    const a = m.lock().then(() => order.push('a'));
    const b = m.lock().then(() => order.push('b'));
    assert.equal(await settled(a), false);
    m.unlock();
    await a;
    assert.equal(await settled(b), false, 'b still waits: a holds it');
    m.unlock();
    await b;
    assert.deepEqual(order, ['a', 'b']);
    m.unlock();
  });

  it('mutual exclusion under concurrent increments with a yield inside', async () => {
    const m = new Mutex();
    let inside = 0;
    let maxInside = 0;
    const worker = async () => {
      for (let i = 0; i < 20; i++) {
        await m.lock();
        inside++;
        maxInside = Math.max(maxInside, inside);
        await Promise.resolve();
        inside--;
        m.unlock();
      }
    };
    await Promise.all([worker(), worker(), worker()]);
    assert.equal(maxInside, 1);
  });

  it('unlock of a free mutex is a LockStateError', () => {
    assert.throws(() => new Mutex({ name: 'x' }).unlock(), LockStateError);
  });

  it('lock in non-blockable context is a SleepInAtomicError', async () => {
    const sched = new EventLoopScheduler();
    const m = new Mutex({ scheduler: sched });
    sched.nonBlockStart();
    const p = m.lock();
    sched.nonBlockEnd();
    await assert.rejects(p, SleepInAtomicError);
    assert.equal(m.isLocked, false);
  });
});
