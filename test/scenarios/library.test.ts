/**
 * Goal: every scenario of the library has the outcome it declares under its default options
 * (a finding, or clean with a complete search unless a bound is declared), and the library
 * has the shape the issue asks for (the seed, eight or more history pairs, everyday races,
 * the ported HMM selftests). Method: `check(entry.scenario, entry.defaults)` for each entry;
 * the small clean ones are also searched without reduction, to cross-check DPOR on the model.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { check } from '../../src/check/check.ts';
import { findScenario, scenarioLibrary } from '../../src/scenarios/index.ts';

/** Clean scenarios whose search without reduction stays this small are cross-checked. */
const UNREDUCED_SCHEDULES_MAX = 2_000;

describe('scenario library: every expectation holds', () => {
  for (const entry of scenarioLibrary) {
    it(`${entry.scenario.name} (${entry.expect})`, async () => {
      const result = await check(entry.scenario, entry.defaults);
      if (entry.expect === 'finding') {
        assert.equal(result.ok, false, `${entry.scenario.name}: expected a finding`);
        assert.ok(result.finding !== undefined && result.finding.trace.length > 0);
        return;
      }
      assert.equal(result.ok, true, `${entry.scenario.name}: ${result.finding?.message}`);
      const bounded =
        entry.defaults?.maxSchedules !== undefined || entry.defaults?.preemptionBound !== undefined;
      assert.ok(
        bounded || result.stats.complete,
        `${entry.scenario.name}: the search did not complete`,
      );
    });
  }
});

describe('scenario library: DPOR cross-check on the small clean scenarios', () => {
  for (const entry of scenarioLibrary.filter(
    (e) => e.expect === 'clean' && e.tags?.includes('everyday') !== true,
  )) {
    it(`${entry.scenario.name} without reduction`, async () => {
      const result = await check(entry.scenario, {
        ...entry.defaults,
        reduction: false,
        maxSchedules: UNREDUCED_SCHEDULES_MAX,
      });
      assert.equal(result.ok, true, result.finding?.message);
    });
  }
});

describe('scenario library: shape', () => {
  it('names are unique and every scenario describes itself', () => {
    const names = scenarioLibrary.map((e) => e.scenario.name);
    assert.equal(new Set(names).size, names.length);
    for (const e of scenarioLibrary)
      assert.ok((e.scenario.description ?? '').length > 20, e.scenario.name);
  });

  it('has the seed, eight or more history pairs, everyday races and HMM selftests', () => {
    assert.equal(findScenario('seed-2019')?.expect, 'finding');
    assert.equal(findScenario('seed-2019')?.defaults?.semantics, 'legacy-2019');
    const history = scenarioLibrary.filter((e) => e.tags?.includes('history'));
    const bases = new Set(history.map((e) => e.scenario.name.replace(/-(buggy|fixed)$/, '')));
    assert.ok(bases.size >= 8, `${bases.size} history pairs`);
    for (const base of bases) {
      assert.equal(findScenario(`${base}-buggy`)?.expect, 'finding', base);
      assert.equal(findScenario(`${base}-fixed`)?.expect, 'clean', base);
    }
    const everyday = scenarioLibrary
      .filter((e) => e.tags?.includes('everyday'))
      .map((e) => e.scenario.name);
    for (const op of [
      'munmap',
      'mprotect',
      'migrate',
      'exit',
      'unregister',
      'interval-insert',
      'interval-remove',
    ]) {
      assert.ok(everyday.includes(`everyday-${op}`), op);
    }
    for (const name of [
      'hmm-anon-read',
      'hmm-anon-write',
      'hmm-migrate',
      'hmm-anon-teardown',
      'hmm2-snapshot',
    ]) {
      assert.equal(findScenario(name)?.tags?.includes('hmm-selftest'), true, name);
    }
  });

  it('findScenario returns undefined for an unknown name', () => {
    assert.equal(findScenario('no-such-scenario'), undefined);
  });
});
