/**
 * Goal: the interval walk and the two-pass extension (2026 proposal): intervals run before
 * the list, in start order; every finish returned runs exactly once, after every first
 * pass, in the order the starts ran, also on a non-blockable failure (before the unwind)
 * and at release; a throw stops the walk and is rethrown after the unwind.
 * Method: interval notifiers that log; the log is the oracle.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MmuIntervalNotifierOps } from '../../src/core/ops.ts';
import { EAGAIN } from '../../src/core/range.ts';
import { logged, range, space } from './helpers.ts';

function twoPass(log: string[], name: string, answer: 'finish' | boolean): MmuIntervalNotifierOps {
  return {
    invalidateStart(sub, _range, curSeq) {
      log.push(`start:${name}`);
      sub.setSeq(curSeq);
      return answer === 'finish' ? { name } : answer;
    },
    invalidateFinish(_sub, finish) {
      log.push(`finish:${(finish as { name: string }).name}`);
    },
  };
}

describe('itree walk', () => {
  it('runs intervals in start order, then the list', () => {
    const { mm } = space();
    const log: string[] = [];
    mm.register({ invalidateRangeStart: () => void log.push('list') });
    mm.insertInterval(300, 10, { invalidate: logged(log, 'c', true) });
    mm.insertInterval(100, 10, { invalidate: logged(log, 'a', true) });
    mm.insertInterval(200, 10, { invalidate: logged(log, 'b', true) });
    mm.insertInterval(900, 10, { invalidate: logged(log, 'miss', true) });
    const r = range(0, 400, false);
    mm.invalidateRangeStartNonblock(r);
    mm.invalidateRangeEnd(r);
    assert.deepEqual(log, ['a', 'b', 'c', 'list']);
  });

  it('two-pass: finishes after every first pass, in start order, once each', () => {
    const { mm, diagnostics } = space();
    const log: string[] = [];
    mm.insertInterval(100, 10, twoPass(log, 'a', 'finish'));
    mm.insertInterval(200, 10, twoPass(log, 'b', true));
    mm.insertInterval(300, 10, twoPass(log, 'c', 'finish'));
    const r = range(0, 400, false);
    assert.equal(mm.invalidateRangeStartNonblock(r), 0);
    mm.invalidateRangeEnd(r);
    assert.deepEqual(log, ['start:a', 'start:b', 'start:c', 'finish:a', 'finish:c']);
    assert.deepEqual(diagnostics, []);
  });

  it('two-pass: a non-blockable false runs the finishes already returned, then unwinds', () => {
    const { mm } = space();
    const log: string[] = [];
    mm.register({ invalidateRangeStart: () => void log.push('list') });
    mm.insertInterval(100, 10, twoPass(log, 'a', 'finish'));
    mm.insertInterval(200, 10, twoPass(log, 'b', false));
    mm.insertInterval(300, 10, twoPass(log, 'c', 'finish'));
    assert.equal(mm.invalidateRangeStartNonblock(range(0, 400, false)), EAGAIN);
    assert.deepEqual(log, ['start:a', 'start:b', 'finish:a']);
    assert.equal(mm.activeInvalidateRanges, 0);
    assert.equal(mm.invalidateSeq % 2, 0);
  });

  it('two-pass: blockable async finishes are awaited in order', async () => {
    const { mm } = space();
    const log: string[] = [];
    for (const [name, at] of [
      ['a', 100],
      ['b', 200],
    ] as const) {
      mm.insertInterval(at, 10, {
        invalidateStart: () => ({ name }),
        async invalidateFinish() {
          log.push(`finish:${name}:begin`);
          await Promise.resolve();
          log.push(`finish:${name}:done`);
        },
      });
    }
    const r = range(0, 400, true);
    await mm.invalidateRangeStart(r);
    mm.invalidateRangeEnd(r);
    assert.deepEqual(log, ['finish:a:begin', 'finish:a:done', 'finish:b:begin', 'finish:b:done']);
  });

  it('release runs the first passes and the finishes over the whole address space', async () => {
    const { mm } = space();
    const log: string[] = [];
    mm.insertInterval(100, 10, twoPass(log, 'a', 'finish'));
    mm.insertInterval(2 ** 40, 10, twoPass(log, 'b', 'finish'));
    await mm.release();
    assert.deepEqual(log, ['start:a', 'start:b', 'finish:a', 'finish:b']);
    assert.equal(mm.invalidateSeq % 2, 0);
  });

  it('a throwing interval stops the walk, finishes still run, then the error is rethrown', () => {
    const { mm, diagnostics } = space();
    const log: string[] = [];
    mm.insertInterval(100, 10, twoPass(log, 'a', 'finish'));
    mm.insertInterval(
      200,
      10,
      {
        invalidate() {
          throw new Error('boom');
        },
      },
      { name: 'x' },
    );
    mm.insertInterval(300, 10, twoPass(log, 'c', 'finish'));
    assert.throws(() => mm.invalidateRangeStart(range(0, 400, true)), /boom/);
    assert.deepEqual(log, ['start:a', 'finish:a']);
    assert.equal(mm.activeInvalidateRanges, 0);
    assert.deepEqual(
      diagnostics.map((d) => d.kind),
      ['callback-threw'],
    );
  });

  it('a non-boolean answer is a bad-return, taken by truthiness', () => {
    const { mm, diagnostics } = space();
    mm.insertInterval(0, 10, { invalidate: () => 1 as unknown as boolean }, { name: 'x' });
    const r = range(0, 10, false);
    assert.equal(mm.invalidateRangeStartNonblock(r), 0);
    mm.invalidateRangeEnd(r);
    assert.deepEqual(
      diagnostics.map((d) => d.kind),
      ['bad-return'],
    );
  });

  it('a Promise from a non-blockable interval is sleep-in-nonblock and a failure', () => {
    const { mm, diagnostics } = space();
    mm.insertInterval(0, 10, { invalidate: async () => true }, { name: 'x' });
    assert.equal(mm.invalidateRangeStartNonblock(range(0, 10, false)), EAGAIN);
    assert.deepEqual(
      diagnostics.map((d) => d.kind),
      ['sleep-in-nonblock'],
    );
  });
});
