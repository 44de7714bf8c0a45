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
  MATRIX_SEMANTICS,
  readMatrix,
  renderTable,
  spliceReadme,
  verdictOf,
} from '../../scripts/matrix.ts';
import { check } from '../../src/check/check.ts';
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
        const word = { found: 'FINDING', proven: 'PROVEN', limit: 'not a proof' }[cell.verdict];
        assert.ok(printed.includes(word), printed);
      });
    }
  }

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
