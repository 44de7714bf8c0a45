/**
 * Goal: the two history pairs that model the notifier core's own old code find the race each
 * commit message describes, in the order it describes, and prove today's code clean.
 * Method: `check()` each buggy variant and read the minimized trace (which task stored and
 * loaded which cell, in which order); `check()` each fixed variant and require a complete search.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { check } from '../../src/check/check.ts';
import type { TraceEvent } from '../../src/check/types.ts';
import { findScenario } from '../../src/scenarios/index.ts';

/** The index of the first event of `task` doing `op` on `obj`, or -1. */
function at(trace: readonly TraceEvent[], task: string, op: string, obj: string): number {
  return trace.findIndex((e) => e.task === task && e.op === op && e.obj === obj);
}

async function buggyTrace(
  name: string,
): Promise<{ message: string; trace: readonly TraceEvent[] }> {
  const entry = findScenario(name);
  assert.ok(entry !== undefined, name);
  const result = await check(entry.scenario, entry.defaults);
  assert.ok(result.finding !== undefined, `${name}: expected a finding`);
  return result.finding;
}

describe('history pairs of the notifier core', () => {
  it('319561669a59-buggy: remove reads the new seq while inv_end still walks the deferred list', async () => {
    const { message, trace } = await buggyTrace('319561669a59-buggy');
    assert.match(message, /remove returned: nothing refers to the interval/);
    const queued = at(trace, 'remove', 'mutex.lock', 'subscriptions.lock');
    const read = at(trace, 'remove', 'cell.load', 'invalidate_seq');
    const even = trace
      .slice(0, read)
      .map((e, i) => (e.op === 'cell.store' && e.obj === 'invalidate_seq' ? i : -1))
      .reduce((a, b) => Math.max(a, b), -1);
    assert.ok(
      queued >= 0 && queued < even && even < read,
      'queue, then seq++, then the unlocked read',
    );
    assert.equal(
      trace.slice(even).filter((e) => e.op === 'mutex.unlock').length,
      0,
      'lock still held',
    );
  });

  it('d34883d4e35c-buggy: reclaim finds no notifier after exit unlinked it and frees a mapped page', async () => {
    const { message, trace } = await buggyTrace('d34883d4e35c-buggy');
    assert.match(message, /the secondary MMU maps no freed page/);
    const unlink = at(trace, 'exit', 'cell.store', 'kvm.hlist');
    const walk = at(trace, 'reclaim', 'cell.load', 'kvm.hlist');
    const free = at(trace, 'reclaim', 'cell.store', 'page0');
    assert.ok(unlink >= 0 && unlink < walk && walk < free, 'unlink, then the walk, then the free');
  });

  for (const name of ['319561669a59-fixed', 'd34883d4e35c-fixed']) {
    it(`${name}: clean, by a complete search`, async () => {
      const entry = findScenario(name);
      assert.ok(entry !== undefined, name);
      const result = await check(entry.scenario, entry.defaults);
      assert.equal(result.ok, true, result.finding?.message);
      assert.equal(result.stats.complete, true);
    });
  }
});
