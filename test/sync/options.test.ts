/**
 * Goal: every primitive of `sync/` refuses options it cannot use with an InvalidArgumentError
 * that names the primitive (regression: a TypeError from deep inside the constructor, or a
 * name that was not a string carried into every trace and message).
 * Method: each constructor with a non-object, a scheduler that is not one, and a bad name.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from '../../src/errors.ts';
import { EventLoopScheduler } from '../../src/sched/scheduler.ts';
import { Mutex } from '../../src/sync/mutex.ts';
import type { SyncOptions } from '../../src/sync/options.ts';
import { RwSemaphore } from '../../src/sync/rwsem.ts';
import { Shared } from '../../src/sync/shared.ts';
import { SpinLock } from '../../src/sync/spinlock.ts';
import { Srcu } from '../../src/sync/srcu.ts';
import { WaitQueue } from '../../src/sync/wait-queue.ts';

const MAKERS: [string, (options: SyncOptions) => unknown][] = [
  ['Mutex', (o) => new Mutex(o)],
  ['SpinLock', (o) => new SpinLock(o)],
  ['RwSemaphore', (o) => new RwSemaphore(o)],
  ['Srcu', (o) => new Srcu(o)],
  ['WaitQueue', (o) => new WaitQueue(o)],
  ['Shared', (o) => new Shared(0, o)],
];

describe('sync options', () => {
  for (const [what, make] of MAKERS) {
    it(`${what}: bad options are an InvalidArgumentError naming it`, () => {
      for (const bad of [null, 5, { scheduler: 5 }, { scheduler: {} }, { name: 7 }]) {
        assert.throws(
          () => make(bad as never),
          (error: unknown) =>
            error instanceof InvalidArgumentError && error.message.startsWith(`${what}:`),
          `${what} ${JSON.stringify(bad)}`,
        );
      }
      assert.ok(make({ scheduler: new EventLoopScheduler(), name: 'x' }));
      assert.ok(make({}));
    });
  }
});
