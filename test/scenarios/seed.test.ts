/**
 * Goal: the seed scenario shows the seed bug through each of the model's oracles, and today's
 * core removes it. Method: `seedScenario` with the earlier oracles tolerated or switched off,
 * under each semantics, with a complete search where the outcome is clean.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { check } from '../../src/check/check.ts';
import { seed2019, seedScenario } from '../../src/scenarios/seed.ts';

describe('seed-2019', () => {
  it('legacy-2019: the core reports the unpaired start', async () => {
    const result = await check(seed2019, { semantics: 'legacy-2019' });
    assert.equal(result.finding?.kind, 'contract');
    assert.match(result.finding.message, /unpaired-start.*'kvm'/);
  });

  it('legacy-2019: the pairing monitor sees KVM left with a start and no end', async () => {
    const result = await check(seedScenario({ tolerate: ['unpaired-start'] }), {
      semantics: 'legacy-2019',
    });
    assert.equal(result.finding?.kind, 'invariant');
    assert.match(result.finding.message, /pairing.*kvm/);
  });

  it('legacy-2019: the vCPU fault can never complete (liveness)', async () => {
    const result = await check(seedScenario({ tolerate: ['unpaired-start'], monitors: false }), {
      semantics: 'legacy-2019',
    });
    assert.equal(result.finding?.kind, 'exception');
    assert.match(result.finding.message, /'vcpu'.*liveness/);
  });

  it('current: an exhaustive search completes clean', async () => {
    const result = await check(seed2019, { semantics: 'current' });
    assert.equal(result.ok, true, result.finding?.message);
    assert.equal(result.stats.complete, true);
    assert.ok(result.stats.schedules > 1);
  });

  it('kernel: the 2019 ODP (a failing start with an end) gets an end it never started', async () => {
    const result = await check(seed2019, { semantics: 'kernel' });
    assert.equal(result.finding?.kind, 'invariant');
    assert.match(result.finding.message, /odp2019: -1 start/);
  });

  it('a finding replays exactly from its schedule', async () => {
    const found = await check(seed2019, { semantics: 'legacy-2019' });
    const schedule = found.finding?.schedule;
    assert.ok(schedule !== undefined);
    const replay = await check(seed2019, {
      semantics: 'legacy-2019',
      strategy: 'replay',
      schedule,
    });
    assert.equal(replay.finding?.message, found.finding?.message);
  });
});
