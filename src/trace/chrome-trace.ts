/**
 * Chrome Trace Event JSON (the format Perfetto and `chrome://tracing` open) from a run.
 *
 * Mapping (see DESIGN.md, "Traces"):
 * | what                          | events                                                     |
 * |-------------------------------|------------------------------------------------------------|
 * | the scenario                  | `pid` 1, named by an `M` `process_name`                    |
 * | a task (CPU-like track)       | `tid` = lane + 1, `M` `thread_name`; a `B`/`E` slice per   |
 * |                               | stretch the task ran (one scheduling step), named by op    |
 * | a subscriber's start → end    | async `b`/`e` (cat `notifier`): spans of several           |
 * |                               | subscribers overlap without nesting, so not `B`/`E`        |
 * | an interval notifier's pass   | async `b`/`e` (cat `interval`)                             |
 * | a lock hold                   | async `b`/`e` (cat `lock`), one track per lock             |
 * | EAGAIN, faults, retries, seq  | `i` on the task's track, inside a short `X` slice          |
 * | the finding                   | `i` with global scope                                      |
 * | a failure → the skipped end   | `s`/`f` flow between the two `X` slices                    |
 * | active invalidations, seq     | `C` counters                                               |
 *
 * Time is the step number times {@link STEP_US} microseconds; the events of one step are
 * spread evenly inside it, so the trace is deterministic and every event keeps its place.
 */

import type { CheckResult, TraceEvent } from '../check/types.ts';
import { buildTimeline, type Timeline, type TimelineMark, type TimelineSpan } from './timeline.ts';

/** Microseconds per scheduling step in an exported trace. */
export const STEP_US = 100;

/** One Chrome trace event (the fields this exporter writes). */
export interface ChromeTraceEvent {
  /** The phase: `B`, `E`, `X`, `i`, `b`, `e`, `s`, `f`, `C`, `M`. */
  readonly ph: string;
  /** The event's name. */
  readonly name: string;
  /** Categories, comma-separated. */
  readonly cat?: string;
  /** Timestamp in microseconds. */
  readonly ts: number;
  /** Duration in microseconds (`X` only). */
  readonly dur?: number;
  /** Process id. */
  readonly pid: number;
  /** Thread id. */
  readonly tid: number;
  /** Async or flow id. */
  readonly id?: string;
  /** Instant scope: `g`, `p` or `t`. */
  readonly s?: string;
  /** Flow binding point (`e`: the enclosing slice). */
  readonly bp?: string;
  /** Arguments shown in the viewer. */
  readonly args?: Readonly<Record<string, unknown>>;
}

/** A Chrome trace file in object form. */
export interface ChromeTrace {
  /** The events. */
  readonly traceEvents: readonly ChromeTraceEvent[];
  /** The unit the viewer displays. */
  readonly displayTimeUnit: 'ms' | 'ns';
  /** Free metadata: scenario, verdict, schedule. */
  readonly metadata: Readonly<Record<string, unknown>>;
}

const PID = 1;

/**
 * The timestamp in microseconds of each event index, and of index `n` just past the last
 * event: step `s` starts at `s *` {@link STEP_US}, a step's events are spread evenly inside
 * it, and every index is later than the one before. Shared with the ftrace export.
 * @param events the timeline's events, in order.
 */
export function eventTimestamps(events: readonly TraceEvent[]): number[] {
  const ts: number[] = [];
  let i = 0;
  while (i < events.length) {
    let j = i;
    while (j < events.length && events[j]!.step === events[i]!.step) j++;
    const base = Math.max(events[i]!.step * STEP_US, (ts[ts.length - 1] ?? -1) + 1);
    const spacing = STEP_US / (j - i);
    for (let k = i; k < j; k++) ts.push(round(base + (k - i) * spacing));
    i = j;
  }
  ts.push((ts[ts.length - 1] ?? 0) + STEP_US);
  return ts;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function metadataEvents(t: Timeline, scenario: string): ChromeTraceEvent[] {
  const out: ChromeTraceEvent[] = [
    { ph: 'M', name: 'process_name', ts: 0, pid: PID, tid: 0, args: { name: scenario } },
  ];
  t.lanes.forEach((task, lane) => {
    out.push({
      ph: 'M',
      name: 'thread_name',
      ts: 0,
      pid: PID,
      tid: lane + 1,
      args: { name: task },
    });
    out.push({
      ph: 'M',
      name: 'thread_sort_index',
      ts: 0,
      pid: PID,
      tid: lane + 1,
      args: { sort_index: lane },
    });
  });
  return out;
}

/** One `B`/`E` pair per run of consecutive events of one task: the CPU-like view. */
function runSlices(t: Timeline, ts: readonly number[]): ChromeTraceEvent[] {
  const out: ChromeTraceEvent[] = [];
  let i = 0;
  while (i < t.events.length) {
    const lane = t.laneOf[i]!;
    let j = i;
    while (j < t.events.length && t.laneOf[j] === lane && t.events[j]!.step === t.events[i]!.step) {
      j++;
    }
    const first = t.events[i]!;
    const name = first.obj === '' ? first.op : `${first.op} ${first.obj}`;
    const args = { step: first.step, type: first.type, detail: first.detail };
    out.push({ ph: 'B', name, cat: 'step', ts: ts[i]!, pid: PID, tid: lane + 1, args });
    out.push({ ph: 'E', name, cat: 'step', ts: ts[j]!, pid: PID, tid: lane + 1 });
    i = j;
  }
  return out;
}

function spanEvents(t: Timeline, ts: readonly number[]): ChromeTraceEvent[] {
  const out: ChromeTraceEvent[] = [];
  t.spans.forEach((span: TimelineSpan, n) => {
    const id = `${span.kind}-${n}`;
    const name = spanName(span);
    const tid = span.lane + 1;
    const args = { task: t.lanes[span.lane], detail: span.detail, end: span.end };
    out.push({ ph: 'b', name, cat: span.kind, id, ts: ts[span.from]!, pid: PID, tid, args });
    out.push({ ph: 'e', name, cat: span.kind, id, ts: ts[span.to]!, pid: PID, tid });
  });
  return out;
}

/**
 * The name a span is drawn under: `<lock> held`, `<subscriber> (no end)` for an invalidation
 * the trace never ends, else the subscriber's name. Shared with the ftrace export.
 * @param span a timeline span.
 */
export function spanName(span: TimelineSpan): string {
  if (span.kind === 'lock') return `${span.subject} held`;
  if (span.end === 'open') return `${span.subject} (no end)`;
  return span.subject;
}

const MARK_NAMES: Readonly<Record<TimelineMark['kind'], string>> = {
  fail: 'start failed',
  eagain: 'EAGAIN',
  diagnostic: 'diagnostic',
  fault: 'fault',
  retry: 'retry',
  seq: 'seq',
  release: 'release',
  interval: 'interval invalidate',
  'interval-op': '',
  'unpaired-end': 'end without start',
  'skipped-end': 'end skipped',
  finding: 'FINDING',
};

function markEvents(t: Timeline, ts: readonly number[]): ChromeTraceEvent[] {
  const out: ChromeTraceEvent[] = [];
  t.marks.forEach((mark) => {
    const name = `${MARK_NAMES[mark.kind]} ${mark.label}`.trim();
    const at = ts[mark.at]!;
    const tid = mark.lane + 1;
    const args = { detail: mark.detail, step: t.events[mark.at]?.step };
    if (mark.kind === 'finding') {
      out.push({ ph: 'i', name, cat: 'finding', ts: at, pid: PID, tid, s: 'g', args });
      return;
    }
    const dur = round((ts[mark.at + 1]! - at) / 2);
    out.push({ ph: 'X', name, cat: mark.kind, ts: at, dur, pid: PID, tid, args });
    out.push({ ph: 'i', name, cat: mark.kind, ts: at, pid: PID, tid, s: 't', args });
  });
  t.flows.forEach((flow, n) => {
    const from = t.marks[flow.from]!;
    const to = t.marks[flow.to]!;
    const id = `flow-${n}`;
    const name = 'failed start -> skipped end';
    out.push({ ph: 's', name, cat: 'flow', id, ts: ts[from.at]!, pid: PID, tid: from.lane + 1 });
    out.push({
      ph: 'f',
      name,
      cat: 'flow',
      id,
      ts: ts[to.at]!,
      pid: PID,
      tid: to.lane + 1,
      bp: 'e',
    });
  });
  return out;
}

function counterEvents(t: Timeline, ts: readonly number[]): ChromeTraceEvent[] {
  return t.counters.map((c) => ({
    ph: 'C',
    name: c.name,
    ts: ts[Math.min(c.at, ts.length - 1)]!,
    pid: PID,
    tid: 0,
    args: { value: c.value },
  }));
}

/**
 * A run as a Chrome trace: the finding's trace when there is one, else the clean run's.
 * Deterministic: the same result gives the same JSON. Pure (no I/O).
 * @param result what `check()` resolved to.
 */
export function toChromeTrace(result: CheckResult): ChromeTrace {
  const trace = result.finding?.trace ?? result.trace ?? [];
  const t = buildTimeline(trace, result.finding);
  const ts = eventTimestamps(t.events);
  const events = [
    ...metadataEvents(t, result.scenario),
    ...runSlices(t, ts),
    ...spanEvents(t, ts),
    ...markEvents(t, ts),
    ...counterEvents(t, ts),
  ];
  const metadata: Record<string, unknown> = {
    scenario: result.scenario,
    verdict: result.ok ? 'clean' : 'finding',
    options: result.options,
  };
  if (result.finding !== undefined) {
    const { kind, message, lockdep } = result.finding;
    metadata['finding'] = { kind, message, ...(lockdep === undefined ? {} : { lockdep }) };
    metadata['schedule'] = result.finding.schedule;
  }
  return { traceEvents: events, displayTimeUnit: 'ms', metadata };
}

/** {@link toChromeTrace} as the text of a `.json` file. */
export function chromeTraceJson(result: CheckResult): string {
  return `${JSON.stringify(toChromeTrace(result))}\n`;
}
