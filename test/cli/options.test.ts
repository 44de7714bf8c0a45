import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkOptionsFrom,
  parseCount,
  parseDuration,
  parsePreemptionBound,
  parseSeed,
} from '../../src/cli/options.ts';
import { InvalidArgumentError } from '../../src/errors.ts';

describe('option parsers', () => {
  it('parse good values', () => {
    assert.equal(parseSeed('0'), 0);
    assert.equal(parseSeed(' 42 '), 42);
    assert.equal(parsePreemptionBound('2'), 2);
    assert.equal(parseCount('--max-steps')('500'), 500);
    assert.equal(parseDuration('250'), 250);
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('1.5s'), 1500);
    assert.equal(parseDuration('2m'), 120_000);
    // The limit the error text names is accepted as written (issue 14).
    assert.equal(parseDuration('24h'), 24 * 3_600_000);
    assert.equal(parseDuration('1h'), 3_600_000);
  });

  it('reject bad values with a one-line message naming what is expected', () => {
    const bad: [() => unknown, RegExp][] = [
      [() => parseSeed('abc'), /the seed must be an integer, got 'abc'/],
      [() => parseSeed('-1'), /between 0 and/],
      [() => parseSeed('1e3'), /integer/],
      [() => parseSeed('99999999999999999999'), /between/],
      [() => parsePreemptionBound('-1'), /preemption bound must be between 0 and 1000/],
      [() => parseCount('--max-schedules')('0'), /--max-schedules must be between 1/],
      [() => parseCount('--max-steps')('ten'), /--max-steps must be an integer/],
      [() => parseDuration('5d'), /duration like 500ms, 30s, 2m or 1h/],
      [() => parseDuration('25h'), /between 1ms and 24h/],
      [() => parseDuration('0'), /between 1ms and 24h/],
      [() => parseDuration('2000m'), /between 1ms and 24h/],
    ];
    for (const [f, message] of bad) {
      assert.throws(
        f,
        (e: unknown) =>
          e instanceof InvalidArgumentError && message.test(e.message) && !e.message.includes('\n'),
      );
    }
  });
});

describe('checkOptionsFrom', () => {
  it('lets the command line win over the scenario defaults, and maps names', () => {
    const options = checkOptionsFrom(
      { semantics: 'legacy-2019', seed: 3, timeLimit: 1000, maxSteps: 9 },
      { semantics: 'current', preemptionBound: 2 },
    );
    assert.deepEqual(options, {
      semantics: 'legacy-2019',
      preemptionBound: 2,
      seed: 3,
      maxSteps: 9,
      timeLimitMs: 1000,
    });
  });
});
