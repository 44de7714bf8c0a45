/**
 * The HTML report: one self-contained file (inline CSS and SVG, no script, no network: a
 * Content-Security-Policy of `default-src 'none'` says so to the browser) showing the
 * scenario, the verdict, the minimized schedule with its replay command, the statistics, the
 * timeline picture, the start/end pairs per subscriber, and the trace itself.
 *
 * Deterministic: the same result gives the same bytes (no dates, no random ids). Every piece
 * of text from the result goes through {@link escapeXml}.
 */

import { formatLockdepReport } from '../check/lockdep/format.ts';
import type { CheckResult, TraceEvent } from '../check/types.ts';
import { escapeXml } from './escape.ts';
import { renderTimelineSvg } from './svg.ts';
import { formatStats, replayCommandLine } from './text.ts';
import { buildTimeline, type Timeline } from './timeline.ts';

/** Options of {@link renderHtmlReport}. */
export interface ReportOptions {
  /** The scenario's description, shown under its name. */
  readonly description?: string;
  /** What names the scenario in the replay command (a file's path); its name by default. */
  readonly scenarioArg?: string;
  /** What runs the CLI in the replay command; `npx mmu-notifier` by default (see `replayCommandLine`). */
  readonly command?: readonly string[];
  /** Rows of the trace table at most (the last ones). Default 2,000. */
  readonly traceRowsMax?: number;
  /** Events drawn in the timeline at most (the last ones). Default {@link REPORT_TIMELINE_EVENTS}. */
  readonly timelineEventsMax?: number;
}

/** Events drawn in a report's timeline by default: enough for any minimized finding. */
export const REPORT_TIMELINE_EVENTS = 3000;

const CSS = `
:root{color-scheme:light}
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#0f172a;background:#fff;margin:0}
main{max-width:1240px;margin:0 auto;padding:12px 16px 48px}
section.overview{padding:12px 12px 16px;background:#fff}
header{display:flex;align-items:baseline;gap:16px;flex-wrap:wrap;border-bottom:1px solid #e2e8f0;padding-bottom:12px}
h1{font-size:22px;margin:0}h1 code{font-size:20px}
h2{font-size:15px;margin:26px 0 8px;color:#334155;text-transform:uppercase;letter-spacing:.04em}
.desc{color:#475569;margin:6px 0 0;flex-basis:100%}
.verdict{display:inline-block;padding:3px 10px;border-radius:999px;font-weight:700;font-size:13px}
.verdict.finding{background:#fee2e2;color:#b91c1c;border:1px solid #fca5a5}
.verdict.clean{background:#dcfce7;color:#166534;border:1px solid #86efac}
.message{font-size:16px;margin:14px 0 0;padding:10px 14px;border-left:4px solid #dc2626;background:#fef2f2}
.message.clean{border-color:#16a34a;background:#f0fdf4}
code,pre{font-family:ui-monospace,'SFMono-Regular',Menlo,monospace;font-size:12.5px}
pre{background:#f1f5f9;padding:8px 12px;border-radius:6px;overflow-x:auto;margin:4px 0}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:8px 28px}
table{border-collapse:collapse;width:100%}
td,th{text-align:left;padding:3px 10px 3px 0;border-bottom:1px solid #f1f5f9;vertical-align:top}
th{color:#475569;font-weight:600}
td.num{font-variant-numeric:tabular-nums}
.timeline-wrap{overflow-x:auto;border:1px solid #e2e8f0;border-radius:8px;padding:6px 0;background:#fff}
.legend{display:flex;flex-wrap:wrap;gap:14px;color:#475569;font-size:12px;margin:8px 0 0}
.legend i{display:inline-block;width:22px;height:10px;border-radius:2px;margin-right:5px;vertical-align:middle}
tr.at-finding td{background:#fff7f7}
tr.hit td{background:#fee2e2;font-weight:600;color:#991b1b}
#trace td{white-space:nowrap}#trace td:last-child{white-space:normal}
tr.note td{color:#475569}
.bad{color:#b91c1c;font-weight:700}
details summary{cursor:pointer;color:#334155;font-weight:600}
footer{margin-top:36px;color:#94a3b8;font-size:12px}
`;

function header(result: CheckResult, options: ReportOptions): string {
  const cls = result.ok ? 'clean' : 'finding';
  const label = result.ok ? 'NO FINDING' : `FINDING: ${result.finding!.kind}`;
  const semantics = result.options['semantics'];
  const under =
    typeof semantics === 'string'
      ? `<span>semantics <code>${escapeXml(semantics)}</code></span>`
      : '';
  const desc =
    options.description === undefined
      ? ''
      : `<p class="desc">${escapeXml(options.description)}</p>`;
  return `<header><h1>Scenario <code>${escapeXml(result.scenario)}</code></h1><span class="verdict ${cls}">${escapeXml(label)}</span>${under}${desc}</header>`;
}

function verdict(result: CheckResult, options: ReportOptions): string {
  const f = result.finding;
  if (f === undefined) {
    const text = result.stats.complete
      ? 'Every schedule was explored and no invariant broke: within the bounds shown below, this is a proof.'
      : 'No finding in the schedules explored. The search was not complete, so this is evidence, not a proof.';
    return `<p class="message clean">${escapeXml(text)}</p>`;
  }
  const replay = replayCommandLine(result, options.scenarioArg, options.command) ?? '';
  const chains =
    f.lockdep === undefined
      ? ''
      : `\n<h2>Lock dependency chains</h2>\n<pre id="lockdep">${escapeXml(formatLockdepReport(f.lockdep).join('\n'))}</pre>`;
  return `<p class="message" id="finding-message">${escapeXml(f.message)}</p>${chains}
<h2>Minimized schedule</h2>
<pre id="schedule">${escapeXml(f.schedule)}</pre>
<p>${f.preemptions} preemption${f.preemptions === 1 ? '' : 's'}; detected at step ${f.step}. Replay it:</p>
<pre>${escapeXml(replay)}</pre>`;
}

function statistics(result: CheckResult): string {
  const s = result.stats;
  const rows: [string, string][] = [
    ['schedules', s.schedules.toLocaleString('en-US')],
    ['steps', s.steps.toLocaleString('en-US')],
    ['elapsed', `${Math.round(s.elapsedMs)} ms`],
    ['rate', `${Math.round(s.schedulesPerSecond).toLocaleString('en-US')} schedules/s`],
    ['search complete', s.complete ? 'yes' : 'no'],
  ];
  if (s.stoppedBy !== undefined) rows.push(['stopped by', s.stoppedBy]);
  if (s.pruned !== undefined) rows.push(['runs pruned', s.pruned.toLocaleString('en-US')]);
  const opts = Object.entries(result.options)
    .filter(([, v]) => v !== undefined && typeof v !== 'function')
    .map(
      ([k, v]) =>
        [k, v === null ? 'none' : typeof v === 'string' ? v : JSON.stringify(v)] as [
          string,
          string,
        ],
    );
  const table = (r: [string, string][]): string =>
    `<table>${r.map(([k, v]) => `<tr><th>${escapeXml(k)}</th><td class="num">${escapeXml(v)}</td></tr>`).join('')}</table>`;
  return `<div class="grid2"><div><h2>Statistics</h2>${table(rows)}</div><div><h2>Options</h2>${table(opts)}</div></div>`;
}

function pairs(t: Timeline): string {
  const subjects = [...new Set(t.spans.filter((s) => s.kind === 'notifier').map((s) => s.subject))];
  for (const m of t.marks) {
    const counted = m.kind === 'unpaired-end' || m.kind === 'fail';
    if (counted && !subjects.includes(m.label)) subjects.push(m.label);
  }
  if (subjects.length === 0) return '';
  const rows = subjects.map((subject) => {
    const spans = t.spans.filter((s) => s.kind === 'notifier' && s.subject === subject);
    const count = (end: string): number => spans.filter((s) => s.end === end).length;
    const unpaired = t.marks.filter((m) => m.kind === 'unpaired-end' && m.label === subject).length;
    const open = count('open');
    const fails = t.marks.filter((m) => m.kind === 'fail' && m.label === subject).length;
    const cell = (n: number): string => `<td class="num${n > 0 ? ' bad' : ''}">${n}</td>`;
    return `<tr><td><code>${escapeXml(subject)}</code></td><td class="num">${spans.length}</td><td class="num">${count('ended')}</td><td class="num">${fails}</td>${cell(open)}${cell(unpaired)}</tr>`;
  });
  return `<h2>Invalidation pairs per subscriber</h2><table id="pairs"><tr><th>subscriber</th><th>starts</th><th>paired ends</th><th>failed (EAGAIN)</th><th>never ended</th><th>end without start</th></tr>${rows.join('')}</table>`;
}

const LEGEND = `<div class="legend"><span><i style="background:#2563eb"></i>subscriber start → end</span><span><i style="background:#94a3b8"></i>lock held</span><span><b style="color:#dc2626">✕</b> start failed / EAGAIN</span><span><b style="color:#dc2626">◌</b> end skipped</span><span><i style="border:2px dashed #dc2626"></i>never ended</span><span><i style="background:#334155;width:6px"></i>task ran (scheduling point)</span><span><i style="background:#dc2626;width:3px"></i>the finding</span></div>`;

function traceTable(result: CheckResult, trace: readonly TraceEvent[], max: number): string {
  const events = trace.slice(Math.max(0, trace.length - max));
  const hitStep = result.finding?.step;
  const rows = events.map((e) => {
    const classes = [
      e.op.startsWith('finding.') ? 'hit' : '',
      e.step === hitStep ? 'at-finding' : '',
      e.type === 'note' ? 'note' : '',
    ].filter((c) => c !== '');
    const cls = classes.length === 0 ? '' : ` class="${classes.join(' ')}"`;
    return `<tr${cls}><td class="num">${e.step}</td><td>${escapeXml(e.task)}</td><td>${escapeXml(e.type)}</td><td><code>${escapeXml(e.op)}</code></td><td>${escapeXml(e.obj)}</td><td>${escapeXml(e.detail)}</td></tr>`;
  });
  const cut = trace.length - events.length;
  const more = cut > 0 ? `<p>${cut} earlier events not shown.</p>` : '';
  return `<details${trace.length <= 200 ? ' open' : ''}><summary>Trace (${trace.length} events)</summary>${more}<table id="trace"><tr><th>step</th><th>task</th><th>type</th><th>op</th><th>object</th><th>detail</th></tr>${rows.join('')}</table></details>`;
}

/**
 * A self-contained HTML report of one `check()` or replay result. Pure: returns the text of
 * the file; the caller writes it.
 */
export function renderHtmlReport(result: CheckResult, options: ReportOptions = {}): string {
  const trace = result.finding?.trace ?? result.trace ?? [];
  const t = buildTimeline(
    trace,
    result.finding,
    options.timelineEventsMax ?? REPORT_TIMELINE_EVENTS,
  );
  const cut =
    t.skipped > 0
      ? `<p>The first ${t.skipped} events are not drawn; the trace table has them.</p>`
      : '';
  const title = `${result.scenario}: ${result.ok ? 'no finding' : result.finding!.message}`;
  const svg =
    t.events.length === 0
      ? '<p>No trace recorded.</p>'
      : `${cut}<div class="timeline-wrap">${renderTimelineSvg(t, `Timeline of ${result.scenario}`)}</div>${LEGEND}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(title)}</title><style>${CSS}</style></head>
<body><main>
<section class="overview">
${header(result, options)}
${verdict(result, options)}
<h2>Timeline</h2>
${svg}
${pairs(t)}
</section>
${statistics(result)}
<h2>Trace</h2>
${traceTable(result, trace, options.traceRowsMax ?? 2000)}
<footer>mmu-notifier report · ${escapeXml(formatStats(result))}</footer>
</main></body></html>
`;
}
