/**
 * Goal: a lock-order finding shows its chains wherever findings are shown: the text verdict,
 * the HTML report, the Chrome trace's metadata; a check with lockdep off prints a replay
 * command that keeps it off.
 * Method: the library's `lockdep-alloc-under-notifier-lock-buggy` through `check()`, then
 * each exporter on the result.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { check } from '../../src/check/check.ts';
import { findScenario } from '../../src/scenarios/index.ts';
import { toChromeTrace } from '../../src/trace/chrome-trace.ts';
import { renderHtmlReport } from '../../src/trace/report.ts';
import { formatSummary, replayCommandLine } from '../../src/trace/text.ts';

const scenario = findScenario('lockdep-alloc-under-notifier-lock-buggy')!.scenario;

describe('lockdep reports in the views', () => {
  it('text, HTML and Chrome trace carry the chains', async () => {
    const result = await check(scenario);
    assert.equal(result.finding?.kind, 'lock-order');
    const text = formatSummary(result);
    assert.match(text, /new dependency \(this run\):/);
    assert.match(text, /existing dependency chain:/);
    assert.match(text, /and took drv\.lock \[mutex\.lock, step \d+/);
    const html = renderHtmlReport(result);
    assert.match(html, /<h2>Lock dependency chains<\/h2>/);
    assert.match(html, /<pre id="lockdep">new dependency/);
    const meta = toChromeTrace(result).metadata as { finding: { lockdep?: { kind: string } } };
    assert.equal(meta.finding.lockdep?.kind, 'circular');
  });

  it('the replay command keeps lockdep off when the check had it off', async () => {
    const abba = findScenario('amdkfd-mmput-in-callback-buggy')!.scenario;
    const off = await check(abba, { lockdep: false });
    assert.equal(off.finding?.kind, 'deadlock');
    assert.match(replayCommandLine(off) ?? '', / --no-lockdep$/);
  });
});
