/**
 * A run as ftrace text: what `cat /sys/kernel/tracing/trace` or `trace-cmd report` prints,
 * so that a kernel engineer reads a finding the way they read the kernel's own traces, and
 * Perfetto (or `trace_processor`) imports it as a systrace text trace.
 *
 * Format
 * ------
 * The `nop` tracer's header, then one line per event of the timeline, in trace order:
 *
 * ```
 *       oom-reaper-1002    [000] .....     0.000429: notifier_fail: odp2019 unmap [...]: -11
 * ```
 *
 * | field       | value                                                                      |
 * |-------------|----------------------------------------------------------------------------|
 * | comm        | the task's name, white space and control characters replaced by `_`       |
 * | pid         | `1000 + lane` (lanes in order of first appearance, as in `timeline.ts`)    |
 * | cpu, flags  | `[000]` and `.....`: exactly one task runs at a time                       |
 * | timestamp   | the Chrome trace's `ts` ({@link eventTimestamps}), rounded to 1 us         |
 * | event       | the op with every character outside `[A-Za-z0-9_]` replaced by `_`         |
 * | detail      | the object and the detail (the event's type when both are empty)           |
 *
 * Step `s` starts at `s * STEP_US` microseconds, so the same result gives the same text. A step
 * of more than `STEP_US` events can print two lines with the same microsecond; the lines keep
 * the trace's order (Perfetto orders equal timestamps by their place in the file). The five
 * flag columns are today's kernel's; Perfetto's systrace tokenizer takes up to five.
 *
 * Slices (`tracing_mark_write`)
 * -----------------------------
 * Every span of the timeline (a subscriber's start → end, an interval notifier's pass, a lock
 * hold) becomes `tracing_mark_write: B|<tgid>|<name>` ... `E|<tgid>`, the lines Perfetto turns
 * into slices. Perfetto nests `B`/`E` per writing thread, so they must be well nested per pid.
 * On a task's own pid they are not: one invalidation starts A then B and ends A then B, and a
 * subscriber's span crosses the SRCU read section and the locks taken inside the walk (that is
 * why the Chrome trace draws them as async slices). What is nested is one task's spans of one
 * subject: the timeline closes the newest open span of a subject on a lane (a stack), and
 * drops or closes the rest at the end of the trace (an end that another task runs still closes
 * the span on its own task's pseudo-thread). So each (task, kind, subject) gets its own
 * pseudo-thread, `<task>/<subject>` with pid `1000 + lanes + n` (n in order of first use),
 * and writes `B|<task pid>|...`: the task's pid as the thread group, so that Perfetto shows the
 * pseudo-threads under the task's process. No span is dropped. Slice names are the Chrome
 * trace's ({@link spanName}); a span still open when the trace ends is closed at its end,
 * named `<subscriber> (no end)`. At one event index the event's line comes first, then the
 * ends (innermost first), then the begins.
 *
 * A finding is marked by a final `finding:` line with its kind, message, step and schedule.
 */

import type { CheckResult, TraceEvent } from '../check/types.ts';
import { eventTimestamps, spanName } from './chrome-trace.ts';
import { buildTimeline, type TimelineSpan } from './timeline.ts';

/** The pid of lane 0; lane `i` is `PID_BASE + i`. */
const PID_BASE = 1000;

/** Event names Perfetto would read as slices or prints: a note named so is renamed. */
const RESERVED_EVENTS = new Set(['tracing_mark_write', 'print', '0']);

const HEADER = [
  '# tracer: nop',
  '#',
  '# entries-in-buffer/entries-written: %N/%N   #P:1',
  '#',
  '#                                _-----=> irqs-off/BH-disabled',
  '#                               / _----=> need-resched',
  '#                              | / _---=> hardirq/softirq',
  '#                              || / _--=> preempt-depth',
  '#                              ||| / _-=> migrate-disable',
  '#                              |||| /     delay',
  '#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION',
  '#              | |         |   |||||     |         |',
];

/** One line's writer: a task, or the pseudo-thread of one of its span subjects. */
interface Writer {
  readonly comm: string;
  readonly pid: number;
}

/** The writer of a finding whose trace is empty: the kernel's name for no task. */
const IDLE: Writer = { comm: '<idle>', pid: 0 };

/** Control characters (newlines included) become spaces: one event, one line. */
function oneLine(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: that is what it replaces
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
}

function commOf(name: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: that is what it replaces
  const comm = name.replace(/[\s\u0000-\u001f\u007f]/g, '_');
  return comm === '' ? '<...>' : comm;
}

function eventName(op: string): string {
  const name = op.replace(/[^A-Za-z0-9_]/g, '_');
  if (name === '') return 'event';
  return RESERVED_EVENTS.has(name) ? `note_${name}` : name;
}

/** A slice name inside `B|<tgid>|<name>`: no `|`, one line. */
function sliceName(name: string): string {
  return oneLine(name).replace(/\|/g, '/');
}

function detailOf(e: TraceEvent): string {
  const parts = [e.obj, e.detail].filter((p) => p !== '');
  return oneLine(parts.length === 0 ? e.type : parts.join(' '));
}

function formatLine(w: Writer, us: number, event: string, detail: string): string {
  const secs = String(Math.floor(us / 1_000_000)).padStart(5);
  const usecs = String(us % 1_000_000).padStart(6, '0');
  return `${w.comm.padStart(16)}-${String(w.pid).padEnd(7)} [000] ..... ${secs}.${usecs}: ${event}: ${detail}`;
}

/**
 * A run as ftrace text (the `nop` tracer's header, one line per trace event, `B`/`E` slices
 * per span, a final line for the finding): the finding's trace when there is one, else the
 * clean run's. Deterministic: the same result gives the same text. Pure (no I/O). The format
 * and why slices are written by per-subject pseudo-threads are in the module comment.
 * @param result what `check()` resolved to.
 */
export function toFtrace(result: CheckResult): string {
  const trace = result.finding?.trace ?? result.trace ?? [];
  const t = buildTimeline(trace, result.finding);
  const us = eventTimestamps(t.events).map((x) => Math.round(x));
  const tasks: Writer[] = t.lanes.map((name, lane) => ({
    comm: commOf(name),
    pid: PID_BASE + lane,
  }));
  const pseudo = new Map<string, Writer>();
  const writerOf = (span: TimelineSpan): Writer => {
    const key = `${span.lane}\u0000${span.kind}\u0000${span.subject}`;
    let w = pseudo.get(key);
    if (w === undefined) {
      const pid = PID_BASE + t.lanes.length + pseudo.size;
      w = { comm: `${tasks[span.lane]!.comm}/${commOf(span.subject)}`, pid };
      pseudo.set(key, w);
    }
    return w;
  };
  const n = t.events.length;
  const begins: TimelineSpan[][] = Array.from({ length: n + 1 }, () => []);
  const ends: TimelineSpan[][] = Array.from({ length: n + 1 }, () => []);
  for (const span of t.spans) {
    writerOf(span);
    begins[span.from]!.push(span);
    ends[Math.min(span.to, n)]!.push(span);
  }
  const lines: string[] = [];
  const slices = (k: number): void => {
    const closing = [...ends[k]!].sort((a, b) => b.from - a.from || b.lane - a.lane);
    for (const span of closing) {
      const w = writerOf(span);
      lines.push(formatLine(w, us[k]!, 'tracing_mark_write', `E|${tasks[span.lane]!.pid}`));
    }
    for (const span of begins[k]!) {
      const w = writerOf(span);
      const mark = `B|${tasks[span.lane]!.pid}|${sliceName(spanName(span))}`;
      lines.push(formatLine(w, us[k]!, 'tracing_mark_write', mark));
    }
  };
  t.events.forEach((e, k) => {
    lines.push(formatLine(tasks[t.laneOf[k]!]!, us[k]!, eventName(e.op), detailOf(e)));
    slices(k);
  });
  slices(n);
  const finding = result.finding;
  if (finding !== undefined) {
    const lane = t.findingAt === undefined ? undefined : t.laneOf[t.findingAt];
    const w = lane === undefined ? IDLE : tasks[lane]!;
    const where = `${finding.kind} at step ${finding.step}, schedule ${finding.schedule}`;
    const detail = `${where}: ${oneLine(finding.message)}`;
    lines.push(formatLine(w, us[n]!, 'finding', detail));
  }
  const count = String(lines.length);
  const header = HEADER.map((h) => h.replace(/%N/g, count));
  return `${[...header, ...lines].join('\n')}\n`;
}
