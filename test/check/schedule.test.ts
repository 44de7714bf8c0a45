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

  it('folds a long schedule into run lengths (v2), which round-trips', () => {
    const pingPong = Array.from({ length: 3000 }, () => [0, 1]).flat();
    const spin = [0, 1, ...Array<number>(9990).fill(2), ...pingPong];
    const text = encodeSchedule({ choices: spin, seed: 3 });
    assert.equal(text, 'v2:0.1.2*9990.(0.1)*3000;seed=3');
    assert.deepEqual(decodeSchedule(text), { choices: spin, seed: 3 });
    // Short schedules stay v1, and a long one that does not fold stays v1 too.
    assert.equal(encodeSchedule({ choices: [0, 0, 0], seed: 0 }), 'v1:0.0.0');
    const mixed = Array.from({ length: 60 }, (_, i) => i % 30); // no run, period > PERIOD_MAX
    assert.match(encodeSchedule({ choices: mixed, seed: 0 }), /^v1:/);
  });

  it('round-trips repetitive schedules through v2', () => {
    const block = fc.record({
      body: fc.array(fc.integer({ min: 0, max: TASKS_MAX - 1 }), { minLength: 1, maxLength: 5 }),
      times: fc.integer({ min: 1, max: 60 }),
    });
    fc.assert(
      fc.property(fc.array(block, { maxLength: 12 }), (blocks) => {
        const choices = blocks.flatMap(({ body, times }) =>
          Array.from({ length: times }, () => body).flat(),
        );
        const text = encodeSchedule({ choices, seed: 0 });
        assert.ok(text.length <= 3 + 3 * choices.length, text);
        assert.deepEqual(decodeSchedule(text), { choices, seed: 0 });
      }),
      { seed: 0x5eed, numRuns: 300 },
    );
  });

  it('decodes v1 and v2 alike', () => {
    assert.deepEqual(decodeSchedule('v2:0.1*2.2'), decodeSchedule('v1:0.1.1.2'));
    assert.deepEqual(decodeSchedule('v2:2.(0.1)*3;seed=7'), {
      choices: [2, 0, 1, 0, 1, 0, 1],
      seed: 7,
    });
    assert.deepEqual(decodeSchedule('v2:'), { choices: [], seed: 0 });
  });

  it('refuses malformed strings', () => {
    for (const bad of [
      '0.1.2',
      'v3:0.1',
      'v2:0*1',
      'v2:0*x',
      'v2:(0.1)*1',
      'v2:((0)*2)*2',
      'v2:(0.1*2',
      'v2:0.1)*2',
      'v2:(0)*2)',
      'v2:99',
      'v2:0*1000001',
      'v2:(0.1)*600000',
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
