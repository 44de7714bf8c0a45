/**
 * Goal: every finding replays exactly, and minimization never makes a schedule worse than
 * documented: never more preemptions than the search's own finding, and, at equal
 * preemptions, never more steps (README, "The checker": fewest preemptions, then fewest
 * steps).
 * Method: the random programs of the differential (`program.ts`) that have a finding under
 * the default search, and every library scenario that expects one; each checked with and
 * without minimization, and its minimized schedule replayed.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { check, type Scenario } from '../../../src/index.ts';
import { scenarioLibrary } from '../../../src/scenarios/index.ts';
import { generate, print } from './program.ts';
import { toScenario } from './run-program.ts';

const PROGRAMS = Number(process.env['MMU_DIFF_FINDINGS'] ?? 150);

async function replaysAndShrinks(scenario: Scenario, options: object, label: string) {
  const raw = await check(scenario, { ...options, minimize: false });
  if (raw.finding === undefined) return false;
  const min = await check(scenario, options);
  assert.ok(min.finding, `${label}: minimization lost the finding`);
  assert.equal(min.finding.kind, raw.finding.kind, label);
  assert.ok(min.finding.preemptions <= raw.finding.preemptions, `${label}: more preemptions`);
  if (min.finding.preemptions === raw.finding.preemptions)
    assert.ok(min.finding.step <= raw.finding.step, `${label}: more steps`);
  for (const finding of [raw.finding, min.finding]) {
    const replay = await check(scenario, {
      ...options,
      strategy: 'replay',
      schedule: finding.schedule,
    });
    assert.deepEqual(
      { kind: replay.finding?.kind, message: replay.finding?.message, step: replay.finding?.step },
      { kind: finding.kind, message: finding.message, step: finding.step },
      `${label}: ${finding.schedule} does not replay`,
    );
  }
  return true;
}

describe('findings replay, and minimization keeps its promise', () => {
  it(`random programs with a finding (of ${PROGRAMS})`, async () => {
    let found = 0;
    for (let seed = 0; seed < PROGRAMS; seed++) {
      const program = generate(seed, 8);
      const { scenario } = toScenario(program, () => {});
      if (await replaysAndShrinks(scenario, {}, `seed ${seed}:\n${print(program)}`)) found++;
    }
    assert.ok(found >= PROGRAMS / 10, `only ${found} programs had a finding`);
  });

  for (const entry of scenarioLibrary.filter((e) => e.expect === 'finding')) {
    it(`library: ${entry.scenario.name}`, async () => {
      assert.ok(await replaysAndShrinks(entry.scenario, entry.defaults ?? {}, entry.scenario.name));
    });
  }
});
