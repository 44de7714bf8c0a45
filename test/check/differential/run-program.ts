/**
 * Runs a program of `program.ts` as a checker scenario: the world's primitives, one task per
 * statement list, the invariants, and a `finally` that reports the run's outcome (final cell
 * values and what each task observed).
 */

import { defineScenario, type Scenario, type World } from '../../../src/check/world.ts';
import type { Mutex } from '../../../src/sync/mutex.ts';
import type { RwSemaphore } from '../../../src/sync/rwsem.ts';
import type { Shared } from '../../../src/sync/shared.ts';
import type { SpinLock } from '../../../src/sync/spinlock.ts';
import type { Srcu } from '../../../src/sync/srcu.ts';
import type { WaitQueue } from '../../../src/sync/wait-queue.ts';
import type { Count, Program, Stmt } from './program.ts';

/** The objects of one run of a program. */
interface Objects {
  readonly world: World;
  readonly cells: readonly Shared<number>[];
  readonly mutexes: readonly Mutex[];
  readonly spin: SpinLock;
  readonly rw: RwSemaphore;
  readonly srcu: Srcu;
  readonly wq: WaitQueue;
}

/** A task's local state: its last loaded value and everything it observed. */
interface Local {
  last: number;
  readonly seen: number[];
}

async function runList(o: Objects, list: readonly Stmt[], local: Local): Promise<void> {
  for (const s of list) await runStmt(o, s, local);
}

async function load(local: Local, cell: Shared<number>): Promise<void> {
  local.last = await cell.load();
  local.seen.push(local.last);
}

async function runStmt(o: Objects, s: Stmt, local: Local): Promise<void> {
  switch (s.op) {
    case 'load':
      return load(local, o.cells[s.c]!);
    case 'store':
      return o.cells[s.c]!.store(s.fromLast ? local.last + s.k : s.k);
    case 'inc':
      await load(local, o.cells[s.c]!);
      return o.cells[s.c]!.store(local.last + 1);
    case 'spin': {
      const cell = o.cells[s.c]!;
      o.spin.lock();
      cell.set(cell.value * 2 + s.k);
      return o.spin.unlock();
    }
    case 'mutex':
      await o.mutexes[s.m]!.lock();
      await runList(o, s.body, local);
      return o.mutexes[s.m]!.unlock();
    case 'try': {
      const got = o.mutexes[s.m]!.tryLock();
      local.seen.push(got ? -1 : -2);
      if (!got) return runList(o, s.no, local);
      await runList(o, s.yes, local);
      return o.mutexes[s.m]!.unlock();
    }
    case 'wait': {
      const cell = o.cells[s.c]!;
      return o.wq.wait(() => cell.value === s.k);
    }
    case 'wake':
      return o.wq.wakeUpAll();
    case 'yield':
      return o.world.yieldNow();
    case 'if':
      return runList(o, local.last === s.k ? s.yes : s.no, local);
    case 'rread':
      await o.rw.readLock();
      await load(local, o.cells[s.c]!);
      return o.rw.readUnlock();
    case 'rwrite': {
      await o.rw.writeLock();
      const cell = o.cells[s.c]!;
      cell.set(cell.value + 1);
      return o.rw.writeUnlock();
    }
    case 'tryread':
      if (!o.rw.tryReadLock()) return void local.seen.push(-3);
      await load(local, o.cells[s.c]!);
      return o.rw.readUnlock();
    case 'srcu': {
      const token = o.srcu.readLock();
      await runList(o, s.body, local);
      return o.srcu.readUnlock(token);
    }
    case 'sync':
      return o.srcu.synchronize();
    case 'rsection':
      await o.rw.readLock();
      await runList(o, s.body, local);
      return o.rw.readUnlock();
    case 'trywrite': {
      if (!o.rw.tryWriteLock()) return void local.seen.push(-4);
      const cell = o.cells[s.c]!;
      cell.set(cell.value + 1);
      return o.rw.writeUnlock();
    }
    case 'count':
      return void local.seen.push(100 + count(o, s.of));
  }
}

/** The count `of` (a read the reduction records). */
function count(o: Objects, of: Count): number {
  return of === 'rw' ? o.rw.readers : of === 'srcu' ? o.srcu.readers : o.wq.sleepers;
}

/** A scenario of `program` plus `describe()`: the state of the latest run, as a string. */
export function toScenario(
  program: Program,
  onComplete: (outcome: string) => void,
): {
  readonly scenario: Scenario;
  readonly describe: () => string;
} {
  let describe = (): string => '';
  const scenario = defineScenario({
    name: 'random-program',
    setup(world) {
      const o: Objects = {
        world,
        cells: Array.from({ length: program.cells }, (_, i) => world.shared(0, `c${i}`)),
        mutexes: [world.mutex('m0'), world.mutex('m1')],
        spin: world.spinLock('sp'),
        rw: world.rwsem('rw'),
        srcu: world.srcu('srcu'),
        wq: world.waitQueue('wq'),
      };
      const locals: Local[] = program.tasks.map(() => ({ last: 0, seen: [] }));
      program.tasks.forEach((list, t) => {
        world.spawn(`t${t}`, () => runList(o, list, locals[t]!));
      });
      program.invariants.forEach((inv, k) => {
        const left = (): number =>
          inv.on === undefined ? o.cells[inv.a]!.value : count(o, inv.on);
        world.invariant(`inv${k}`, () => !(left() === inv.x && o.cells[inv.b]!.value === inv.y));
      });
      describe = () =>
        `${o.cells.map((c) => c.value).join(',')}|${locals.map((l) => l.seen.join(',')).join('|')}`;
      world.finally(() => onComplete(`ok ${describe()}`));
    },
  });
  return { scenario, describe: () => describe() };
}
