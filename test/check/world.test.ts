/**
 * Goal: the run's world as a scenario sees it; here, that a scenario's own `onDiagnostic`
 * passed to `world.addressSpace()` cannot take the run down by throwing.
 * Method: `check()` of a scenario whose forwarded hook throws on the diagnostic it receives.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { check } from '../../src/check/check.ts';
import { defineScenario } from '../../src/check/world.ts';

describe('world.addressSpace()', () => {
  it('a forwarded onDiagnostic that throws is a contract finding, not an uncaught error', async () => {
    const scenario = defineScenario({
      name: 'hook-throws',
      setup(world) {
        const mm = world.addressSpace({
          tolerate: ['end-without-start'],
          onDiagnostic: () => {
            throw new Error('my hook');
          },
        });
        world.spawn('t', () => {
          mm.invalidateRangeEnd({ start: 0, end: 4096, event: 'unmap', blockable: true });
        });
      },
    });
    const result = await check(scenario);
    assert.equal(result.finding?.kind, 'contract');
    assert.match(result.finding.message, /onDiagnostic threw: my hook/);
  });
});
