import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildTimeline } from '../../src/trace/timeline.ts';
import { cleanResult, seedFinding, seedTrace } from './fixtures.ts';

describe('buildTimeline', () => {
  it('opens a lane per task in order of first appearance', () => {
    const t = buildTimeline(seedTrace, seedFinding.finding);
    assert.deepEqual(t.lanes, ['main', 'oom_reaper', 'odp_fault']);
    assert.equal(t.laneOf.length, seedTrace.length);
  });

  it("draws the seed bug: A's start never ends, B's failure points at the skipped end", () => {
    const t = buildTimeline(seedTrace, seedFinding.finding);
    const a = t.spans.find((s) => s.kind === 'notifier' && s.subject === 'A');
    assert.ok(a);
    assert.equal(a.end, 'open');
    assert.equal(a.to, seedTrace.length);
    const fail = t.marks.findIndex((m) => m.kind === 'fail' && m.label === 'B');
    const skipped = t.marks.findIndex((m) => m.kind === 'skipped-end' && m.label === 'A');
    assert.ok(fail >= 0 && skipped >= 0);
    assert.deepEqual(t.flows, [{ from: fail, to: skipped }]);
  });

  it("joins the skipped end to the invalidation's failed start, even one that ran first", () => {
    const note = (step: number, op: string, obj: string) =>
      ({ step, task: 'reaper', type: 'note', op, obj, detail: '' }) as const;
    const t = buildTimeline([
      note(1, 'notifier.fail', 'old'),
      note(1, 'eagain', 'mm'),
      note(2, 'notifier.fail', 'B'),
      note(2, 'notifier.start', 'A'),
      note(2, 'eagain', 'mm'),
    ]);
    assert.equal(t.flows.length, 1);
    const from = t.marks[t.flows[0]!.from]!;
    assert.deepEqual([from.kind, from.label, from.at], ['fail', 'B', 2]);
    const alone = buildTimeline([note(0, 'notifier.start', 'A'), note(0, 'eagain', 'mm')]);
    assert.equal(alone.marks[alone.flows[0]!.from]!.kind, 'eagain');
  });

  it('keeps lock holds, drops a trylock that no unlock follows', () => {
    const t = buildTimeline(seedTrace);
    const locks = t.spans.filter((s) => s.kind === 'lock');
    assert.deepEqual(
      locks.map((s) => [t.lanes[s.lane], s.subject, s.end]),
      [
        ['odp_fault', 'umem_mutex', 'ended'],
        ['oom_reaper', 'kvm.mmu_lock', 'ended'],
      ],
    );
  });

  it('marks faults, retries, EAGAIN and the finding at its step', () => {
    const t = buildTimeline(seedTrace, seedFinding.finding);
    const kinds = t.marks.map((m) => m.kind);
    for (const kind of ['fail', 'eagain', 'retry', 'finding'] as const)
      assert.ok(kinds.includes(kind), kind);
    assert.equal(t.findingAt, seedTrace.length - 1);
  });

  it('pairs every start with its end in a clean run and samples the counters', () => {
    const t = buildTimeline(cleanResult.trace!);
    const notifiers = t.spans.filter((s) => s.kind === 'notifier');
    assert.equal(notifiers.length, 2);
    assert.ok(notifiers.every((s) => s.end === 'ended'));
    assert.equal(t.flows.length, 0);
    assert.equal(t.findingAt, undefined);
    const seq = t.counters.filter((c) => c.name === 'invalidate_seq').map((c) => c.value);
    assert.deepEqual(seq, [3, 4]);
    const active = t.counters.filter((c) => c.name === 'active invalidations').map((c) => c.value);
    assert.deepEqual(active, [1, 2, 1, 0]);
  });

  it('reports an end without a start, and an interval pass with and without a finish', () => {
    const t = buildTimeline([
      { step: 0, task: 't', type: 'note', op: 'notifier.end', obj: 'X', detail: '' },
      { step: 1, task: 't', type: 'note', op: 'interval.invalidate', obj: 'I', detail: 'object' },
      { step: 2, task: 't', type: 'note', op: 'interval.finish', obj: 'I', detail: '' },
      { step: 3, task: 't', type: 'note', op: 'interval.invalidate', obj: 'J', detail: 'true' },
      { step: 4, task: 't', type: 'note', op: 'diagnostic', obj: 'X', detail: 'double-end' },
    ]);
    assert.deepEqual(
      t.marks.map((m) => [m.kind, m.label]),
      [
        ['unpaired-end', 'X'],
        ['diagnostic', 'X'],
        ['interval', 'J'],
      ],
    );
    assert.deepEqual(
      t.spans.map((s) => [s.kind, s.subject, s.from, s.to]),
      [['interval', 'I', 1, 2]],
    );
  });

  it('is empty for an empty trace', () => {
    const t = buildTimeline([]);
    assert.deepEqual([t.lanes.length, t.spans.length, t.marks.length], [0, 0, 0]);
  });
});
