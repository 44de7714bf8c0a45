import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderHtmlReport } from '../../src/trace/report.ts';
import { renderTimelineSvg } from '../../src/trace/svg.ts';
import { buildTimeline } from '../../src/trace/timeline.ts';
import { cleanResult, HOSTILE, hostileResult, seedFinding, seedTrace } from './fixtures.ts';

describe('renderHtmlReport', () => {
  it('is one self-contained file: no script, no external URL, a strict CSP', () => {
    const html = renderHtmlReport(seedFinding);
    assert.doesNotMatch(html, /<script|<link|<img|@import|url\(http|src=/i);
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
    const urls = html.match(/https?:\/\/[^"\s]+/g) ?? [];
    assert.deepEqual(urls, ['http://www.w3.org/2000/svg']);
  });

  it('names a file scenario by its path in the replay command', () => {
    const html = renderHtmlReport(seedFinding, { scenarioArg: './my.ts' });
    assert.ok(html.includes('npx mmu-notifier replay ./my.ts v1:0.1.0.2 --semantics'), 'replay');
  });

  it('shows the scenario, verdict, schedule, statistics, timeline and pairs', () => {
    const html = renderHtmlReport(seedFinding, { description: 'the seed' });
    for (const needle of [
      'Scenario <code>seed-2019</code>',
      'FINDING: invariant',
      '<pre id="schedule">v1:0.1.0.2</pre>',
      'npx mmu-notifier replay seed-2019 v1:0.1.0.2 --semantics legacy-2019',
      '<th>schedules</th><td class="num">7</td>',
      '<svg',
      'class="finding"',
      'id="pairs"',
      '<p class="desc">the seed</p>',
    ]) {
      assert.ok(html.includes(needle), needle);
    }
  });

  it('says proof or evidence for a clean run', () => {
    assert.match(renderHtmlReport(cleanResult), /NO FINDING[\s\S]*this is a proof/);
    const partial = { ...cleanResult, stats: { ...cleanResult.stats, complete: false } };
    assert.match(renderHtmlReport(partial), /evidence, not a proof/);
  });

  it('escapes every label', () => {
    const html = renderHtmlReport(hostileResult);
    assert.ok(!html.includes(HOSTILE));
    assert.doesNotMatch(html, /<script/i);
    assert.ok(html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;'));
  });

  it('draws only the last events of a long trace, and says so', () => {
    const html = renderHtmlReport(seedFinding, { timelineEventsMax: 5 });
    assert.match(html, /The first 10 events are not drawn/);
    assert.match(html, /Trace \(15 events\)/);
  });

  it('is deterministic and handles a result without a trace', () => {
    assert.equal(renderHtmlReport(seedFinding), renderHtmlReport(seedFinding));
    const bare = { ...cleanResult, trace: [] };
    assert.match(renderHtmlReport(bare), /No trace recorded/);
  });
});

describe('renderTimelineSvg', () => {
  it('draws a lane per task, the spans, the marks, the flow and the finding', () => {
    const svg = renderTimelineSvg(buildTimeline(seedTrace, seedFinding.finding), 'seed');
    assert.equal((svg.match(/<g class="lane"/g) ?? []).length, 3);
    assert.match(svg, /class="span notifier open" data-kind="notifier" data-subject="A"/);
    assert.match(svg, /class="span lock ended"/);
    assert.match(svg, /class="mark fail"/);
    assert.match(svg, /class="mark skipped-end"/);
    assert.match(svg, /class="flow"/);
    assert.match(svg, /class="finding"/);
  });

  it('stays within a sane width for a long trace', () => {
    const long = Array.from({ length: 3000 }, (_, i) => ({
      step: i,
      task: `t${i % 3}`,
      type: 'point' as const,
      op: 'yield',
      obj: '',
      detail: '',
    }));
    const svg = renderTimelineSvg(buildTimeline(long), 'long');
    const width = Number(/width="(\d+)"/.exec(svg)?.[1]);
    assert.ok(width <= 132 + 3000 * 3 + 48, String(width));
  });
});
