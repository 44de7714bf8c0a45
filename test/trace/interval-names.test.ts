/**
 * Issue 14: the traces name interval operations (`readBegin`, `readRetry`, `setSeq`,
 * insert, remove, with the seq values) in the text trace, the Chrome trace and the ftrace
 * text, so that the traces of two different interval bugs no longer look the same.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { check } from '../../src/check/check.ts';
import { defineScenario } from '../../src/check/world.ts';
import { findScenario } from '../../src/scenarios/index.ts';
import { toChromeTrace } from '../../src/trace/chrome-trace.ts';
import { toFtrace } from '../../src/trace/ftrace.ts';
import { formatTrace } from '../../src/trace/text.ts';

async function found(name: string) {
  const entry = findScenario(name);
  assert.ok(entry !== undefined, name);
  const result = await check(entry.scenario, entry.defaults ?? {});
  assert.ok(result.finding !== undefined, name);
  return result;
}

describe('interval operations in traces', () => {
  it('the text trace names them with their seq values, and tells two bugs apart', async () => {
    const setSeq = formatTrace((await found('amdgpu-interval-set-seq-buggy')).finding!.trace, {
      max: 1000,
    });
    const retryLock = formatTrace(
      (await found('amdgpu-interval-retry-lock-buggy')).finding!.trace,
      { max: 1000 },
    );
    for (const text of [setSeq, retryLock]) {
      assert.match(text, /mn\.lock mm\.lock {2}mmu_interval_notifier_insert/);
      assert.match(text, /· interval\.insert gpu {2}\[0x0, 0x800000000000\) seq 1/);
      assert.match(text, /mn\.lock mm\.lock {2}mmu_interval_read_begin/);
      assert.match(text, /· interval\.read_begin gpu {2}seq 1/);
      assert.match(text, /mn\.lock mm\.lock {2}mn_itree_inv_start_range/);
      assert.match(text, /· interval\.read_retry gpu {2}seq 1: ok/);
    }
    // The missing setSeq shows as its absence; the retry outside the lock as a setSeq after it.
    assert.doesNotMatch(setSeq, /interval\.set_seq/);
    assert.match(retryLock, /· interval\.set_seq gpu {2}seq 3 \(was 1\)/);
    assert.notEqual(setSeq, retryLock);
  });

  it('a collision shows as `retry`, a remove during an invalidation as deferred', async () => {
    const scenario = defineScenario({
      name: 'collide',
      setup(world) {
        const mm = world.addressSpace({ core: 'typescript' });
        const lock = world.mutex('drv.lock');
        const sub = mm.insertInterval(0x1000, 0x1000, {
          invalidate(s, _range, curSeq) {
            if (!lock.tryLock()) return false;
            s.setSeq(curSeq);
            lock.unlock();
            return true;
          },
        });
        world.spawn('fault', async () => {
          const seq = await sub.readBegin();
          await world.yieldNow();
          await lock.lock();
          sub.readRetry(seq);
          lock.unlock();
          await sub.remove();
        });
        world.spawn('unmap', async () => {
          await using _ = await mm.invalidate({
            start: 0,
            end: 0x10000,
            event: 'unmap',
            blockable: true,
          });
        });
      },
    });
    const replay = await check(scenario, { strategy: 'replay', schedule: 'v1:0.0.1.0' });
    const text = formatTrace(replay.trace ?? [], { max: 1000 });
    assert.match(text, /· interval\.read_retry interval#1 {2}seq 1, now 3: retry/);
    assert.match(text, /· interval\.set_seq interval#1 {2}seq 3 \(was 1\)/);
    assert.match(text, /· interval\.remove interval#1 {2}(unlinked|deferred, waits)/);
  });

  it('the Chrome trace and the ftrace text carry them too', async () => {
    const result = await found('amdgpu-interval-retry-lock-buggy');
    const names = new Set(toChromeTrace(result).traceEvents.map((e) => e.name));
    for (const name of ['insert gpu', 'readBegin gpu', 'readRetry gpu', 'setSeq gpu']) {
      assert.ok(names.has(name), `${name} in ${[...names].join(', ')}`);
    }
    const ftrace = toFtrace(result);
    assert.match(ftrace, /: interval_read_begin: gpu seq 1\n/);
    assert.match(ftrace, /: interval_set_seq: gpu seq 3 \(was 1\)\n/);
    assert.match(ftrace, /: mn_lock: mm\.lock mmu_interval_read_begin\n/);
  });
});
