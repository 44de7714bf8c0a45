/**
 * Goal: with `mmu_interval_read_begin`'s section a READ (docs/architecture.md, "Reads"), the
 * default search still reaches every outcome plain DFS reaches when a reader races an
 * invalidation whose `invalidate` callback writes the interval's seq (`setSeq`) under the
 * driver's lock, outside the core's: what the reader saw, and whether it had to retry.
 * The recording this relies on (read_begin's read of the interval's seq, on the object
 * `setSeq` writes) is checked directly in `test/core/core-state.test.ts`: this program does
 * not tell it apart (with the read unrecorded its outcomes are still all reached, through the
 * race of the core's sections and DFS's continue-first order; no small program that needs it
 * was found). Recording it cost `two-pass-multi-gpu` 7,142 -> 11,424 schedules
 * (docs/reduction-counts.md).
 * Method: a scenario through the differential's harness; equal outcome sets, both kinds
 * present.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineScenario } from '../../../src/check/world.ts';
import type { MmuNotifierRange } from '../../../src/core/range.ts';
import { exploreScenario } from './explore.ts';

const RANGE: MmuNotifierRange = { start: 0x1000, end: 0x2000, event: 'clear', blockable: true };

function scenario(onComplete: (outcome: string) => void) {
  return defineScenario({
    name: 'read-begin-vs-set-seq',
    setup(world) {
      const as = world.addressSpace({ name: 'mm', core: 'typescript' });
      const driver = world.mutex('driver');
      const pte = world.shared(1, 'pte');
      const sub = as.insertInterval(
        RANGE.start,
        RANGE.end - RANGE.start,
        {
          invalidate: async (s, _range, curSeq) => {
            await driver.lock();
            s.setSeq(curSeq);
            driver.unlock();
            return true;
          },
        },
        { name: 'dev' },
      );
      let saw = '';
      world.spawn('invalidator', async () => {
        await as.invalidateRangeStart(RANGE);
        await pte.store(2);
        await as.invalidateRangeEnd(RANGE);
      });
      world.spawn('reader', async () => {
        const seq = await sub.readBegin();
        const value = await pte.load();
        await driver.lock();
        saw = `${value}${sub.readRetry(seq) ? ' retry' : ''}`;
        driver.unlock();
      });
      world.finally(() => onComplete(saw));
    },
  });
}

describe('read_begin against setSeq', () => {
  it('the default search reaches what plain DFS reaches', async () => {
    const outcomes = async (reduction: boolean) => {
      const seen = new Set<string>();
      const run = await exploreScenario(
        scenario((o) => seen.add(o)),
        reduction,
        seen,
        () => '',
      );
      assert.ok(run.complete);
      return run.outcomes;
    };
    const plain = await outcomes(false);
    assert.ok(plain.includes('1 retry') && plain.includes('2'), plain.join(', '));
    assert.deepEqual(await outcomes(true), plain);
  });
});
