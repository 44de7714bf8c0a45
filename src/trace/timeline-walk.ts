/**
 * The walk behind `buildTimeline`: its mutable state ({@link Builder}) and the handlers of
 * note events and lock operations. The mapping from trace events to spans and marks is the
 * table in `timeline.ts`.
 */

import type { TraceEvent } from '../check/types.ts';
import type {
  CounterSample,
  MarkKind,
  SpanEnd,
  SpanKind,
  TimelineFlow,
  TimelineMark,
  TimelineSpan,
} from './timeline.ts';

const ACQUIRE =
  /^(mutex|spin|rwsem|rwlock|srcu)\.(lock|down_read|down_write|read_lock|write_lock)$/;
const TRY_ACQUIRE = /^(mutex|spin|rwsem|rwlock)\.[a-z_]*trylock$/;
const RELEASE =
  /^(mutex|spin|rwsem|rwlock|srcu)\.(unlock|up_read|up_write|read_unlock|write_unlock)$/;

/** The interval notifier's reader-side notes, by the API name a driver calls. */
const INTERVAL_OPS: Readonly<Record<string, string>> = {
  'interval.insert': 'insert',
  'interval.remove': 'remove',
  'interval.read_begin': 'readBegin',
  'interval.read_retry': 'readRetry',
  'interval.check_retry': 'checkRetry',
  'interval.set_seq': 'setSeq',
};

/** A span that has begun and not yet ended. */
export interface OpenSpan {
  /** What the span will be: a notifier's start..end, an interval pass, a lock hold. */
  readonly kind: SpanKind;
  /** The lane (task) it began on. */
  readonly lane: number;
  /** The subscriber or lock it is about; an end closes the open span with the same subject. */
  readonly subject: string;
  /** The trace index it began at. */
  readonly from: number;
  /** The range or value of the event that opened it. */
  readonly detail: string;
  /**
   * Kept only if its closing event comes: a trylock's hold (an unlock), a one-pass interval
   * `invalidate` (a finish); left open at the end of the trace, it is dropped (an interval
   * becomes a mark).
   */
  readonly tentative: boolean;
}

/** The walk's mutable state, kept apart from the pure helpers below. */
export class Builder {
  /** Task names, one per lane, in order of first appearance (spawn order). */
  readonly lanes: string[] = [];
  /** Per trace event, the lane of its task. */
  readonly laneOf: number[] = [];
  /** Spans closed so far, in the order they closed. */
  readonly spans: TimelineSpan[] = [];
  /** Marks placed so far; {@link Builder.mark} returns an index into this array. */
  readonly marks: TimelineMark[] = [];
  /** Arrows from a failed start to the end it made the caller skip. */
  readonly flows: TimelineFlow[] = [];
  /** Counter samples (`active invalidations`, `invalidate_seq`), in trace order. */
  readonly counters: CounterSample[] = [];
  /** Spans begun and not yet closed; what is left at the end becomes `open` spans. */
  readonly open: OpenSpan[] = [];
  readonly #laneIndex = new Map<string, number>();
  readonly #failsByLane = new Map<number, number[]>();

  /** The lane of `task`, opening a new one below the others on first sight. */
  lane(task: string): number {
    let lane = this.#laneIndex.get(task);
    if (lane === undefined) {
      lane = this.lanes.length;
      this.lanes.push(task);
      this.#laneIndex.set(task, lane);
    }
    return lane;
  }

  /**
   * Places a mark and returns its index; `fail` and `eagain` marks are also indexed per lane,
   * for {@link Builder.causeOf}.
   */
  mark(kind: MarkKind, lane: number, at: number, label: string, detail: string): number {
    this.marks.push({ kind, lane, at, label, detail });
    if (kind === 'fail' || kind === 'eagain') {
      const fails = this.#failsByLane.get(lane) ?? [];
      fails.push(this.marks.length - 1);
      this.#failsByLane.set(lane, fails);
    }
    return this.marks.length - 1;
  }

  /** The open span of `kind` on `subject`, preferring `lane`; its index in `open`, or -1. */
  findOpen(kind: SpanKind, subject: string, lane: number): number {
    let other = -1;
    for (let i = this.open.length - 1; i >= 0; i--) {
      const span = this.open[i]!;
      if (span.kind !== kind || span.subject !== subject) continue;
      if (span.lane === lane) return i;
      if (other < 0) other = i;
    }
    return other;
  }

  /**
   * Closes `open[index]` at trace index `to` with how it ended; `index` comes from
   * {@link Builder.findOpen}. Pairs with {@link Builder.openSpan}.
   */
  close(index: number, to: number, end: SpanEnd): void {
    const span = this.open[index]!;
    this.open.splice(index, 1);
    this.spans.push({
      kind: span.kind,
      lane: span.lane,
      subject: span.subject,
      from: span.from,
      to,
      end,
      detail: span.detail,
    });
    if (span.kind === 'notifier') this.#countActive(to);
  }

  /** Opens a span (a notifier's also moves the active counter). Pairs with {@link Builder.close}. */
  openSpan(span: OpenSpan): void {
    this.open.push(span);
    if (span.kind === 'notifier') this.#countActive(span.from);
  }

  #countActive(at: number): void {
    const value = this.open.filter((s) => s.kind === 'notifier').length;
    this.counters.push({ name: 'active invalidations', at, value });
  }

  /**
   * Why a span that began at `from` on `lane` got no end: the failed start of the same
   * invalidation (the last `fail` before the first `eagain` after `from`, and after any
   * earlier `eagain`), else that `eagain`, else the first `fail` after `from`; -1 if none.
   */
  causeOf(lane: number, from: number): number {
    const marks = (this.#failsByLane.get(lane) ?? []).map((i) => ({ i, m: this.marks[i]! }));
    const eagain = marks.find((x) => x.m.kind === 'eagain' && x.m.at >= from);
    if (eagain === undefined)
      return marks.find((x) => x.m.kind === 'fail' && x.m.at >= from)?.i ?? -1;
    const before = marks.filter((x) => x.m.at < eagain.m.at);
    const lastEagain = before.filter((x) => x.m.kind === 'eagain').pop()?.m.at ?? -1;
    const fail = before.filter((x) => x.m.kind === 'fail' && x.m.at > lastEagain).pop();
    return (fail ?? eagain).i;
  }
}

/** Handles a `note` event (see the table in `timeline.ts`). */
export function onNote(b: Builder, e: TraceEvent, lane: number, at: number): void {
  const subject = e.obj;
  if (e.op === 'notifier.start') {
    b.openSpan({ kind: 'notifier', lane, subject, from: at, detail: e.detail, tentative: false });
  } else if (e.op === 'notifier.end') {
    const i = b.findOpen('notifier', subject, lane);
    if (i >= 0) b.close(i, at, 'ended');
    else b.mark('unpaired-end', lane, at, subject, e.detail);
  } else if (e.op === 'notifier.fail') {
    b.mark('fail', lane, at, subject, e.detail);
  } else if (e.op === 'interval.invalidate') {
    b.openSpan({ kind: 'interval', lane, subject, from: at, detail: e.detail, tentative: true });
  } else if (e.op === 'interval.finish') {
    const i = b.findOpen('interval', subject, lane);
    if (i >= 0) b.close(i, at, 'ended');
    else b.mark('interval', lane, at, subject, e.detail);
  } else if (INTERVAL_OPS[e.op] !== undefined) {
    b.mark('interval-op', lane, at, `${INTERVAL_OPS[e.op]} ${subject}`, e.detail);
  } else if (e.op === 'seq') {
    b.mark('seq', lane, at, subject, e.detail);
    const value = firstNumber(e.detail);
    if (value !== undefined) b.counters.push({ name: 'invalidate_seq', at, value });
  } else if (e.op === 'eagain') {
    b.mark('eagain', lane, at, subject, e.detail);
  } else if (e.op === 'diagnostic') {
    b.mark('diagnostic', lane, at, subject, e.detail);
  } else if (e.op === 'release') {
    b.mark('release', lane, at, subject, e.detail);
  } else if (/retry/.test(e.op)) {
    b.mark('retry', lane, at, shortOp(e.op, subject), e.detail);
  } else if (e.op.startsWith('fault.')) {
    b.mark('fault', lane, at, shortOp(e.op, subject), e.detail);
  }
}

/** Handles a lock operation (a point or an access): opens or closes a lock hold. */
export function onLockOp(b: Builder, e: TraceEvent, lane: number, at: number): void {
  const subject = e.obj;
  if (TRY_ACQUIRE.test(e.op) || ACQUIRE.test(e.op)) {
    const pending = b.findOpen('lock', subject, lane);
    if (pending >= 0 && b.open[pending]!.lane === lane && b.open[pending]!.tentative) {
      b.open.splice(pending, 1);
    }
    const tentative = TRY_ACQUIRE.test(e.op);
    b.openSpan({ kind: 'lock', lane, subject, from: at, detail: e.op, tentative });
  } else if (RELEASE.test(e.op)) {
    const i = b.findOpen('lock', subject, lane);
    if (i >= 0 && b.open[i]!.lane === lane) b.close(i, at, 'ended');
  }
}

function firstNumber(text: string): number | undefined {
  const match = /-?\d+/.exec(text);
  return match === null ? undefined : Number(match[0]);
}

function shortOp(op: string, subject: string): string {
  const kind = op.startsWith('fault.') ? op.slice('fault.'.length) : op;
  return subject === '' ? kind : `${kind} ${subject}`;
}
