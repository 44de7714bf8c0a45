/**
 * A hand-written SVG chart of a bench run (no dependency): one panel of horizontal bars per
 * ratio group (log scale, 1x marked) and one line panel of invalidation cost against n.
 * Pure: rows in, SVG text out.
 */

import type { Row } from './harness.ts';

const WIDTH = 900;
const BAR = 14;
const LABEL = 330;
const PALETTE = ['#2b6cb0', '#c05621', '#2f855a', '#6b46c1', '#b7791f', '#718096', '#c53030'];

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function color(subject: string, subjects: readonly string[]): string {
  return PALETTE[subjects.indexOf(subject) % PALETTE.length]!;
}

/** One bar panel: every row with a ratio, grouped by workload, bar length = log10(ratio). */
function barPanel(
  title: string,
  rows: readonly Row[],
  top: number,
): { svg: string; height: number } {
  const shown = rows.filter((r) => r.ratio !== undefined && r.ratio > 0);
  const subjects = [...new Set(shown.map((r) => r.subject))];
  const hi = Math.log10(Math.max(2, ...shown.map((r) => r.ratio!)));
  const lo = Math.log10(Math.min(1, ...shown.map((r) => r.ratio!)));
  const span = WIDTH - LABEL - 90;
  const pos = (ratio: number): number => LABEL + ((Math.log10(ratio) - lo) / (hi - lo)) * span;
  const zero = pos(1);
  const parts = [`<text x="10" y="${top + 16}" font-weight="bold">${esc(title)}</text>`];
  let y = top + 28;
  let workload = '';
  for (const r of shown) {
    if (r.workload !== workload) {
      workload = r.workload;
      y += 6;
      parts.push(`<text x="10" y="${y + 10}" font-size="11" fill="#333">${esc(workload)}</text>`);
      y += 14;
    }
    const x = pos(Math.min(1, r.ratio!));
    const w = Math.max(1, pos(Math.max(1, r.ratio!)) - x);
    parts.push(
      `<text x="${LABEL - 6}" y="${y + 11}" font-size="11" text-anchor="end">${esc(r.subject)}</text>`,
      `<rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${BAR - 2}" fill="${color(r.subject, subjects)}"/>`,
      `<text x="${(x + w + 4).toFixed(1)}" y="${y + 11}" font-size="11">${r.ratio!.toFixed(2)}x ${esc(r.baseline ?? '')}</text>`,
    );
    y += BAR;
  }
  parts.push(
    `<line x1="${zero}" y1="${top + 24}" x2="${zero}" y2="${y + 4}" stroke="#000" stroke-dasharray="3,3"/>`,
  );
  return { svg: parts.join('\n'), height: y - top + 16 };
}

/** One line panel: series of (n, value) on log-log axes. */
function linePanel(
  title: string,
  series: ReadonlyMap<string, readonly [number, number][]>,
  top: number,
): { svg: string; height: number } {
  const height = 260;
  const points = [...series.values()].flat();
  if (points.length === 0) return { svg: '', height: 0 };
  const xs = points.map((p) => Math.log10(p[0]));
  const ys = points.map((p) => Math.log10(Math.max(p[1], 1e-3)));
  const [x0, x1] = [Math.min(...xs), Math.max(...xs) + 1e-9];
  const [y0, y1] = [Math.floor(Math.min(...ys)), Math.ceil(Math.max(...ys) + 1e-9)];
  const left = 70;
  const right = WIDTH - 260;
  const px = (n: number): number => left + ((Math.log10(n) - x0) / (x1 - x0)) * (right - left);
  const py = (v: number): number =>
    top + 30 + (1 - (Math.log10(Math.max(v, 1e-3)) - y0) / (y1 - y0)) * (height - 60);
  const parts = [`<text x="10" y="${top + 16}" font-weight="bold">${esc(title)}</text>`];
  for (let e = y0; e <= y1; e++) {
    const y = py(10 ** e);
    parts.push(
      `<line x1="${left}" y1="${y}" x2="${right}" y2="${y}" stroke="#ddd"/>`,
      `<text x="${left - 6}" y="${y + 4}" font-size="10" text-anchor="end">${10 ** e} ns</text>`,
    );
  }
  for (const n of new Set(points.map((p) => p[0]))) {
    parts.push(
      `<text x="${px(n)}" y="${top + height - 14}" font-size="10" text-anchor="middle">n=${n.toExponential(0)}</text>`,
    );
  }
  const names = [...series.keys()];
  const configs = [...new Set(names.map((name) => name.replace(/^\S+\s/, '')))];
  for (const [i, name] of names.entries()) {
    const pts = [...series.get(name)!].sort((a, b) => a[0] - b[0]);
    const c = PALETTE[configs.indexOf(name.replace(/^\S+\s/, '')) % PALETTE.length]!;
    const d = pts.map(
      ([n, v], j) => `${j === 0 ? 'M' : 'L'}${px(n).toFixed(1)},${py(v).toFixed(1)}`,
    );
    const dash = name.startsWith('limit') ? ' stroke-dasharray="4,3"' : '';
    parts.push(
      `<path d="${d.join(' ')}" fill="none" stroke="${c}" stroke-width="2"${dash}/>`,
      `<text x="${right + 10}" y="${top + 40 + i * 14}" font-size="11" fill="${c}">${esc(name)}</text>`,
    );
  }
  return { svg: parts.join('\n'), height };
}

/** The whole chart for a run's rows. */
export function chartSvg(rows: readonly Row[], caption: string): string {
  const panels: string[] = [];
  let top = 30;
  const tree = rows.filter((r) => r.bench === 'interval-tree' && r.unit === 'ns/op');
  if (tree.length > 0) {
    const p = barPanel(
      'Interval tree: time relative to the baseline (log scale, lower is better)',
      tree,
      top,
    );
    panels.push(p.svg);
    top += p.height + 10;
  }
  const series = new Map<string, [number, number][]>();
  for (const r of rows.filter((x) => x.bench === 'invalidate' && x.unit === 'ns/op')) {
    const n = Number(/n=(\d+)/.exec(r.workload)?.[1]);
    const key = `${r.subject} ${r.workload.replace(/\s*n=\d+/, '')}`;
    if (Number.isFinite(n)) series.set(key, [...(series.get(key) ?? []), [n, r.value]]);
  }
  const lines = linePanel(
    'Invalidation start+end: ns/op against n (log-log; dashed: the limit)',
    series,
    top,
  );
  panels.push(lines.svg);
  top += lines.height;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${top + 30}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="18" font-size="13">${esc(caption)}</text>`,
    ...panels,
    '</svg>',
    '',
  ].join('\n');
}
