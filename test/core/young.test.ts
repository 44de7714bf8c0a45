/**
 * Goal: the young-bit queries and the secondary TLB flush keep walking past a callback that
 * throws (every other notifier still clears its bits, or flushes its TLB), report
 * `callback-threw`, and then rethrow the error, as the invalidation walks do.
 * Method: two notifiers, the newest (walked first) throwing; counts of the other's calls.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MmuNotifierOps } from '../../src/core/ops.ts';
import { space } from './helpers.ts';

function boom(): never {
  throw new Error('boom');
}

describe('young queries and TLB flush: a callback that throws', () => {
  const cases: [
    string,
    MmuNotifierOps,
    MmuNotifierOps,
    (mm: ReturnType<typeof space>['mm']) => unknown,
  ][] = [];
  let calls = 0;
  const count = (): boolean => {
    calls++;
    return false;
  };
  cases.push([
    'clearFlushYoung',
    { clearFlushYoung: count },
    { clearFlushYoung: boom },
    (mm) => mm.clearFlushYoung(0, 4096),
  ]);
  cases.push([
    'clearYoung',
    { clearYoung: count },
    { clearYoung: boom },
    (mm) => mm.clearYoung(0, 4096),
  ]);
  cases.push(['testYoung', { testYoung: count }, { testYoung: boom }, (mm) => mm.testYoung(0)]);
  cases.push([
    'archInvalidateSecondaryTlbs',
    { archInvalidateSecondaryTlbs: () => void count() },
    { archInvalidateSecondaryTlbs: boom },
    (mm) => mm.archInvalidateSecondaryTlbs(0, 4096),
  ]);
  for (const [what, quiet, throwing, call] of cases) {
    it(`${what}: every other notifier still runs, then the error`, () => {
      const { mm, diagnostics } = space();
      calls = 0;
      mm.register(quiet, { name: 'quiet' });
      mm.register(throwing, { name: 'thrower' }); // the head: walked first
      assert.throws(() => call(mm), /boom/);
      assert.equal(calls, 1);
      assert.deepEqual(
        diagnostics.map((d) => [d.kind, d.subscriber]),
        [['callback-threw', 'thrower']],
      );
    });
  }

  it('two that throw: an AggregateError after the walk', () => {
    const { mm } = space();
    mm.register({ clearYoung: boom });
    mm.register({ clearYoung: boom });
    assert.throws(() => mm.clearYoung(0, 4096), AggregateError);
  });
  it('answers that are not booleans: numbers by truthiness, a Promise or other is not young', () => {
    const { mm, diagnostics } = space();
    const asyncAnswer = (() => Promise.resolve(true)) as unknown as () => boolean;
    const stringAnswer = (() => 'yes') as unknown as () => boolean;
    const numberAnswer = (() => 1) as unknown as () => boolean;
    mm.register({ clearYoung: asyncAnswer, testYoung: asyncAnswer }, { name: 'async' });
    assert.equal(mm.clearYoung(0, 4096), false);
    assert.equal(mm.testYoung(0), false);
    assert.deepEqual(
      diagnostics.map((d) => [d.kind, d.subscriber]),
      [
        ['sleep-in-nonblock', 'async'],
        ['sleep-in-nonblock', 'async'],
      ],
    );
    diagnostics.length = 0;
    mm.register({ clearFlushYoung: stringAnswer }, { name: 'string' });
    assert.equal(mm.clearFlushYoung(0, 4096), false);
    assert.deepEqual(
      diagnostics.map((d) => [d.kind, d.subscriber]),
      [['bad-return', 'string']],
    );
    mm.register({ clearFlushYoung: numberAnswer }, { name: 'number' });
    assert.equal(mm.clearFlushYoung(0, 4096), true);
  });
});
