/**
 * A run's trace read as a timeline: the one model both exporters draw (the Chrome trace in
 * `chrome-trace.ts`, the SVG in `svg.ts`), so that they agree on what happened.
 *
 * Protocol
 * --------
 * {@link buildTimeline} walks the trace once, in order. Time is the event's index in the
 * trace (`at`), so two events of one step stay apart and the picture is deterministic.
 *
 * | trace event (op)                       | becomes                                              |
 * |----------------------------------------|------------------------------------------------------|
 * | `notifier.start` (obj = subscriber)    | opens a `notifier` span on the task's lane          |
 * | `notifier.end`                         | closes that subscriber's open span (same task first) |
 * | `notifier.end` with nothing open       | an `unpaired-end` mark                               |
 * | `notifier.fail`                        | a `fail` mark (its start failed; it opened no span)  |
 * | `eagain`, `diagnostic`                 | marks (the caller got EAGAIN; a contract report)     |
 * | `interval.invalidate` / `.finish`      | an `interval` span (a mark when no finish follows)   |
 * | `mutex.lock`, `rwsem.down_*`, ...      | opens a `lock` span; `*.unlock`, `*.up_*` close it   |
 * | `mutex.trylock`, `*_trylock`           | a tentative hold, kept only if an unlock follows     |
 * | `task` `spawn` (obj = the child)       | the child's lane, so lanes follow spawn order        |
 * | `seq`, `release`, `fault.*`, `*retry*` | marks (and the `invalidate_seq` counter for `seq`)   |
 * | `interval.read_begin`, `.read_retry`, `.set_seq`, `.insert`, ... | an `interval-op` mark labelled with the API name (`readBegin odp`) |
 *
 * At the end of the trace every notifier span still open is an `open` span. If its task got
 * `eagain` after the span began, the end was skipped because a start of that invalidation
 * failed (the 2019 seed bug): a `skipped-end` mark is placed at the end and a flow joins the
 * failed start (see `causeOf`) to it.
 */

import type { Finding, TraceEvent } from '../check/types.ts';
import { Builder, onLockOp, onNote } from './timeline-walk.ts';

/** What a span shows: a subscriber's invalidation, an interval notifier's, or a lock hold. */
export type SpanKind = 'notifier' | 'interval' | 'lock';

/** How a span ended: its end came, or the trace ended first. */
export type SpanEnd = 'ended' | 'open';

/** A stretch of time on one lane. */
export interface TimelineSpan {
  /** The span's kind. */
  readonly kind: SpanKind;
  /** Index into {@link Timeline.lanes}. */
  readonly lane: number;
  /** The subscriber's or the lock's name. */
  readonly subject: string;
  /** The event index where it began. */
  readonly from: number;
  /** The event index where it ended (the last event's index + 1 for an open span). */
  readonly to: number;
  /** How it ended. */
  readonly end: SpanEnd;
  /** The start event's detail (the range, the lock op). */
  readonly detail: string;
}

/** The kinds of point-in-time mark. */
export type MarkKind =
  | 'fail'
  | 'eagain'
  | 'diagnostic'
  | 'fault'
  | 'retry'
  | 'seq'
  | 'release'
  | 'interval'
  | 'interval-op'
  | 'unpaired-end'
  | 'skipped-end'
  | 'finding';

/** A point-in-time event on one lane. */
export interface TimelineMark {
  /** The mark's kind. */
  readonly kind: MarkKind;
  /** Index into {@link Timeline.lanes}. */
  readonly lane: number;
  /** The event index. */
  readonly at: number;
  /** Short label (the subscriber, the fault kind). */
  readonly label: string;
  /** Free text from the trace. */
  readonly detail: string;
}

/** An arrow from one mark to another (a failure to the end it made a caller skip). */
export interface TimelineFlow {
  /** Index into {@link Timeline.marks} of the cause. */
  readonly from: number;
  /** Index into {@link Timeline.marks} of the effect. */
  readonly to: number;
}

/** A sampled counter value. */
export interface CounterSample {
  /** The counter's name (`active invalidations`, `invalidate_seq`). */
  readonly name: string;
  /** The event index. */
  readonly at: number;
  /** The value from this event on. */
  readonly value: number;
}

/** The whole picture of one run. */
export interface Timeline {
  /** Task names, in order of first appearance. */
  readonly lanes: readonly string[];
  /** The events, as given. */
  readonly events: readonly TraceEvent[];
  /** The lane of each event. */
  readonly laneOf: readonly number[];
  /** Spans, in order of their start. */
  readonly spans: readonly TimelineSpan[];
  /** Marks, in order. */
  readonly marks: readonly TimelineMark[];
  /** Flow arrows between marks. */
  readonly flows: readonly TimelineFlow[];
  /** Counter samples, in order. */
  readonly counters: readonly CounterSample[];
  /** The event index of the finding, when there is one. */
  readonly findingAt?: number;
  /** Events left out at the start (the trace was longer than the limit). */
  readonly skipped: number;
}

/** The most events a timeline takes by default (the checker's own trace limit). */
export const TIMELINE_EVENTS_MAX = 200_000;

/**
 * Reads a trace as a {@link Timeline}. Pure: the same trace gives the same timeline.
 * @param trace the run's events, in order (a finding's `trace`, or a clean run's).
 * @param finding the finding, to place its mark.
 * @param maxEvents keep only the last this many events (a finding is at the end).
 */
export function buildTimeline(
  trace: readonly TraceEvent[],
  finding?: Finding,
  maxEvents: number = TIMELINE_EVENTS_MAX,
): Timeline {
  const skipped = Math.max(0, trace.length - Math.max(1, maxEvents));
  const events = trace.slice(skipped);
  const b = new Builder();
  events.forEach((e, at) => {
    const lane = b.lane(e.task);
    b.laneOf.push(lane);
    if (e.type === 'task' && e.op === 'spawn' && e.obj !== '') b.lane(e.obj);
    if (e.type === 'note') onNote(b, e, lane, at);
    else if (e.type === 'point' || e.type === 'access') onLockOp(b, e, lane, at);
  });
  const last = events.length;
  finishOpen(b, last);
  let findingAt: number | undefined;
  if (finding !== undefined && events.length > 0) {
    findingAt = lastIndexAtOrBefore(events, finding.step);
    b.mark('finding', b.laneOf[findingAt]!, findingAt, finding.kind, finding.message);
  }
  b.spans.sort((x, y) => x.from - y.from || x.lane - y.lane);
  const result: Timeline = {
    skipped,
    lanes: b.lanes,
    events,
    laneOf: b.laneOf,
    spans: b.spans,
    marks: b.marks,
    flows: b.flows,
    counters: b.counters,
  };
  return findingAt === undefined ? result : { ...result, findingAt };
}

/** Ends what is still open at the end of the trace; joins skipped ends to their cause. */
function finishOpen(b: Builder, last: number): void {
  for (let i = b.open.length - 1; i >= 0; i--) {
    const span = b.open[i]!;
    if (span.tentative) {
      b.open.splice(i, 1);
      if (span.kind === 'interval')
        b.mark('interval', span.lane, span.from, span.subject, span.detail);
      continue;
    }
    if (span.kind !== 'notifier') {
      b.close(i, last, 'open');
      continue;
    }
    const cause = b.causeOf(span.lane, span.from);
    b.close(i, last, 'open');
    if (cause >= 0) {
      const at = Math.max(0, last - 1);
      const to = b.mark('skipped-end', span.lane, at, span.subject, 'invalidate_range_end skipped');
      b.flows.push({ from: cause, to });
    }
  }
}

function lastIndexAtOrBefore(events: readonly TraceEvent[], step: number): number {
  for (let i = events.length - 1; i >= 0; i--) {
    if (events[i]!.step <= step) return i;
  }
  return 0;
}
