import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  formatStats,
  formatSummary,
  formatTrace,
  replayCommandLine,
} from '../../src/trace/text.ts';
import { cleanResult, seedFinding, seedTrace } from './fixtures.ts';

describe('formatTrace', () => {
  it('prints one aligned line per event and marks the finding step', () => {
    const text = formatTrace(seedTrace, { markStep: 4 });
    const lines = text.split('\n');
    assert.equal(lines.length, seedTrace.length + 1);
    assert.match(lines[0]!, /step\s+task\s+event/);
    assert.match(lines[8]!, /^ {2}\s+2 {2}oom_reaper\s+· notifier\.start A {2}\[0x0, 0x200000\)/);
    assert.match(lines[lines.length - 1]!, /^>>\s+4 {2}main/);
  });

  it('shows the last events only, counting the rest, and can leave out accesses', () => {
    const text = formatTrace(seedTrace, { max: 3 });
    assert.match(text, /… 12 earlier events/);
    const points = formatTrace(seedTrace, { pointsOnly: true });
    assert.doesNotMatch(points, /spin\.unlock/);
  });
});

describe('formatSummary', () => {
  it('states a finding with its schedule and the command that replays it', () => {
    const text = formatSummary(seedFinding);
    assert.match(text, /^seed-2019 \(semantics legacy-2019\): FINDING \(invariant\) at step 4/);
    assert.match(text, /schedule: v1:0\.1\.0\.2 {2}\(1 preemption\)/);
    assert.match(
      text,
      /replay: {3}npx mmu-notifier replay seed-2019 v1:0\.1\.0\.2 --semantics legacy-2019/,
    );
  });

  it('states a proof for a complete clean search, evidence for an incomplete one', () => {
    assert.match(
      formatSummary(cleanResult),
      /PROVEN: every schedule within 2 preemptions explored/,
    );
    const partial = { ...cleanResult, stats: { ...cleanResult.stats, complete: false } };
    assert.match(formatSummary(partial), /not a proof/);
  });

  it('quotes a schedule for the shell when it needs it', () => {
    const odd = {
      ...seedFinding,
      finding: { ...seedFinding.finding!, schedule: "v1:0;seed=1 'x'" },
    };
    assert.match(replayCommandLine(odd)!, /replay seed-2019 'v1:0;seed=1 '\\''x'\\''' --semantics/);
    assert.equal(replayCommandLine(cleanResult), undefined);
  });

  it('names a file scenario by its path, and a livelock by its step bound', () => {
    assert.match(replayCommandLine(seedFinding, './my.ts')!, /replay \.\/my\.ts v1:0\.1\.0\.2 /);
    // Regression: without the bound the replay ran past it and found nothing (exit 0).
    const livelock: typeof seedFinding = {
      ...seedFinding,
      options: { ...seedFinding.options, maxSteps: 3 },
      finding: { ...seedFinding.finding!, kind: 'livelock' },
    };
    assert.match(replayCommandLine(livelock)!, / --semantics legacy-2019 --max-steps 3$/);
    assert.doesNotMatch(replayCommandLine(seedFinding)!, /--max-steps/);
  });

  it('formats statistics on one line', () => {
    assert.equal(
      formatStats(cleanResult),
      '42 schedules, 500 steps in 30 ms (1,400/s), search complete',
    );
  });
});
