/**
 * Goal: the address space's lifetimes (register/unregister, get/put/synchronize, release),
 * the young queries, and every bad input of the issue: a typed error that names the
 * problem, with no state changed.
 * Method: direct calls; state compared before and after each rejected call.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AddressSpace, NOTIFIERS_MAX } from '../../src/core/address-space.ts';
import type { MmuNotifierOps } from '../../src/core/ops.ts';
import { ADDRESS_END, EAGAIN, type MmuNotifierRange } from '../../src/core/range.ts';
import {
  InvalidArgumentError,
  OverflowError,
  ReleasedError,
  StateError,
} from '../../src/errors.ts';
import { logged, range, recorder, space } from './helpers.ts';

function snapshot(mm: AddressSpace) {
  return [
    mm.notifierCount,
    mm.intervalCount,
    mm.inFlightCount,
    mm.invalidateSeq,
    mm.activeInvalidateRanges,
    mm.released,
  ];
}

describe('address space: bad input', () => {
  const badRanges: [string, unknown, RegExp][] = [
    [
      'start >= end',
      { start: 10, end: 10, event: 'unmap', blockable: false },
      /start must be < range.end/,
    ],
    [
      'NaN',
      { start: Number.NaN, end: 10, event: 'unmap', blockable: false },
      /range.start must be a safe integer/,
    ],
    ['negative', { start: -4096, end: 10, event: 'unmap', blockable: false }, /range.start/],
    ['non-integer', { start: 0, end: 10.5, event: 'unmap', blockable: false }, /range.end/],
    ['unsafe', { start: 0, end: 2 ** 53, event: 'unmap', blockable: false }, /range.end/],
    ['unknown event', { start: 0, end: 10, event: 'zap', blockable: false }, /range.event/],
    ['blockable not boolean', { start: 0, end: 10, event: 'unmap', blockable: 0 }, /blockable/],
    ['not an object', null, /range must be an object/],
  ];
  for (const [what, bad, message] of badRanges) {
    it(`range: ${what}`, () => {
      const { mm } = space();
      const log: string[] = [];
      recorder(mm, 'A', log);
      const before = snapshot(mm);
      const r = bad as MmuNotifierRange;
      assert.throws(() => mm.invalidateRangeStartNonblock(r), InvalidArgumentError);
      assert.throws(() => mm.invalidateRangeStart(r), message);
      assert.throws(() => mm.invalidateRangeEnd(r), InvalidArgumentError);
      assert.deepEqual(snapshot(mm), before);
      assert.deepEqual(log, []);
    });
  }

  it('range: blockable flag must match the entry point', () => {
    const { mm } = space();
    assert.throws(() => mm.invalidateRangeStart(range(0, 10, false)), /blockable must be true/);
    assert.throws(
      () => mm.invalidateRangeStartNonblock(range(0, 10, true)),
      /blockable must be false/,
    );
  });

  it('insertInterval: zero, negative, non-integer length; bad start; overflow', () => {
    const { mm } = space();
    const ops = { invalidate: () => true };
    assert.throws(() => mm.insertInterval(0, 0, ops), /length must be a safe integer > 0/);
    assert.throws(() => mm.insertInterval(0, -1, ops), InvalidArgumentError);
    assert.throws(() => mm.insertInterval(0, 1.5, ops), InvalidArgumentError);
    assert.throws(() => mm.insertInterval(Number.NaN, 10, ops), /start must be a safe integer/);
    assert.throws(() => mm.insertInterval(-1, 10, ops), InvalidArgumentError);
    assert.throws(() => mm.insertInterval(ADDRESS_END - 5, 10, ops), OverflowError);
    assert.equal(mm.intervalCount, 0);
    assert.equal(mm.invalidateSeq, 2);
  });

  it('ops that are not functions, or inconsistent tables', () => {
    const { mm } = space();
    const bad = { invalidateRangeStart: 42 } as unknown as MmuNotifierOps;
    assert.throws(() => mm.register(bad), /ops.invalidateRangeStart must be a function/);
    assert.throws(() => mm.register(null as unknown as MmuNotifierOps), /ops must be an object/);
    assert.throws(
      () => mm.register({ archInvalidateSecondaryTlbs() {}, invalidateRangeEnd() {} }),
      /cannot be combined/,
    );
    assert.throws(() => mm.get(bad), InvalidArgumentError);
    assert.throws(() => mm.insertInterval(0, 10, {}), /exactly one of invalidate/);
    assert.throws(
      () => mm.insertInterval(0, 10, { invalidate: 'yes' as unknown as () => boolean }),
      /ops.invalidate must be a function/,
    );
    assert.throws(() => mm.insertInterval(0, 10, { invalidateStart: () => true }), /go together/);
    assert.throws(() => mm.register({}, { name: '' }), /options.name/);
    assert.equal(mm.notifierCount, 0);
    assert.equal(mm.intervalCount, 0);
  });

  it('unregistering twice, or a foreign subscription', async () => {
    const { mm } = space();
    const other = new AddressSpace();
    const sub = mm.register({});
    const foreign = other.register({});
    await assert.rejects(mm.unregister(foreign), /not a notifier registered on/);
    assert.equal(other.notifierCount, 1);
    await mm.unregister(sub);
    await assert.rejects(mm.unregister(sub), StateError);
    assert.throws(() => mm.put(sub), StateError);
    await assert.rejects(mm.unregister({} as never), InvalidArgumentError);
  });

  it('interval removed twice', async () => {
    const { mm } = space();
    const sub = mm.insertInterval(0, 10, { invalidate: () => true });
    await sub.remove();
    await assert.rejects(sub.remove(), StateError);
  });

  it('setSeq with something that is not an odd curSeq', () => {
    const { mm } = space();
    const sub = mm.insertInterval(0, 10, { invalidate: () => true });
    assert.throws(() => sub.setSeq(4), InvalidArgumentError);
    assert.throws(() => sub.setSeq(Number.NaN), InvalidArgumentError);
  });

  it('using a released address space', async () => {
    const { mm } = space();
    await mm.release();
    const before = snapshot(mm);
    assert.throws(() => mm.register({}), ReleasedError);
    assert.throws(() => mm.get({}), ReleasedError);
    assert.throws(() => mm.insertInterval(0, 10, { invalidate: () => true }), ReleasedError);
    assert.throws(() => mm.invalidateRangeStartNonblock(range(0, 10, false)), ReleasedError);
    assert.throws(() => mm.invalidateRangeStart(range(0, 10, true)), ReleasedError);
    assert.throws(() => mm.clearYoung(0, 10), ReleasedError);
    await assert.rejects(mm.release(), ReleasedError);
    assert.deepEqual(snapshot(mm), before);
  });

  it('bad options', () => {
    assert.throws(() => new AddressSpace({ semantics: 'v4' as never }), /semantics must be one of/);
    assert.throws(() => new AddressSpace({ onDiagnostic: 1 as never }), InvalidArgumentError);
    assert.throws(() => new AddressSpace({ notifierUsersMax: 0 }), InvalidArgumentError);
    // Regression: a scheduler that is not one was a TypeError from deep inside the constructor.
    assert.throws(
      () => new AddressSpace({ scheduler: 5 as never }),
      /scheduler must be a Scheduler/,
    );
    assert.throws(() => new AddressSpace({ scheduler: {} as never }), InvalidArgumentError);
  });

  it('subscribe options that are not an object (regression: a TypeError)', () => {
    const { mm } = space();
    const nul = null as never;
    assert.throws(() => mm.register({}, nul), /register: options must be an object/);
    assert.throws(() => mm.get({}, nul), /get: options must be an object/);
    assert.throws(
      () => mm.insertInterval(0, 10, { invalidate: () => true }, nul),
      /insertInterval: options must be an object/,
    );
    assert.throws(() => mm.register({}, 'A' as never), InvalidArgumentError);
    assert.equal(mm.notifierCount, 0);
    assert.equal(mm.intervalCount, 0);
  });

  it('get on a full list: OverflowError before allocNotifier (regression: its data leaked)', () => {
    const { mm } = space();
    for (let i = 0; i < NOTIFIERS_MAX; i++) mm.register({});
    let allocs = 0;
    const ops: MmuNotifierOps<number> = { allocNotifier: () => ++allocs, freeNotifier() {} };
    assert.throws(() => mm.get(ops), OverflowError);
    assert.equal(allocs, 0);
    assert.equal(mm.notifierCount, NOTIFIERS_MAX);
  });
});

describe('address space: lifetimes', () => {
  it('unregister calls release once, unlinks, and waits for a walk that went async', async () => {
    const { mm } = space();
    const log: string[] = [];
    let finishStart: () => void = () => {};
    const sub = mm.register(
      {
        release: () => void log.push('release'),
        invalidateRangeStart: () =>
          new Promise<void>((resolve) => {
            finishStart = () => {
              log.push('start-done');
              resolve();
            };
          }),
      },
      { name: 'slow' },
    );
    const r = range(0, 10, true);
    const start = mm.invalidateRangeStart(r);
    let unregistered = false;
    const un = mm.unregister(sub).then(() => {
      unregistered = true;
      log.push('unregistered');
    });
    for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal(unregistered, false, 'waits for the grace period');
    finishStart();
    await start;
    await un;
    await mm.invalidateRangeEnd(r);
    assert.deepEqual(log, ['release', 'start-done', 'unregistered']);
    assert.equal(mm.notifierCount, 0);
  });

  it('release runs every release op, empties the list; unregister later does not call it again', async () => {
    const { mm, diagnostics } = space();
    let releases = 0;
    const sub = mm.register({ release: () => void releases++ });
    mm.register({ release: () => void releases++ });
    const open = range(0, 10, false);
    mm.invalidateRangeStartNonblock(open);
    await mm.release();
    assert.equal(releases, 2);
    assert.equal(mm.notifierCount, 0);
    assert.deepEqual(
      diagnostics.map((d) => d.kind),
      ['open-at-release'],
    );
    await mm.unregister(sub);
    assert.equal(releases, 2);
    mm.invalidateRangeEnd(open);
    assert.equal(mm.inFlightCount, 0);
  });

  it('get shares one subscription per ops; put frees after a grace period, without release', async () => {
    const { mm } = space();
    const log: string[] = [];
    const ops: MmuNotifierOps<{ id: number }> = {
      allocNotifier: () => ({ id: 7 }),
      freeNotifier: (sub) => void log.push(`free:${sub.data.id}`),
      release: () => void log.push('release'),
    };
    const a = mm.get(ops);
    const b = mm.get(ops);
    assert.equal(a, b);
    assert.equal(a.data.id, 7);
    assert.equal(mm.notifierCount, 1);
    mm.put(a);
    assert.equal(mm.notifierCount, 1);
    mm.put(b);
    assert.equal(mm.notifierCount, 0);
    assert.deepEqual(log, []);
    await mm.synchronize();
    assert.deepEqual(log, ['free:7']);
    assert.throws(() => mm.put(a), StateError);
  });

  it('get past the users limit is an OverflowError and changes nothing', () => {
    const { mm } = space({ notifierUsersMax: 2 });
    const ops: MmuNotifierOps = {};
    mm.get(ops);
    mm.get(ops);
    assert.throws(() => mm.get(ops), OverflowError);
    assert.equal(mm.notifierCount, 1);
  });

  it('a release op that throws: unregister still completes, then rethrows', async () => {
    const { mm, diagnostics } = space();
    const sub = mm.register({
      release() {
        throw new Error('release failed');
      },
    });
    await assert.rejects(mm.unregister(sub), /release failed/);
    assert.equal(mm.notifierCount, 0);
    assert.deepEqual(
      diagnostics.map((d) => d.kind),
      ['callback-threw'],
    );
  });
});

describe('address space: young queries and secondary TLBs', () => {
  it('clear(Flush)Young OR every answer; testYoung stops at the first young', () => {
    const { mm } = space();
    const calls: string[] = [];
    mm.register({
      clearFlushYoung: logged(calls, 'cfy-old', false),
      clearYoung: logged(calls, 'cy-old', false),
      testYoung: logged(calls, 'ty-old', false),
    });
    mm.register({
      clearFlushYoung: logged(calls, 'cfy-young', true),
      clearYoung: logged(calls, 'cy-young', true),
      testYoung: logged(calls, 'ty-young', true),
    });
    assert.equal(mm.clearFlushYoung(0, 10), true);
    assert.equal(mm.clearYoung(0, 10), true);
    assert.equal(mm.testYoung(0), true);
    assert.deepEqual(calls, ['cfy-young', 'cfy-old', 'cy-young', 'cy-old', 'ty-young']);
    assert.throws(() => mm.clearYoung(10, 0), InvalidArgumentError);
  });

  it('archInvalidateSecondaryTlbs reaches every notifier that has it', () => {
    const { mm } = space();
    const seen: number[][] = [];
    mm.register({
      archInvalidateSecondaryTlbs: (_s, _mm, start, end) => void seen.push([start, end]),
    });
    mm.archInvalidateSecondaryTlbs(4096, 8192);
    assert.deepEqual(seen, [[4096, 8192]]);
  });

  it('EAGAIN is -11, a value', () => {
    assert.equal(EAGAIN, -11);
  });
});
