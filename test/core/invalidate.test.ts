/**
 * Goal: `current`'s exact pairing in every failure case, the kernel's order (intervals,
 * then the list, newest notifier first), and the contract monitor's start/end diagnostics.
 * Method: recording notifiers with scripted answers; the log shows who got what.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EAGAIN } from '../../src/core/range.ts';
import { StateError } from '../../src/errors.ts';
import { range, recorder, space } from './helpers.ts';

describe('invalidate: exact pairing (current)', () => {
  it('calls starts newest first and ends exactly the started ones', () => {
    const { mm, diagnostics } = space();
    const log: string[] = [];
    const a = recorder(mm, 'A', log);
    const b = recorder(mm, 'B', log);
    const r = range(0, 4096, false);
    assert.equal(mm.invalidateRangeStartNonblock(r), 0);
    mm.invalidateRangeEnd(r);
    assert.deepEqual(log, ['start:B', 'start:A', 'end:B', 'end:A']);
    assert.equal(a.open + b.open, 0);
    assert.deepEqual(diagnostics, []);
  });

  it('on EAGAIN every start still runs, the started ones are ended, the failed one is not', () => {
    const { mm, diagnostics } = space();
    const log: string[] = [];
    const a = recorder(mm, 'A', log);
    const b = recorder(mm, 'B', log, { end: false });
    const c = recorder(mm, 'C', log);
    b.script = EAGAIN;
    assert.equal(mm.invalidateRangeStartNonblock(range(0, 10, false)), EAGAIN);
    assert.deepEqual(log, ['start:C', 'start:B', 'start:A', 'end:C', 'end:A']);
    assert.equal(a.open + c.open, 0);
    assert.deepEqual(diagnostics, []);
    assert.equal(mm.inFlightCount, 0);
  });

  it('a failing notifier that has an end gets no end and is reported', () => {
    const { mm, diagnostics } = space();
    const log: string[] = [];
    recorder(mm, 'A', log);
    const b = recorder(mm, 'B', log);
    b.script = EAGAIN;
    assert.equal(mm.invalidateRangeStartNonblock(range(0, 10, false)), EAGAIN);
    assert.deepEqual(log, ['start:B', 'start:A', 'end:A']);
    assert.deepEqual(
      diagnostics.map((d) => [d.kind, d.subscriber]),
      [['failing-start-with-end', 'B']],
    );
  });

  it('a bad return value is a failure and a bad-return diagnostic, passed through as ret', () => {
    const { mm, diagnostics } = space();
    const log: string[] = [];
    const b = recorder(mm, 'B', log, { end: false });
    b.script = -22;
    assert.equal(mm.invalidateRangeStartNonblock(range(0, 10, false)), -22);
    assert.deepEqual(
      diagnostics.map((d) => d.kind),
      ['bad-return'],
    );
  });

  it('a Promise in non-blockable mode is sleep-in-nonblock and a failure; its rejection is handled', async () => {
    const { mm, diagnostics } = space();
    const log: string[] = [];
    const a = recorder(mm, 'A', log);
    mm.register(
      { invalidateRangeStart: () => Promise.reject(new Error('late')) },
      { name: 'sleeper' },
    );
    assert.equal(mm.invalidateRangeStartNonblock(range(0, 10, false)), EAGAIN);
    assert.equal(a.open, 0);
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.deepEqual(
      diagnostics.map((d) => [d.kind, d.subscriber]),
      [
        ['sleep-in-nonblock', 'sleeper'],
        ['callback-threw', 'sleeper'],
      ],
    );
  });

  it('blockable: EAGAIN is fail-in-blockable; that one gets no end, the call succeeds', () => {
    const { mm, diagnostics } = space();
    const log: string[] = [];
    recorder(mm, 'A', log);
    const b = recorder(mm, 'B', log);
    b.script = EAGAIN;
    const r = range(0, 10, true);
    assert.equal(mm.invalidateRangeStart(r), undefined);
    mm.invalidateRangeEnd(r);
    assert.deepEqual(log, ['start:B', 'start:A', 'end:A']);
    assert.deepEqual(
      diagnostics.map((d) => d.kind),
      ['fail-in-blockable', 'failing-start-with-end'],
    );
  });

  it('blockable: async starts are awaited in order and the call returns a Promise', async () => {
    const { mm } = space();
    const log: string[] = [];
    const a = recorder(mm, 'A', log);
    const b = recorder(mm, 'B', log);
    b.script = { async: 0 };
    a.script = { async: EAGAIN };
    const r = range(0, 10, true);
    const p = mm.invalidateRangeStart(r);
    assert.ok(p instanceof Promise);
    assert.deepEqual(log, ['start:B']);
    await p;
    assert.deepEqual(log, ['start:B', 'start:A']);
    await mm.invalidateRangeEnd(r);
    assert.deepEqual(log, ['start:B', 'start:A', 'end:B']);
    assert.equal(a.open + b.open, 0);
  });

  it('a throw: pairing restored first, then the error reaches the invalidator', () => {
    const { mm, diagnostics } = space();
    const log: string[] = [];
    const a = recorder(mm, 'A', log);
    const b = recorder(mm, 'B', log);
    const c = recorder(mm, 'C', log);
    b.script = 'throw';
    assert.throws(() => mm.invalidateRangeStartNonblock(range(0, 10, false)), /B threw/);
    assert.deepEqual(log, ['start:C', 'start:B', 'start:A', 'end:C', 'end:A']);
    assert.equal(a.open + b.open + c.open, 0);
    assert.equal(mm.inFlightCount, 0);
    assert.deepEqual(
      diagnostics.map((d) => d.kind),
      ['callback-threw'],
    );
  });

  it('several throws become one AggregateError; blockable throws unwind too', async () => {
    const { mm } = space();
    const log: string[] = [];
    const a = recorder(mm, 'A', log);
    const b = recorder(mm, 'B', log);
    const c = recorder(mm, 'C', log);
    a.script = 'throw';
    c.script = 'throw';
    assert.throws(
      () => mm.invalidateRangeStart(range(0, 10, true)),
      (e: unknown) => e instanceof AggregateError && e.errors.length === 2,
    );
    assert.equal(b.open, 0);
    assert.deepEqual(log, ['start:C', 'start:B', 'start:A', 'end:B']);
  });

  it('a throw in an end: the other ends still run, then it is rethrown', () => {
    const { mm } = space();
    const log: string[] = [];
    const a = recorder(mm, 'A', log);
    mm.register(
      {
        invalidateRangeStart: () => 0,
        invalidateRangeEnd() {
          throw new Error('end threw');
        },
      },
      { name: 'X' },
    );
    const r = range(0, 10, false);
    assert.equal(mm.invalidateRangeStartNonblock(r), 0);
    assert.throws(() => mm.invalidateRangeEnd(r), /end threw/);
    assert.equal(a.open, 0);
    assert.equal(mm.inFlightCount, 0);
  });

  it('a notifier registered while a range is in flight gets no end for it', () => {
    const { mm } = space();
    const log: string[] = [];
    recorder(mm, 'A', log);
    const r = range(0, 10, false);
    assert.equal(mm.invalidateRangeStartNonblock(r), 0);
    recorder(mm, 'late', log);
    mm.invalidateRangeEnd(r);
    assert.deepEqual(log, ['start:A', 'end:A']);
  });
});

describe('invalidate: end diagnostics', () => {
  it('end-without-start and double-end are reported, nothing is called', () => {
    const { mm, diagnostics } = space();
    const log: string[] = [];
    recorder(mm, 'A', log);
    mm.invalidateRangeEnd(range(0, 10, false));
    const r = range(0, 10, false);
    mm.invalidateRangeStartNonblock(r);
    mm.invalidateRangeEnd(r);
    mm.invalidateRangeEnd(r);
    assert.deepEqual(
      diagnostics.map((d) => d.kind),
      ['end-without-start', 'double-end'],
    );
    assert.deepEqual(log, ['start:A', 'end:A']);
  });

  it('an end after EAGAIN is end-without-start', () => {
    const { mm, diagnostics } = space();
    const log: string[] = [];
    const b = recorder(mm, 'B', log, { end: false });
    b.script = EAGAIN;
    const r = range(0, 10, false);
    assert.equal(mm.invalidateRangeStartNonblock(r), EAGAIN);
    mm.invalidateRangeEnd(r);
    assert.deepEqual(
      diagnostics.map((d) => d.kind),
      ['end-without-start'],
    );
  });

  it('starting the same range object twice, or ending it while its start runs, is a StateError', async () => {
    const { mm } = space();
    const log: string[] = [];
    const a = recorder(mm, 'A', log);
    const r = range(0, 10, true);
    a.script = { async: 0 };
    const p = mm.invalidateRangeStart(r);
    assert.throws(() => mm.invalidateRangeStart(r), StateError);
    assert.throws(() => mm.invalidateRangeEnd(r), StateError);
    await p;
    await mm.invalidateRangeEnd(r);
    assert.equal(a.open, 0);
  });
});

describe('invalidate: a second end while the first is still running', () => {
  it('is a double-end; the first completes the pairing', async () => {
    const { mm, diagnostics } = space();
    let ends = 0;
    mm.register({
      invalidateRangeStart: () => 0,
      invalidateRangeEnd: async () => {
        await Promise.resolve();
        ends++;
      },
    });
    const r = range(0, 10, true);
    mm.invalidateRangeStart(r);
    const first = mm.invalidateRangeEnd(r);
    mm.invalidateRangeEnd(r);
    await first;
    assert.equal(ends, 1);
    assert.deepEqual(
      diagnostics.map((d) => d.kind),
      ['double-end'],
    );
  });
});

describe('invalidate(): await using', () => {
  it('pairs the end by construction', async () => {
    const { mm } = space();
    const log: string[] = [];
    const a = recorder(mm, 'A', log);
    {
      await using inv = await mm.invalidate(range(0, 10, false));
      assert.ok(inv.ok);
      assert.equal(a.open, 1);
    }
    assert.equal(a.open, 0);
    assert.deepEqual(log, ['start:A', 'end:A']);
  });

  it('a failed start owes no end; dispose does nothing; end() is idempotent', async () => {
    const { mm, diagnostics } = space();
    const log: string[] = [];
    const b = recorder(mm, 'B', log, { end: false });
    b.script = EAGAIN;
    const inv = await mm.invalidate(range(0, 10, false));
    assert.equal(inv.ok, false);
    assert.equal(inv.result, EAGAIN);
    await inv[Symbol.asyncDispose]();
    b.script = 0;
    const ok = await mm.invalidate(range(0, 10, true));
    await ok.end();
    await ok[Symbol.asyncDispose]();
    assert.equal(ok.ended, true);
    assert.deepEqual(diagnostics, []);
  });
});
