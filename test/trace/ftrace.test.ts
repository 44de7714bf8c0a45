/**
 * Goal: `toFtrace` writes text that reads like `/sys/kernel/tracing/trace` and that Perfetto
 * imports: the `nop` header, every line in the ftrace line format, timestamps that never go
 * back, `B`/`E` marks balanced and well nested per pid, the same text for the same result,
 * and the seed-2019 finding (the failed start, the start that gets no end, the finding).
 * Method: the hand-made results of `fixtures.ts`, one with awkward names, and a real
 * `check()` of the library's seed-2019 with its defaults; each line is parsed by the regex
 * below, the `tracing_mark_write` marks are replayed on a stack per pid.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { check } from '../../src/check/check.ts';
import type { CheckResult, TraceEvent } from '../../src/check/types.ts';
import { findScenario } from '../../src/scenarios/index.ts';
import { eventTimestamps, STEP_US, spanName } from '../../src/trace/chrome-trace.ts';
import { toFtrace } from '../../src/trace/ftrace.ts';
import { buildTimeline } from '../../src/trace/timeline.ts';
import { cleanResult, hostileResult, seedFinding } from './fixtures.ts';

/** `<comm>-<pid> [<cpu>] ..... <secs.usecs>: <event>: <detail>`, padded as the kernel pads. */
const LINE = /^ *(\S+)-(\d+) +\[(\d{3})\] \.{5} +(\d+)\.(\d{6}): (\S+): (.*)$/;
const MARK = /^(B)\|(\d+)\|(.+)$|^(E)\|(\d+)$/;

interface Line {
  readonly comm: string;
  readonly pid: number;
  readonly us: number;
  readonly event: string;
  readonly detail: string;
}

function parse(text: string): { header: string[]; lines: Line[] } {
  assert.ok(text.endsWith('\n'));
  const all = text.slice(0, -1).split('\n');
  const header = all.filter((l) => l.startsWith('#'));
  const body = all.filter((l) => !l.startsWith('#'));
  assert.deepEqual(all.slice(0, header.length), header, 'the header comes first');
  const lines = body.map((l) => {
    const m = LINE.exec(l);
    assert.ok(m, `not an ftrace line: ${JSON.stringify(l)}`);
    return {
      comm: m[1]!,
      pid: Number(m[2]),
      us: Number(m[4]) * 1_000_000 + Number(m[5]),
      event: m[6]!,
      detail: m[7]!,
    };
  });
  return { header, lines };
}

/** Replays the marks per pid; returns the slices `name from-to` (µs). Fails on any imbalance. */
function assertNested(lines: readonly Line[]): string[] {
  const stacks = new Map<number, { tgid: string; name: string; us: number }[]>();
  const slices: string[] = [];
  for (const l of lines) {
    if (l.event !== 'tracing_mark_write') continue;
    const m = MARK.exec(l.detail);
    assert.ok(m, `bad mark: ${l.detail}`);
    const stack = stacks.get(l.pid) ?? [];
    stacks.set(l.pid, stack);
    if (m[1] === 'B') {
      stack.push({ tgid: m[2]!, name: m[3]!, us: l.us });
    } else {
      const top = stack.pop();
      assert.ok(top, `E with no open B on pid ${l.pid} at ${l.us}`);
      assert.equal(m[5], top.tgid, `E|tgid differs from its B on pid ${l.pid}`);
      slices.push(`${top.name} ${top.us}-${l.us}`);
    }
  }
  for (const [pid, stack] of stacks) assert.deepEqual(stack, [], `pid ${pid} left open`);
  return slices.sort();
}

/** The timeline's spans as `name from-to` (µs), as the marks should draw them. */
function expectedSlices(result: CheckResult): string[] {
  const t = buildTimeline(result.finding?.trace ?? result.trace ?? [], result.finding);
  const us = eventTimestamps(t.events).map(Math.round);
  return t.spans
    .map((s) => `${spanName(s).replace(/\|/g, '/').replace(/\n/g, ' ')} ${us[s.from]}-${us[s.to]}`)
    .sort();
}

function ev(
  step: number,
  task: string,
  type: TraceEvent['type'],
  op: string,
  obj = '',
  detail = '',
): TraceEvent {
  return { step, task, type, op, obj, detail };
}

/** Names with spaces, newlines and `|`, a note named like a mark, crossing spans. */
const awkward: CheckResult = {
  ...seedFinding,
  finding: {
    ...seedFinding.finding!,
    message: 'line one\nline two',
    step: 3,
    trace: [
      ev(0, 'cpu 0', 'point', 'mutex.lock', 'a|b'),
      ev(1, 'cpu 0', 'note', 'notifier.start', 'sub|A', 'range\n[0, 1)'),
      ev(1, 'cpu 0', 'note', 'notifier.start', 'B'),
      ev(1, 'cpu 0', 'note', 'tracing_mark_write', '', 'B|1|x'),
      ev(2, 'cpu 0', 'access', 'mutex.unlock', 'a|b'),
      ev(2, 'cpu 0', 'note', 'notifier.end', 'sub|A'),
      ev(2, 'cpu 0', 'note', 'notifier.end', 'B'),
      ev(3, 'other task', 'point', 'yield'),
    ],
  },
};

describe('toFtrace', () => {
  it('writes the nop header with the entry count, then only ftrace lines', () => {
    for (const result of [seedFinding, cleanResult, hostileResult, awkward]) {
      const { header, lines } = parse(toFtrace(result));
      assert.equal(header[0], '# tracer: nop');
      assert.ok(header.includes('#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION'));
      assert.ok(
        header.includes(
          `# entries-in-buffer/entries-written: ${lines.length}/${lines.length}   #P:1`,
        ),
      );
      assert.ok(lines.every((l) => l.comm.length > 0));
    }
  });

  it('one line per event on pid 1000 + lane, at the Chrome trace time, never going back', () => {
    const { lines } = parse(toFtrace(seedFinding));
    const events = lines.filter((l) => l.event !== 'tracing_mark_write' && l.event !== 'finding');
    assert.equal(events.length, seedFinding.finding!.trace.length);
    assert.deepEqual(
      events.slice(0, 3).map((l) => [l.comm, l.pid, l.event, l.detail]),
      [
        ['main', 1000, 'spawn', 'oom_reaper'],
        ['main', 1000, 'spawn', 'odp_fault'],
        ['odp_fault', 1002, 'mutex_lock', 'umem_mutex'],
      ],
    );
    assert.equal(events[2]!.us, STEP_US);
    for (const result of [seedFinding, cleanResult, hostileResult, awkward]) {
      const all = parse(toFtrace(result)).lines;
      for (let i = 1; i < all.length; i++) assert.ok(all[i]!.us >= all[i - 1]!.us, `line ${i}`);
    }
  });

  it('balances and nests B/E per pid, crossing spans on their own pseudo-threads', () => {
    for (const result of [seedFinding, cleanResult, hostileResult, awkward]) {
      const slices = assertNested(parse(toFtrace(result)).lines);
      assert.deepEqual(slices, expectedSlices(result), 'each E closes its own span');
    }
    const { lines } = parse(toFtrace(cleanResult));
    const begins = lines.filter((l) => l.detail.startsWith('B|'));
    assert.deepEqual(
      begins.map((l) => [l.comm, l.detail]),
      [
        ['oom_reaper/umem_mutex', 'B|1001|umem_mutex held'],
        ['oom_reaper/A', 'B|1001|A'],
        ['oom_reaper/B', 'B|1001|B'],
      ],
    );
    assert.equal(new Set(begins.map((l) => l.pid)).size, 3);
  });

  it('keeps every event on one line and its marks unambiguous', () => {
    const { lines } = parse(toFtrace(awkward));
    assert.ok(lines.some((l) => l.comm === 'cpu_0' && l.pid === 1000));
    assert.ok(lines.some((l) => l.comm === 'other_task' && l.pid === 1001));
    assert.ok(lines.some((l) => l.event === 'notifier_start' && l.detail === 'sub|A range [0, 1)'));
    assert.ok(lines.some((l) => l.event === 'note_tracing_mark_write'));
    assert.ok(lines.some((l) => l.detail === 'B|1000|sub/A'));
    assert.equal(assertNested(lines).length, 3);
    assert.match(lines.at(-1)!.detail, /line one line two$/);
  });

  it('is deterministic: the same result, and the same run, give the same text', async () => {
    assert.equal(toFtrace(seedFinding), toFtrace(structuredClone(seedFinding)));
    const entry = findScenario('seed-2019');
    assert.ok(entry);
    const a = await check(entry.scenario, entry.defaults);
    const b = await check(entry.scenario, entry.defaults);
    assert.equal(toFtrace(a), toFtrace(b));
  });

  it('shows the seed-2019 legacy finding: the failed start, the start with no end, the finding', async () => {
    const entry = findScenario('seed-2019');
    assert.ok(entry);
    const result = await check(entry.scenario, entry.defaults);
    assert.ok(result.finding, 'seed-2019 under its defaults (legacy-2019) is a finding');
    const { lines } = parse(toFtrace(result));
    assert.deepEqual(assertNested(lines), expectedSlices(result));
    const failed = lines.findIndex(
      (l) => l.comm === 'oom-reaper' && l.event === 'notifier_fail' && /-11$/.test(l.detail),
    );
    assert.ok(failed >= 0, 'the failed start of odp2019');
    const noEnd = lines.findIndex((l) => /^B\|\d+\|kvm \(no end\)$/.test(l.detail));
    assert.ok(noEnd > failed, 'kvm starts after the failure and gets no end');
    const last = lines.at(-1)!;
    assert.equal(last.event, 'finding');
    assert.ok(last.detail.startsWith(`${result.finding.kind} at step ${result.finding.step}, `));
    assert.ok(last.detail.includes(`schedule ${result.finding.schedule}: `));
    assert.ok(last.detail.endsWith(result.finding.message));
    assert.equal(lines.filter((l) => l.event === 'finding').length, 1);
  });
});
