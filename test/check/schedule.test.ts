/**
 * Goal: a schedule string round-trips, and malformed strings are refused with a diagnosis.
 * Method: fast-check over choice lists and seeds; hand-picked bad strings.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { TASKS_MAX } from '../../src/check/limits.ts';
import { decodeSchedule, encodeSchedule } from '../../src/check/schedule.ts';
import { InvalidArgumentError } from '../../src/errors.ts';

describe('schedule encoding', () => {
  it('round-trips every schedule', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: TASKS_MAX - 1 }), { maxLength: 200 }),
        fc.integer({ min: -1e9, max: 1e9 }),
        (choices, seed) => {
          const text = encodeSchedule({ choices, seed });
          assert.deepEqual(decodeSchedule(text), { choices, seed });
        },
      ),
      { seed: 0x5eed, numRuns: 300 },
    );
  });

  it('is compact and versioned', () => {
    assert.equal(encodeSchedule({ choices: [0, 1, 1, 2], seed: 0 }), 'v1:0.1.1.2');
    assert.equal(encodeSchedule({ choices: [0, 1], seed: 7 }), 'v1:0.1;seed=7');
    assert.equal(encodeSchedule({ choices: [], seed: 0 }), 'v1:');
  });

  it('refuses malformed strings', () => {
    for (const bad of [
      '0.1.2',
      'v2:0.1',
      'v1:0..1',
      'v1:a',
      'v1:0.99',
      'v1:0;x=1',
      'v1:1;seed=x',
    ]) {
      assert.throws(() => decodeSchedule(bad), InvalidArgumentError, bad);
    }
    // Regression: a non-string was a TypeError from inside the parser.
    for (const bad of [42, null, undefined, { choices: [] }]) {
      assert.throws(() => decodeSchedule(bad as never), /schedule must be a string/);
    }
  });

  it('names a bad seed as a bad seed, not as an unknown suffix (issue 14)', () => {
    assert.throws(() => decodeSchedule('v1:0.0;seed=abc'), /seed 'abc' is not an integer/);
    assert.throws(() => decodeSchedule('v1:0.0;seed=99999999999999999999'), /not a safe integer/);
    assert.throws(() => decodeSchedule('v1:0;x=1'), /unknown suffix 'x=1'/);
    assert.equal(decodeSchedule('v1:0;seed=-3').seed, -3);
  });

  it('refuses to encode what it could not decode (regression: it printed e.g. v1:-1.1.5)', () => {
    for (const bad of [
      { choices: [-1], seed: 0 },
      { choices: [1.5], seed: 0 },
      { choices: [TASKS_MAX], seed: 0 },
      { choices: [0], seed: Number.NaN },
      { choices: [0], seed: 2 ** 53 },
      { choices: 'x', seed: 0 },
      null,
    ]) {
      assert.throws(() => encodeSchedule(bad as never), InvalidArgumentError, JSON.stringify(bad));
    }
  });
});
