/**
 * Goal: `Srcu` is `synchronize_srcu`: it waits for every read section that began before it
 * and for no section that began after; tokens must pair.
 * Method: direct calls; settlement observed after event-loop turns.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { check } from '../../src/check/check.ts';
import { defineScenario } from '../../src/check/world.ts';
import { LockStateError } from '../../src/errors.ts';
import { Srcu } from '../../src/sync/srcu.ts';
import { settled } from './helpers.ts';

describe('Srcu', () => {
  it('synchronize with no reader returns at once', async () => {
    const s = new Srcu();
    await s.synchronize();
  });

  it('waits for older readers, not for newer ones', async () => {
    const s = new Srcu({ name: 'srcu' });
    const old = s.readLock();
    const sync = s.synchronize();
    const young = s.readLock();
    assert.equal(s.readers, 2);
    assert.equal(await settled(sync), false);
    s.readUnlock(old);
    await sync;
    assert.equal(s.readers, 1);
    s.readUnlock(young);
  });

  it('read() holds a section across an async function', async () => {
    const s = new Srcu();
    let release: () => void = () => {};
    const reader = s.read(() => new Promise<void>((resolve) => (release = resolve)));
    const sync = s.synchronize();
    assert.equal(await settled(sync), false);
    release();
    await reader;
    await sync;
  });

  it('unlock with a token that has no open section is a LockStateError', () => {
    const s = new Srcu();
    assert.throws(() => s.readUnlock(7), LockStateError);
    const t = s.readLock();
    s.readUnlock(t);
    assert.throws(() => s.readUnlock(t), LockStateError);
  });

  it("under the checker, unlocking another task's section is a LockStateError", async () => {
    const scenario = defineScenario({
      name: 'srcu-unlock-non-owner',
      setup(world) {
        const srcu = world.srcu('s');
        let token = -1;
        world.spawn('t0', async () => {
          token = srcu.readLock();
          await world.yieldNow();
        });
        world.spawn('t1', async () => {
          await world.yieldNow();
          if (token >= 0) srcu.readUnlock(token);
        });
      },
    });
    const result = await check(scenario);
    assert.equal(result.finding?.kind, 'exception');
    assert.match(result.finding?.message ?? '', /srcu_read_unlock on 's' by a task with no open/);
  });
});
