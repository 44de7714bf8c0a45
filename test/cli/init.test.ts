/**
 * `mmu-notifier init <name>` writes a starting scenario that runs (proven clean as written),
 * and refuses to overwrite a file or to take a path. That it type-checks in a user's project
 * is tested with the packed package in `test/examples/outside-repo.test.ts`.
 */

import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cli, noStack, tempFiles } from './harness.ts';

let dir = '';
let cleanup: () => Promise<void> = async () => {};

before(async () => {
  ({ dir, cleanup } = await tempFiles({}));
});

after(() => cleanup());

describe('init', () => {
  it('writes <name>.ts, which check proves clean; with the retry check dropped it finds the race', async () => {
    const r = await cli(['init', 'my-driver'], dir);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, "wrote my-driver.ts: run 'npx mmu-notifier check my-driver.ts'\n");
    const text = await readFile(join(dir, 'my-driver.ts'), 'utf8');
    assert.match(text, /name: 'my-driver'/);
    const checked = await cli(['check', 'my-driver.ts'], dir);
    assert.equal(checked.code, 0, checked.out + checked.err);
    assert.match(checked.out, /my-driver \(semantics current\): PROVEN/);
    // The template is a real driver, not a stub: drop its readRetry and the monitors object.
    const broken = text.replace('if (notifier.readRetry(seq))', 'if (false)');
    assert.notEqual(broken, text);
    await writeFile(join(dir, 'broken.ts'), broken.replace("name: 'my-driver'", "name: 'broken'"));
    const found = await cli(['check', 'broken.ts'], dir);
    assert.equal(found.code, 1, found.out + found.err);
    assert.match(found.out, /FINDING \(invariant\)[\s\S]*drv maps 0x100000 -> pfn \d+/);
  });

  it('never overwrites, and takes a plain name only (exit 2, one line)', async () => {
    await writeFile(join(dir, 'taken.ts'), '// mine\n');
    for (const [arg, message] of [
      ['taken', /init: 'taken\.ts' exists already/],
      ['../up', /is not a scenario name/],
      ['sub/x', /is not a scenario name/],
      ['1abc', /is not a scenario name/],
    ] as const) {
      const r = await cli(['init', arg], dir);
      assert.equal(r.code, 2, arg);
      assert.match(r.err, message);
      assert.equal(r.err.trim().split('\n').length, 1);
      assert.ok(noStack(r.err));
    }
    assert.equal(await readFile(join(dir, 'taken.ts'), 'utf8'), '// mine\n');
  });
});
