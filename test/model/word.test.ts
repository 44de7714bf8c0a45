/**
 * Goal: a recorded word reads and writes through the scheduler's access log (so the checker
 * orders it) and `peek` does not. Method: a scheduler stub that counts accesses.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Word } from '../../src/model/word.ts';
import { EventLoopScheduler, type Op } from '../../src/sched/scheduler.ts';

class Counting extends EventLoopScheduler {
  readonly ops: Op[] = [];
  override access(op: Op): void {
    this.ops.push(op);
  }
}

describe('Word', () => {
  it('records get, set and peek (peek quietly: no trace event)', () => {
    const sched = new Counting();
    const w = new Word(1, 'kvm->mmu_invalidate_seq', sched);
    w.set(w.get() + 1);
    assert.equal(w.peek(), 2);
    assert.deepEqual(
      sched.ops.map((o) => [o.kind, o.write]),
      [
        ['word.load', false],
        ['word.store', true],
        ['word.peek', false],
      ],
    );
    assert.equal(sched.ops.at(-1)?.quiet, true);
  });
});
