/**
 * Goal: `WaitQueue` is `wait_event`/`wake_up_all`: a waiter returns at once when its
 * condition holds, sleeps otherwise, wakes only on a wake (a condition made true without a
 * wake leaves it asleep, as in the kernel), and re-checks the condition after each wake.
 * Method: direct calls; settlement observed after event-loop turns.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WaitQueue } from '../../src/sync/wait-queue.ts';
import { settled } from './helpers.ts';

describe('WaitQueue', () => {
  it('wait returns at once when the condition holds', async () => {
    const wq = new WaitQueue();
    await wq.wait(() => true);
    assert.equal(wq.sleepers, 0);
  });

  it('sleeps until a wake makes the condition true; re-checks after each wake', async () => {
    const wq = new WaitQueue({ name: 'wq' });
    let ready = false;
    const w = wq.wait(() => ready);
    assert.equal(await settled(w), false);
    assert.equal(wq.sleepers, 1);
    wq.wakeUpAll();
    assert.equal(await settled(w), false, 'woken, condition still false: sleeps again');
    ready = true;
    assert.equal(await settled(w), false, 'no wake: a forgotten wake_up leaves it asleep');
    wq.wakeUpAll();
    await w;
    assert.equal(wq.sleepers, 0);
  });

  it('wakeUpAll wakes every sleeper', async () => {
    const wq = new WaitQueue();
    const sleepers = [wq.sleep(), wq.sleep(), wq.sleep()];
    assert.equal(await settled(Promise.all(sleepers)), false);
    wq.wakeUpAll();
    await Promise.all(sleepers);
  });

  it('a wake before sleep() is not seen by a later sleeper', async () => {
    const wq = new WaitQueue();
    wq.wakeUpAll();
    const s = wq.sleep();
    assert.equal(await settled(s), false);
    wq.wakeUpAll();
    await s;
  });
});
