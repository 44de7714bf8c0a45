/**
 * Goal: the committed semantics matrix (docs/matrix.json and the README table) is what the
 * checker says: for a few cheap scenarios, under each semantics, the verdict and the number
 * of schedules equal a fresh `check()` with the library defaults (what
 * `mmu-notifier check <name> --semantics <s>` runs and prints), and the README block is the
 * table rendered from docs/matrix.json. Also the README splice touches nothing else.
 * Method: re-run the cheap cells; compare; render and compare text.
 */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  disagrees,
  KNOWN_REAL_LIMITS,
  MATRIX_REAL,
  MATRIX_SEMANTICS,
  type MatrixRow,
  readMatrix,
  renderTable,
  runRealCell,
  spliceReadme,
  type Verdict,
  verdictOf,
} from '../../scripts/matrix.ts';
import { check } from '../../src/check/check.ts';
import { availableKernelModules } from '../../src/kernel/module.ts';
import { findScenario, scenarioLibrary } from '../../src/scenarios/index.ts';
import { formatSummary } from '../../src/trace/text.ts';

const CHEAP = ['seed-2019', 'itree-nonblock-unwind-buggy', '93065ac753e4-fixed'];

describe('semantics matrix', () => {
  const doc = readMatrix();

  it('covers every library scenario under every semantics', () => {
    assert.ok(doc !== undefined, 'docs/matrix.json exists (npm run matrix)');
    assert.deepEqual(doc.semantics, MATRIX_SEMANTICS);
    assert.deepEqual(
      doc.rows.map((r) => r.name),
      scenarioLibrary.map((e) => e.scenario.name),
      'rerun npm run matrix after changing the library',
    );
  });

  for (const name of CHEAP) {
    for (const semantics of MATRIX_SEMANTICS) {
      it(`${name} under ${semantics} matches a fresh check`, async () => {
        const entry = findScenario(name);
        assert.ok(entry !== undefined && doc !== undefined);
        const cell = doc.rows.find((r) => r.name === name)?.verdicts[semantics];
        assert.ok(cell !== undefined);
        const result = await check(entry.scenario, { ...entry.defaults, semantics });
        assert.equal(verdictOf(result), cell.verdict);
        assert.equal(result.stats.schedules, cell.schedules);
        const printed = formatSummary(result);
        const word = { found: 'FINDING', proven: 'PROVEN', limit: 'not a proof', 'n/a': '' };
        assert.ok(printed.includes(word[cell.verdict]), printed);
      });
    }
  }

  // The real-core columns, once the matrix has them (npm run matrix with the fiber builds).
  for (const name of CHEAP) {
    for (const c of MATRIX_REAL) {
      it(`${name} on ${c.column} matches a fresh check on the real core`, async (t) => {
        if (doc?.realCores === undefined) return t.skip('docs/matrix.json has no real columns yet');
        const entry = findScenario(name);
        assert.ok(entry !== undefined);
        const cell = doc.rows.find((r) => r.name === name)?.real?.[c.column];
        assert.ok(cell !== undefined, `${name} has a ${c.column} cell`);
        const fresh = await runRealCell(entry, c.semantics);
        assert.equal(fresh.verdict, cell.verdict);
        assert.equal(fresh.schedules, cell.schedules);
      });
    }
  }

  it('a real cell disagrees only found against proven; an n/a cell is the real code lacking a feature', async () => {
    const cell = (verdict: Verdict) => ({ verdict, schedules: 1, ms: 1 });
    const row = (ts: Verdict, real: Verdict): MatrixRow => ({
      name: 'x',
      expect: 'clean',
      defaultSemantics: 'current',
      verdicts: {
        current: cell(ts),
        'linux-6.12': cell(ts),
        'linux-6.1': cell(ts),
        'legacy-2019': cell(ts),
        kernel: cell(ts),
      },
      real: { 'real 6.1.192': cell(real) },
    });
    const c = MATRIX_REAL[0];
    assert.equal(disagrees(row('found', 'proven'), c), true);
    assert.equal(disagrees(row('proven', 'found'), c), true);
    assert.equal(disagrees(row('proven', 'limit'), c), false);
    assert.equal(disagrees(row('found', 'n/a'), c), false);
    assert.equal(disagrees(row('found', 'found'), c), false);
    const twoPass = findScenario('two-pass-multi-gpu');
    assert.ok(twoPass !== undefined && KNOWN_REAL_LIMITS['two-pass-multi-gpu'] !== undefined);
    if (!availableKernelModules().some((m) => m.series === '6.1' && m.fiberPath !== undefined))
      return;
    const na = await runRealCell(twoPass, 'linux-6.1');
    assert.equal(na.verdict, 'n/a');
    assert.match(na.finding ?? '', /two-pass interval callbacks .* not in the real 6\.1\.192 code/);
  });

  it('README shows the table rendered from docs/matrix.json', () => {
    assert.ok(doc !== undefined);
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    assert.ok(readme.includes('## Semantics matrix'));
    assert.ok(readme.includes(`<!-- matrix:start -->\n${renderTable(doc)}\n<!-- matrix:end -->`));
  });

  it('spliceReadme replaces only the block, or appends heading and block', () => {
    const once = spliceReadme('# x\n\ntext\n', 'T1');
    assert.equal(
      once,
      '# x\n\ntext\n\n## Semantics matrix\n\n<!-- matrix:start -->\nT1\n<!-- matrix:end -->\n',
    );
    assert.equal(spliceReadme(`${once}after\n`, 'T2'), `${once.replace('T1', 'T2')}after\n`);
  });
});
