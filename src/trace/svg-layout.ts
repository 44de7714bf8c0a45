/**
 * The geometry of the timeline picture: sizes, the horizontal scale, and the placement of
 * each lane's label rows, run strip and span rows (greedy packing, so that overlapping
 * spans or labels never share a row). Drawing is in `svg.ts`.
 */

import type { Timeline, TimelineMark, TimelineSpan } from './timeline.ts';

/** Width of the lane labels, px. */
export const LEFT = 132;
/** Margin right of the last event, px. */
export const RIGHT = 48;
/** Height above the first lane (finding banner, step axis), px. */
export const TOP = 58;
/** Height of a lane's run strip, px. */
export const STRIP = 16;
/** Height of one span row, px. */
export const ROW = 20;
/** Height of one row of mark labels, px. */
export const LABEL_ROW = 12;
/** Gap between lanes, px. */
export const LANE_GAP = 14;
/** Width the events are spread over, px (within DX_MIN..DX_MAX per event). */
export const WIDTH_TARGET = 990;
/** Narrowest width of one event, px. */
export const DX_MIN = 3;
/** Widest width of one event, px. */
export const DX_MAX = 72;
/** Average width of a character of the finding banner's (bold) font, px. */
export const BANNER_CHAR_PX = 7.1;
/** Average width of a character of the labels' font, px. */
export const CHAR_PX = 6.4;
/** The mark kinds that get a text label (the others only a tooltip). */
export const LABELLED: ReadonlySet<string> = new Set([
  'fail',
  'eagain',
  'skipped-end',
  'unpaired-end',
  'fault',
  'retry',
  'diagnostic',
  'seq',
  'interval',
  'interval-op',
  'release',
]);

/** Colours of the subscribers, in order of first appearance. */
export const PALETTE = [
  '#2563eb',
  '#059669',
  '#d97706',
  '#7c3aed',
  '#0891b2',
  '#db2777',
  '#65a30d',
  '#4f46e5',
];

/** Placement of one lane: its label rows (for marks), its run strip, its span rows. */
export interface LaneLayout {
  /** Top of the lane. */
  readonly y: number;
  /** Top of the run strip (below the label rows). */
  readonly stripY: number;
  /** Height of the lane. */
  readonly height: number;
  /** The row of each span of the lane, from 0 below the strip. */
  readonly rowOf: Map<TimelineSpan, number>;
  /** The label row of each labelled mark of the lane. */
  readonly labelRowOf: Map<TimelineMark, number>;
}

/** The horizontal scale: event index to x, and the width of one event. */
export interface Scale {
  /** The x of an event index. */
  readonly x: (at: number) => number;
  /** The width of one event. */
  readonly dx: number;
}

/** The colour of a subscriber: its place among the subscribers, in the palette. */
export function subjectColour(subject: string, subjects: readonly string[]): string {
  const i = subjects.indexOf(subject);
  return PALETTE[Math.max(0, i) % PALETTE.length]!;
}

/** Packs intervals into rows greedily; returns each one's row and the rows used. */
export function packRows<T>(
  items: readonly T[],
  from: (i: T) => number,
  to: (i: T) => number,
  rowOf: Map<T, number>,
  base: number,
): number {
  const rowEnds: number[] = [];
  for (const item of items) {
    let row = rowEnds.findIndex((end) => end <= from(item));
    if (row < 0) row = rowEnds.length;
    rowEnds[row] = Math.max(to(item), from(item) + 1);
    rowOf.set(item, base + row);
  }
  return rowEnds.length;
}

/** A mark's label text (a diagnostic shows its kind). */
export function markText(m: TimelineMark): string {
  if (m.kind === 'diagnostic') return /^[\w-]+/.exec(m.detail)?.[0] ?? 'diagnostic';
  if (m.kind === 'seq') return `seq=${m.detail}`;
  return `${MARK_TEXT[m.kind]} ${m.label}`.trim();
}

/** Label rows on top (marks' labels never overlap), then the strip, then span rows. */
export function layoutLanes(t: Timeline, scale: Scale): LaneLayout[] {
  let y = TOP;
  return t.lanes.map((_, lane) => {
    const labelRowOf = new Map<TimelineMark, number>();
    const labelled = t.marks.filter((m) => m.lane === lane && LABELLED.has(m.kind));
    const left = (m: TimelineMark): number => scale.x(m.at) - 2;
    const right = (m: TimelineMark): number => left(m) + markText(m).length * CHAR_PX * 0.95 + 6;
    const labelRows = packRows(labelled, left, right, labelRowOf, 0);
    const rowOf = new Map<TimelineSpan, number>();
    const spans = t.spans.filter((s) => s.lane === lane);
    const from = (s: TimelineSpan): number => s.from;
    const to = (s: TimelineSpan): number => s.to;
    const rows = packRows(
      spans.filter((s) => s.kind !== 'lock'),
      from,
      to,
      rowOf,
      0,
    );
    const lockRows = packRows(
      spans.filter((s) => s.kind === 'lock'),
      from,
      to,
      rowOf,
      rows,
    );
    const stripY = y + labelRows * LABEL_ROW + (labelRows > 0 ? 4 : 0);
    const height = stripY - y + STRIP + Math.max(1, rows + lockRows) * ROW + 6;
    const layout = { y, stripY, height, rowOf, labelRowOf };
    y += height + LANE_GAP;
    return layout;
  });
}

/** The words before a mark's label. */
export const MARK_TEXT: Readonly<Record<TimelineMark['kind'], string>> = {
  fail: 'start failed',
  eagain: 'EAGAIN',
  diagnostic: 'diagnostic',
  fault: '',
  retry: '',
  seq: 'seq',
  release: 'release',
  interval: 'invalidate',
  'interval-op': '',
  'unpaired-end': 'end without start',
  'skipped-end': 'end skipped',
  finding: '',
};
