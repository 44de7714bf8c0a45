/**
 * Goal: the interval tree's optimized code survives the death of every tree. V8 holds hidden
 * classes (maps) weakly; without `IntervalTree`'s map keeper, a GC after the last tree died
 * collected the node and root maps and threw away the optimized insert code ("weak objects"
 * deoptimization), so each new tree started in the interpreter (3x slower inserts, issue 16).
 * Method: a child Node with `--trace-opt --trace-deopt` builds and drops a tree of 20,000
 * intervals six times, with a full GC after each; its trace must show `linkNode` optimized and
 * no code of the tree thrown away for weak objects.
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const TREE = new URL('../../src/core/interval-tree.ts', import.meta.url).href;
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const CHILD = `
const { IntervalTree } = await import(${JSON.stringify(TREE)});
for (let round = 0; round < 6; round++) {
  let tree = new IntervalTree();
  for (let i = 0; i < 20000; i++) {
    const start = 0x7f0000000000 + ((i * 7919) % 20000) * 4096;
    tree.insert(start, start + 65535, i);
  }
  if (tree.size !== 20000) throw new Error('size');
  tree = null;
  globalThis.gc();
}
`;

describe('IntervalTree optimized code', () => {
  it('is not thrown away when every tree has died and a GC ran', () => {
    const r = spawnSync(
      process.execPath,
      [
        '--expose-gc',
        '--trace-opt',
        '--trace-deopt',
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        CHILD,
      ],
      { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    assert.equal(r.status, 0, r.stderr);
    const trace = r.stdout;
    assert.match(trace, /completed optimizing .*<JSFunction linkNode /);
    const thrown = trace
      .split('\n')
      .filter((line) => /weak objects/.test(line))
      .filter((line) => /SharedFunctionInfo (linkNode|rbInsertColor|rotate|insert)>/.test(line));
    assert.deepEqual(thrown, []);
  });
});
