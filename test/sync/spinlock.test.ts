/**
 * Goal: `SpinLock` catches what the kernel's lockdep and might_sleep catch: taking it twice,
 * holding it across an await, sleeping while holding it.
 * Method: direct calls; the across-await detector is observed after a microtask turn.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LockStateError, SleepInAtomicError } from '../../src/errors.ts';
import { EventLoopScheduler } from '../../src/sched/scheduler.ts';
import { Mutex } from '../../src/sync/mutex.ts';
import { SpinLock } from '../../src/sync/spinlock.ts';

describe('SpinLock', () => {
  it('lock/unlock in one synchronous section; withLock returns the value', () => {
    const s = new SpinLock({ name: 's' });
    s.lock();
    assert.equal(s.isLocked, true);
    s.unlock();
    assert.equal(
      s.withLock(() => 42),
      42,
    );
    assert.equal(s.isLocked, false);
  });

  it('withLock with an async fn is a LockStateError (regression: its tail ran unlocked)', async () => {
    const s = new SpinLock({ name: 's' });
    let tailLocked: boolean | undefined;
    assert.throws(
      () =>
        s.withLock(async () => {
          await Promise.resolve();
          tailLocked = s.isLocked;
        }),
      /withLock of spin lock 's': fn returned a Promise/,
    );
    assert.equal(s.isLocked, false);
    for (let i = 0; i < 3; i++) await Promise.resolve(); // the fn's tail runs
    assert.equal(tailLocked, false); // why it must be refused: the section was not protected
  });

  it('taking it twice is a LockStateError', () => {
    const s = new SpinLock();
    s.lock();
    assert.throws(() => s.lock(), LockStateError);
    s.unlock();
  });

  it('unlock of a free spin lock is a LockStateError', () => {
    assert.throws(() => new SpinLock().unlock(), LockStateError);
  });

  it('held across an await: unlock releases it and throws', async () => {
    const sched = new EventLoopScheduler();
    const s = new SpinLock({ scheduler: sched });
    s.lock();
    await Promise.resolve();
    await Promise.resolve();
    assert.throws(() => s.unlock(), /held across an await/);
    assert.equal(s.isLocked, false);
    assert.equal(sched.atomicDepth, 0);
  });

  it('sleeping while holding it is a SleepInAtomicError', async () => {
    const sched = new EventLoopScheduler();
    const s = new SpinLock({ scheduler: sched });
    const m = new Mutex({ scheduler: sched });
    s.lock();
    const p = m.lock();
    s.unlock();
    await assert.rejects(p, SleepInAtomicError);
  });
  it('a synchronous loop of many lock/unlock pairs queues one check and flags nothing', async () => {
    const sched = new EventLoopScheduler();
    const s = new SpinLock({ scheduler: sched });
    for (let i = 0; i < 100_000; i++) {
      s.lock();
      s.unlock();
    }
    await Promise.resolve();
    s.lock();
    s.unlock();
    assert.equal(sched.atomicDepth, 0);
  });

  it('held across an await in a later section after a clean one is still caught', async () => {
    const s = new SpinLock({ scheduler: new EventLoopScheduler() });
    s.lock();
    s.unlock();
    await Promise.resolve();
    s.lock();
    await Promise.resolve();
    assert.throws(() => s.unlock(), /held across an await/);
  });
});
