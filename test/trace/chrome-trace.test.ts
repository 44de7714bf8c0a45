import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { check } from '../../src/check/check.ts';
import { scenarioLibrary } from '../../src/scenarios/index.ts';
import { chromeTraceJson, STEP_US, toChromeTrace } from '../../src/trace/chrome-trace.ts';
import { validateChromeTrace } from '../../src/trace/chrome-validate.ts';
import { renderHtmlReport } from '../../src/trace/report.ts';
import { cleanResult, HOSTILE, hostileResult, seedFinding } from './fixtures.ts';

describe('toChromeTrace', () => {
  it('writes a valid trace for a finding, a clean run and hostile names', () => {
    for (const result of [seedFinding, cleanResult, hostileResult]) {
      const json = JSON.parse(chromeTraceJson(result));
      assert.deepEqual(validateChromeTrace(json), [], result.scenario);
    }
  });

  it('names the process and one thread per task', () => {
    const { traceEvents } = toChromeTrace(seedFinding);
    const names = traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name');
    assert.deepEqual(
      names.map((e) => [e.tid, e.args?.['name']]),
      [
        [1, 'main'],
        [2, 'oom_reaper'],
        [3, 'odp_fault'],
      ],
    );
    const proc = traceEvents.find((e) => e.ph === 'M' && e.name === 'process_name');
    assert.equal(proc?.args?.['name'], 'seed-2019');
  });

  it('draws subscriber spans as async slices, with the open one marked', () => {
    const { traceEvents } = toChromeTrace(seedFinding);
    const begins = traceEvents.filter((e) => e.ph === 'b' && e.cat === 'notifier');
    assert.deepEqual(
      begins.map((e) => e.name),
      ['A (no end)'],
    );
    const locks = traceEvents.filter((e) => e.ph === 'b' && e.cat === 'lock').map((e) => e.name);
    assert.deepEqual(locks, ['umem_mutex held', 'kvm.mmu_lock held']);
  });

  it('puts an instant at the finding, instants at faults, a flow from the failure to the skipped end', () => {
    const { traceEvents } = toChromeTrace(seedFinding);
    const finding = traceEvents.find((e) => e.ph === 'i' && e.cat === 'finding');
    assert.equal(finding?.s, 'g');
    assert.ok(traceEvents.some((e) => e.ph === 'i' && e.cat === 'retry'));
    const s = traceEvents.find((e) => e.ph === 's');
    const f = traceEvents.find((e) => e.ph === 'f');
    assert.ok(s && f);
    assert.equal(s.id, f.id);
    assert.ok(f.ts > s.ts);
  });

  it('places events by step: step n starts at n * STEP_US, in order, deterministically', () => {
    const a = chromeTraceJson(seedFinding);
    assert.equal(a, chromeTraceJson(seedFinding));
    const runs = toChromeTrace(seedFinding).traceEvents.filter((e) => e.ph === 'B');
    assert.deepEqual(
      runs.map((e) => e.ts),
      [0, STEP_US, 2 * STEP_US, 3 * STEP_US, 4 * STEP_US],
    );
  });

  it('samples active invalidations and invalidate_seq as counters', () => {
    const { traceEvents } = toChromeTrace(cleanResult);
    const seq = traceEvents.filter((e) => e.ph === 'C' && e.name === 'invalidate_seq');
    assert.deepEqual(
      seq.map((e) => e.args?.['value']),
      [3, 4],
    );
  });

  it('keeps hostile names as data', () => {
    const { traceEvents, metadata } = toChromeTrace(hostileResult);
    assert.equal(metadata['scenario'], HOSTILE);
    assert.ok(traceEvents.some((e) => e.args?.['name'] === HOSTILE));
  });
});

describe('validateChromeTrace', () => {
  const base = { pid: 1, tid: 1, ts: 0, name: 'x' };

  it('accepts a bare array and an object form', () => {
    assert.deepEqual(validateChromeTrace([{ ...base, ph: 'i', s: 't' }]), []);
    assert.deepEqual(validateChromeTrace({ traceEvents: [] }), []);
  });

  it('rejects what is not a trace', () => {
    assert.equal(validateChromeTrace(42).length, 1);
    assert.equal(validateChromeTrace({ events: [] }).length, 1);
    assert.match(validateChromeTrace([7])[0]!, /not an object/);
  });

  it('finds missing and bad fields', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...base, ph: 'Q' }, /unknown ph/],
      [{ ...base, ph: 'i', name: 3 }, /name/],
      [{ ...base, ph: 'i', pid: 'a' }, /pid/],
      [{ ...base, ph: 'i', tid: 1.5 }, /tid/],
      [{ ...base, ph: 'i', ts: -1 }, /ts/],
      [{ ...base, ph: 'X' }, /dur/],
      [{ ...base, ph: 'b', cat: 'c' }, /cat and id/],
      [{ ...base, ph: 's' }, /flow/],
      [{ ...base, ph: 'i', s: 'q' }, /scope/],
      [{ ...base, ph: 'C', args: { v: 'a' } }, /counter/],
      [{ ...base, ph: 'M', name: 'thread_name', args: {} }, /args.name/],
      [{ ...base, ph: 'M', name: 'whatever' }, /metadata/],
    ];
    for (const [event, problem] of cases) {
      const found = validateChromeTrace([event]);
      assert.equal(found.length, 1, JSON.stringify(event));
      assert.match(found[0]!, problem);
    }
  });

  it('requires B/E to match and nest per track, with X slices', () => {
    const B = (ts: number, name: string, tid = 1) => ({ ...base, ph: 'B', ts, name, tid });
    const E = (ts: number, name: string, tid = 1) => ({ ...base, ph: 'E', ts, name, tid });
    assert.deepEqual(validateChromeTrace([B(0, 'a'), B(1, 'b'), E(2, 'b'), E(3, 'a')]), []);
    assert.deepEqual(validateChromeTrace([B(0, 'a'), B(1, 'b', 2), E(2, 'a'), E(3, 'b', 2)]), []);
    assert.match(validateChromeTrace([B(0, 'a'), B(1, 'b'), E(2, 'a'), E(3, 'b')])[0]!, /closes B/);
    assert.match(validateChromeTrace([E(1, 'a')])[0]!, /closes nothing/);
    assert.match(validateChromeTrace([B(1, 'a')])[0]!, /never ends/);
    const x = { ...base, ph: 'X', ts: 1, dur: 5, name: 'x' };
    assert.match(validateChromeTrace([B(0, 'a'), E(3, 'a'), x])[0]!, /without nesting/);
    assert.deepEqual(validateChromeTrace([B(0, 'a'), E(9, 'a'), x]), []);
  });

  it('requires async ends and flow ends to follow their beginnings', () => {
    const b = { ...base, ph: 'b', cat: 'c', id: '1' };
    const e = { ...base, ph: 'e', cat: 'c', id: '1', ts: 2 };
    assert.deepEqual(validateChromeTrace([b, e]), []);
    assert.match(validateChromeTrace([e])[0]!, /closes no b/);
    assert.match(validateChromeTrace([b])[0]!, /never ends/);
    assert.match(validateChromeTrace([{ ...base, ph: 'f', id: 9 }])[0]!, /follows no s/);
  });

  it('caps the number of problems', () => {
    const many = Array.from({ length: 500 }, () => ({ ph: 'Q' }));
    assert.equal(validateChromeTrace(many).length, 50);
  });
});

describe('every library finding', () => {
  it('exports a valid Chrome trace with the finding, and a report that draws it', async () => {
    let findings = 0;
    for (const entry of scenarioLibrary) {
      if (entry.expect !== 'finding') continue;
      const result = await check(entry.scenario, { ...entry.defaults });
      assert.ok(result.finding, entry.scenario.name);
      findings++;
      const json = JSON.parse(chromeTraceJson(result));
      assert.deepEqual(validateChromeTrace(json), [], entry.scenario.name);
      const events = (json as { traceEvents: { ph: string; cat?: string }[] }).traceEvents;
      assert.ok(
        events.some((e) => e.ph === 'i' && e.cat === 'finding'),
        entry.scenario.name,
      );
      assert.match(renderHtmlReport(result), /<g class="finding"/, entry.scenario.name);
    }
    assert.ok(findings > 0);
  });
});
