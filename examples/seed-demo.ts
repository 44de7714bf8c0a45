/**
 * `npm start`: the bug this project starts from, found and then proven gone.
 *
 * Goal: show in a few seconds what the checker is for. Method: check the library's
 * `seed-2019` scenario (LKML, July 2019: notifiers A and B on one mm, the OOM reaper
 * invalidating without blocking) twice: under `legacy-2019`, the core as it was then, where
 * B's EAGAIN makes the reaper skip every end and A's start stays unpaired (a finding, with
 * its minimized schedule and trace); and under `current`, where the core ends exactly the
 * subscribers that started (no finding in any schedule). Writes `report.html`.
 */

import { writeFileSync } from 'node:fs';
import { check } from '../src/check/check.ts';
import type { CheckResult } from '../src/check/types.ts';
import { findScenario } from '../src/scenarios/index.ts';
import { renderHtmlReport } from '../src/trace/report.ts';
import { formatSummary, formatTrace } from '../src/trace/text.ts';

const REPORT = 'report.html';

function section(title: string): void {
  console.log(`\n== ${title} ${'='.repeat(Math.max(0, 84 - title.length))}`);
}

async function run(semantics: 'legacy-2019' | 'current'): Promise<CheckResult> {
  const entry = findScenario('seed-2019');
  if (entry === undefined) throw new Error('the scenario library has no seed-2019');
  return check(entry.scenario, { ...entry.defaults, semantics });
}

async function main(): Promise<void> {
  const started = performance.now();
  const entry = findScenario('seed-2019');
  console.log('mmu-notifier: the 2019 seed bug, found under the old semantics, proven fixed today');
  if (entry?.scenario.description !== undefined) console.log(`\n${entry.scenario.description}`);

  section('seed-2019 under legacy-2019 (the core of July 2019)');
  const legacy = await run('legacy-2019');
  if (legacy.finding !== undefined) {
    console.log(
      formatTrace(legacy.finding.trace, { markStep: legacy.finding.step, pointsOnly: true }),
    );
    console.log('');
  }
  console.log(formatSummary(legacy));

  section('seed-2019 under current semantics (exact pairing, as since v5.12)');
  const current = await run('current');
  if (current.finding !== undefined) {
    console.log(
      formatTrace(current.finding.trace, { markStep: current.finding.step, pointsOnly: true }),
    );
    console.log('');
  }
  console.log(formatSummary(current));

  const description = entry?.scenario.description;
  writeFileSync(REPORT, renderHtmlReport(legacy, description === undefined ? {} : { description }));
  section('done');
  console.log(`report of the finding written to ${REPORT} (open it in a browser)`);
  console.log(
    'Chrome trace: npx mmu-notifier check seed-2019 --semantics legacy-2019 --trace seed.trace.json',
  );
  console.log(`finished in ${((performance.now() - started) / 1000).toFixed(2)} s`);
  if (legacy.ok || !current.ok) process.exitCode = 1;
}

await main();
