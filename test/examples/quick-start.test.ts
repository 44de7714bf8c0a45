import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { quickStartChecker } from '../../examples/quick-start-checker.ts';
import { quickStartLibrary } from '../../examples/quick-start-library.ts';

describe("the README's examples", () => {
  it('library: the seed under current semantics leaves A balanced; await using pairs the end', async () => {
    assert.deepEqual(await quickStartLibrary(), [
      "nonblock start -> EAGAIN; A's counter is 0",
      "inside munmap's invalidation: A's counter is 1, ok=true",
      "after it: A's counter is 0",
    ]);
  });

  it('checker: the lost update is found and replayed; the locked version is proven', async () => {
    const log = await quickStartChecker();
    assert.match(log[0]!, /^racy: invariant: .*lost update: counter is 1/);
    assert.match(log[1]!, /^schedule v1:/);
    assert.match(log[2]!, /lost update: counter is 1/);
    assert.equal(log[3], 'locked: ok=true, complete=true');
  });
});
