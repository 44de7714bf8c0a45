/**
 * Issue 14: a deadlock names, for each waiting task, what it waits on and who holds it,
 * with the step and the place (file:line in the scenario) where the holder took it.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { check } from '../../src/check/check.ts';
import { HolderTable } from '../../src/check/holders.ts';
import { defineScenario } from '../../src/check/world.ts';

const HERE = /deadlock-holders\.test\.ts:\d+:\d+/.source;

describe('deadlock reports name the holders', () => {
  it('a task waiting on a lock it holds itself: "held by \'evict\' itself since step N (...)"', async () => {
    const scenario = defineScenario({
      name: 'self-deadlock',
      setup(world) {
        const mm = world.addressSpace({ core: 'typescript' });
        const drv = world.mutex('drv.lock');
        mm.insertInterval(0x1000, 0x1000, {
          async invalidate(sub, _range, curSeq) {
            await drv.lock(); // the bug: the caller below holds drv.lock
            sub.setSeq(curSeq);
            drv.unlock();
            return true;
          },
        });
        world.spawn('evict', async () => {
          await drv.lock();
          await using _ = await mm.invalidate({
            start: 0x1000,
            end: 0x2000,
            event: 'unmap',
            blockable: true,
          });
          drv.unlock();
        });
      },
    });
    const result = await check(scenario, { lockdep: false }); // lockdep would report it first (recursive locking)
    assert.equal(result.finding?.kind, 'deadlock');
    assert.match(
      result.finding.message,
      new RegExp(
        `^deadlock: no task can run: 'evict' waits at mutex\\.lock on drv\\.lock, held by 'evict' itself since step 1 \\(mutex\\.lock at .*${HERE}\\)$`,
      ),
    );
  });

  it('an ABBA deadlock names both waiters and both holders, with steps and places', async () => {
    const scenario = defineScenario({
      name: 'abba',
      setup(world) {
        const a = world.mutex('A');
        const b = world.rwsem('B');
        world.spawn('t1', async () => {
          await a.lock();
          await b.writeLock();
          b.writeUnlock();
          a.unlock();
        });
        world.spawn('t2', async () => {
          await b.readLock();
          await a.lock();
          a.unlock();
          b.readUnlock();
        });
      },
    });
    const result = await check(scenario, { lockdep: false }); // lockdep would report the ABBA order first
    assert.equal(result.finding?.kind, 'deadlock');
    const m = result.finding.message;
    assert.match(
      m,
      new RegExp(
        `'t1' waits at rwsem\\.down_write on B, held by 't2' since step \\d+ \\(rwsem\\.down_read at .*${HERE}\\)`,
      ),
    );
    assert.match(
      m,
      new RegExp(
        `'t2' waits at mutex\\.lock on A, held by 't1' since step \\d+ \\(mutex\\.lock at .*${HERE}\\)`,
      ),
    );
  });

  it('a trylock counts as a hold only when it succeeds; a wait with no holder says none', async () => {
    const scenario = defineScenario({
      name: 'trylock-then-wait',
      setup(world) {
        const m = world.mutex('m');
        const wq = world.waitQueue('never');
        world.spawn('taker', async () => {
          assert.ok(m.tryLock());
          await wq.wait(() => false);
        });
        world.spawn('loser', async () => {
          assert.equal(m.tryLock(), false);
          await m.lock();
        });
      },
    });
    const result = await check(scenario, { strategy: 'replay', schedule: 'v1:0.1' });
    assert.equal(result.finding?.kind, 'deadlock');
    assert.match(
      result.finding.message,
      new RegExp(
        `^deadlock: no task can run: 'taker' waits at wq\\.wait on never; 'loser' waits at mutex\\.lock on m, held by 'taker' since step 0 \\(mutex\\.trylock at .*${HERE}\\)$`,
      ),
    );
  });

  it('the table: shared holds are released newest first, by the releasing task', () => {
    const t = new HolderTable();
    const read = { kind: 'rwsem.down_read', obj: 7, write: false };
    const up = { kind: 'rwsem.up_read', obj: 7, write: true };
    t.resumed(read, 'a', 1, undefined);
    t.resumed(read, 'b', 2, undefined);
    t.resumed(read, 'a', 3, undefined);
    t.accessed(up, 'a', 4, undefined);
    assert.deepEqual(
      t.of(7).map((h) => [h.task, h.step]),
      [
        ['a', 1],
        ['b', 2],
      ],
    );
    t.accessed({ kind: 'rwsem.down_write_trylock', obj: 7, write: true }, 'c', 5, undefined);
    assert.equal(t.of(7).length, 2, 'a write trylock fails while readers hold it');
    t.accessed(up, 'a', 6, undefined);
    t.accessed(up, 'b', 7, undefined);
    assert.deepEqual(t.of(7), []);
  });
});
