/**
 * Goal: a task of an ended run that reaches a scheduling point later (its timer fired after
 * an `outside` finding) does not keep its run alive: its world is garbage-collected.
 * Method: `gc/dead-run-worlds.ts` in a child `node --expose-gc` (node:test cannot pass the
 * flag to its own process) checks such a scenario 40 times and counts, with a
 * `FinalizationRegistry`, the worlds collected once the late points were reached. Before the
 * fix (one module-level never-settling promise) none of them was.
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'gc', 'dead-run-worlds.ts');

describe('dead runs', () => {
  it('a task parked for ever after its run ended is collected with its world', () => {
    const r = spawnSync(
      process.execPath,
      ['--expose-gc', '--import', import.meta.resolve('tsx'), SCRIPT, '40'],
      { encoding: 'utf8', timeout: 120_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    const { runs, worlds, collected } = JSON.parse(r.stdout) as Record<string, number>;
    assert.equal(runs, 40);
    assert.equal(worlds, 80); // the search's run and the traced replay, per check
    // The last world or two may still be referenced from the stack of the script itself.
    assert.ok(collected! >= worlds! - 2, `${collected} of ${worlds} worlds collected`);
  });
});
