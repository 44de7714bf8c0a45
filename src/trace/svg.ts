/**
 * The timeline picture: an inline SVG drawn from a {@link Timeline}.
 *
 * Layout: one lane per task, top to bottom in order of first appearance. Each lane has a run
 * strip (a tick for every event of that task: who ran when) and rows below it for spans,
 * packed greedily so overlapping spans never share a row. Subscriber invalidations are
 * coloured per subscriber; lock holds are grey; a span whose end never came is drawn open
 * (dashed, fading out) and a failure's arrow points at the end it made the caller skip. The
 * finding is a red line across every lane with its message on top.
 *
 * Every label goes through {@link escapeXml}. Elements carry `class` and `data-*` attributes
 * so that tests (and curious readers of the file) can find them.
 */

import { escapeXml, truncate } from './escape.ts';
import {
  BANNER_CHAR_PX,
  CHAR_PX,
  DX_MAX,
  DX_MIN,
  LABEL_ROW,
  type LaneLayout,
  LEFT,
  layoutLanes,
  markText,
  RIGHT,
  ROW,
  type Scale,
  STRIP,
  subjectColour,
  TOP,
  WIDTH_TARGET,
} from './svg-layout.ts';
import type { Timeline, TimelineMark, TimelineSpan } from './timeline.ts';

function defs(): string {
  return `<defs>
<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="#dc2626"/></marker>
<linearGradient id="fade" x1="0" x2="1" y1="0" y2="0"><stop offset="0" stop-color="#fff" stop-opacity="0"/><stop offset="1" stop-color="#fff" stop-opacity="0.85"/></linearGradient>
</defs>`;
}

function axis(t: Timeline, scale: Scale, height: number): string {
  const parts: string[] = [];
  const n = t.events.length;
  const minGap = 22;
  let lastStep = -1;
  let lastLabelX = Number.NEGATIVE_INFINITY;
  for (let at = 0; at < n; at++) {
    const step = t.events[at]!.step;
    if (step === lastStep) continue;
    lastStep = step;
    const xs = scale.x(at);
    parts.push(`<line class="grid" x1="${xs}" x2="${xs}" y1="${TOP - 8}" y2="${height - 8}"/>`);
    if (xs - lastLabelX >= minGap) {
      parts.push(`<text class="tick" x="${xs}" y="${TOP - 12}">${step}</text>`);
      lastLabelX = xs;
    }
  }
  parts.push(`<text class="axis-label" x="${LEFT - 12}" y="${TOP - 12}">step</text>`);
  return parts.join('');
}

function laneBackground(t: Timeline, lanes: readonly LaneLayout[], width: number): string {
  return t.lanes
    .map((task, lane) => {
      const l = lanes[lane]!;
      const label = escapeXml(truncate(task, 18));
      return `<g class="lane" data-task="${escapeXml(task)}"><rect class="lane-bg${lane % 2 ? ' odd' : ''}" x="0" y="${l.y - 6}" width="${width}" height="${l.height + 6}"/><text class="lane-label" x="${LEFT - 12}" y="${l.stripY + 10}">${label}<title>${escapeXml(task)}</title></text></g>`;
    })
    .join('');
}

function runStrips(t: Timeline, lanes: readonly LaneLayout[], scale: Scale): string {
  const w = Math.max(1.5, Math.min(scale.dx - 1, 8));
  return t.events
    .map((e, at) => {
      const l = lanes[t.laneOf[at]!]!;
      const cls = e.type === 'point' ? 'run point' : e.type === 'note' ? 'run note' : 'run access';
      const title = `step ${e.step} · ${e.task} · ${e.op} ${e.obj} ${e.detail}`.trim();
      return `<rect class="${cls}" x="${scale.x(at)}" y="${l.stripY}" width="${w}" height="${STRIP - 6}"><title>${escapeXml(title)}</title></rect>`;
    })
    .join('');
}

function spanShape(
  t: Timeline,
  span: TimelineSpan,
  l: LaneLayout,
  scale: Scale,
  subjects: readonly string[],
): string {
  const row = l.rowOf.get(span) ?? 0;
  const y = l.stripY + STRIP + row * ROW;
  const x0 = scale.x(span.from);
  const w = Math.max(4, scale.x(span.to) - x0);
  const lock = span.kind === 'lock';
  const colour = lock ? '#94a3b8' : subjectColour(span.subject, subjects);
  const h = lock ? ROW - 8 : ROW - 4;
  const text = span.end === 'open' && !lock ? `${span.subject} — no end` : span.subject;
  const title = `${span.kind} ${span.subject} on ${t.lanes[span.lane]}: ${span.detail} (${span.end})`;
  const label = w > 24 ? truncate(text, Math.floor((w - 8) / CHAR_PX)) : '';
  const attrs = `class="span ${span.kind} ${span.end}" data-kind="${span.kind}" data-subject="${escapeXml(span.subject)}" data-end="${span.end}"`;
  const body = `<rect x="${x0}" y="${y}" width="${w}" height="${h}" rx="3" fill="${colour}"/>${lock && span.end === 'open' ? `<rect x="${x0}" y="${y}" width="${w}" height="${h}" rx="3" fill="url(#fade)"/>` : ''}`;
  const extra =
    span.end === 'open' && !lock
      ? `<rect x="${x0}" y="${y}" width="${w}" height="${h}" rx="3" fill="url(#fade)"/><rect class="open-edge" x="${x0}" y="${y}" width="${w}" height="${h}" rx="3"/>`
      : '';
  const labelSvg =
    label === ''
      ? ''
      : `<text class="span-label${lock ? ' dark' : ''}" x="${x0 + 5}" y="${y + h / 2 + 4}">${escapeXml(label)}</text>`;
  return `<g ${attrs}>${body}${extra}${labelSvg}<title>${escapeXml(title)}</title></g>`;
}

function glyph(mark: TimelineMark, cx: number, cy: number): string {
  switch (mark.kind) {
    case 'fail':
    case 'eagain':
      return `<path class="glyph fail" d="M${cx - 5} ${cy - 5}L${cx + 5} ${cy + 5}M${cx + 5} ${cy - 5}L${cx - 5} ${cy + 5}"/>`;
    case 'fault':
      return `<path class="glyph fault" d="M${cx} ${cy - 6}L${cx + 6} ${cy}L${cx} ${cy + 6}L${cx - 6} ${cy}z"/>`;
    case 'skipped-end':
    case 'unpaired-end':
    case 'diagnostic':
      return `<circle class="glyph missing" cx="${cx}" cy="${cy}" r="6"/>`;
    case 'seq':
      return `<rect class="glyph seq" x="${cx - 1.5}" y="${cy - 6}" width="3" height="12"/>`;
    default:
      return `<circle class="glyph ${mark.kind}" cx="${cx}" cy="${cy}" r="4.5"/>`;
  }
}

function glyphCentre(m: TimelineMark, l: LaneLayout, scale: Scale): [number, number] {
  return [scale.x(m.at) + Math.min(scale.dx, 8) / 2, l.stripY + (STRIP - 6) / 2];
}

function marks(t: Timeline, lanes: readonly LaneLayout[], scale: Scale): string {
  return t.marks
    .filter((m) => m.kind !== 'finding')
    .map((m) => {
      const l = lanes[m.lane]!;
      const [cx, cy] = glyphCentre(m, l, scale);
      const row = l.labelRowOf.get(m);
      const label =
        row === undefined
          ? ''
          : `<text class="mark-label ${m.kind}" x="${scale.x(m.at) - 2}" y="${l.y + 9 + row * LABEL_ROW}">${escapeXml(markText(m))}</text>`;
      const title = `${markText(m)}: ${m.detail}`;
      return `<g class="mark ${m.kind}" data-kind="${m.kind}">${glyph(m, cx, cy)}${label}<title>${escapeXml(title)}</title></g>`;
    })
    .join('');
}

function flows(t: Timeline, lanes: readonly LaneLayout[], scale: Scale): string {
  return t.flows
    .map((f) => {
      const a = t.marks[f.from]!;
      const b = t.marks[f.to]!;
      const [x1, ya] = glyphCentre(a, lanes[a.lane]!, scale);
      const [xb, y2] = glyphCentre(b, lanes[b.lane]!, scale);
      const x2 = xb - 8;
      const y1 = ya + 7;
      const mid = (x1 + x2) / 2;
      return `<path class="flow" d="M${x1} ${y1}C${mid} ${y1 + 26} ${mid} ${y2} ${x2} ${y2}" marker-end="url(#arrow)"><title>failed start → the end it made the caller skip</title></path>`;
    })
    .join('');
}

function findingLine(t: Timeline, scale: Scale, height: number, width: number): string {
  const m = t.marks.find((mark) => mark.kind === 'finding');
  if (m === undefined) return '';
  const cx = scale.x(m.at) + Math.min(scale.dx, 8) / 2;
  const full = m.detail.startsWith(`${m.label}:`) ? m.detail : `${m.label}: ${m.detail}`;
  const text = truncate(`✖ ${full}`, 120);
  const textW = text.length * BANNER_CHAR_PX + 16;
  const boxX = Math.max(4, Math.min(cx - textW / 2, width - textW - 4));
  return `<g class="finding" data-at="${m.at}"><line x1="${cx}" x2="${cx}" y1="24" y2="${height - 8}"/><rect x="${boxX}" y="4" width="${textW}" height="22" rx="4"/><text x="${boxX + 8}" y="19">${escapeXml(text)}</text><title>${escapeXml(full)}</title></g>`;
}

const STYLE = `<style>
.lane-bg{fill:#f8fafc}.lane-bg.odd{fill:#f1f5f9}
.lane-label{font:600 12px system-ui,sans-serif;fill:#0f172a;text-anchor:end}
.tick{font:10px ui-monospace,monospace;fill:#64748b;text-anchor:middle}
.axis-label{font:10px ui-monospace,monospace;fill:#64748b;text-anchor:end}
.grid{stroke:#e2e8f0;stroke-width:1}
.run.point{fill:#334155}.run.access{fill:#94a3b8}.run.note{fill:#cbd5e1}
.span-label{font:600 11px system-ui,sans-serif;fill:#fff;pointer-events:none}.span-label.dark{fill:#1e293b;font-weight:500;font-size:10px}
.open-edge{fill:none;stroke:#dc2626;stroke-width:2;stroke-dasharray:5 3}
.glyph.fail{stroke:#dc2626;stroke-width:2.5;fill:none}.glyph.fault{fill:#f59e0b;stroke:#92400e}
.glyph.missing{fill:#fff;stroke:#dc2626;stroke-width:2;stroke-dasharray:3 2}.glyph.seq{fill:#0284c7}
.glyph.retry{fill:#a855f7}.glyph.release{fill:#0f172a}.glyph.interval{fill:#14b8a6}.glyph.interval-op{fill:#0d9488}
.mark-label{font:600 10px system-ui,sans-serif;fill:#b91c1c}.mark-label.fault,.mark-label.retry{fill:#92400e}.mark-label.diagnostic{fill:#7c2d12;font-style:italic}.mark-label.seq{fill:#0369a1;font-weight:500}.mark-label.interval,.mark-label.interval-op{fill:#0f766e}.mark-label.release{fill:#0f172a}
.flow{fill:none;stroke:#dc2626;stroke-width:1.8;stroke-dasharray:4 3}
.finding line{stroke:#dc2626;stroke-width:2}.finding rect{fill:#dc2626}.finding text{font:600 11px system-ui,sans-serif;fill:#fff}
</style>`;

/**
 * Draws a timeline as a standalone `<svg>` element (no external references).
 * @param t the timeline, from `buildTimeline`.
 * @param title the accessible name of the picture.
 */
export function renderTimelineSvg(t: Timeline, title: string): string {
  const n = Math.max(1, t.events.length);
  const dx = Math.max(DX_MIN, Math.min(DX_MAX, WIDTH_TARGET / n));
  const scale: Scale = { dx, x: (at) => Math.round((LEFT + at * dx) * 10) / 10 };
  const lanes = layoutLanes(t, scale);
  const last = lanes[lanes.length - 1];
  const height = (last === undefined ? TOP : last.y + last.height) + 16;
  const width = Math.ceil(LEFT + n * dx + RIGHT);
  const subjects = [...new Set(t.spans.filter((s) => s.kind !== 'lock').map((s) => s.subject))];
  const spans = t.spans.map((s) => spanShape(t, s, lanes[s.lane]!, scale, subjects)).join('');
  const body = `${laneBackground(t, lanes, width)}${axis(t, scale, height)}${runStrips(t, lanes, scale)}${spans}${marks(t, lanes, scale)}${flows(t, lanes, scale)}${findingLine(t, scale, height, width)}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" class="timeline" role="img" aria-label="${escapeXml(title)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${STYLE}${defs()}<title>${escapeXml(title)}</title>${body}</svg>`;
}
