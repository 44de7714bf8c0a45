/**
 * Who holds what: the lock holders of one run, derived from the ops the primitives pass
 * through the scheduler seam (no primitive tracks its owner), so that a deadlock report can
 * say, for each waiting task, who holds what it waits on and since when (loom style).
 *
 * Protocol
 * --------
 * The controlled scheduler feeds every op of a traced run (the reported one; searching runs
 * skip it), in order: {@link HolderTable.resumed}
 * for a point a task is resumed at, {@link HolderTable.accessed} for a synchronous access.
 * The table replays each lock's state machine from those ops alone:
 *
 * | op                                   | effect                                          |
 * |--------------------------------------|-------------------------------------------------|
 * | `mutex.lock`, `rwsem.down_write` resumed | the task holds it, exclusively (it was free: the point was enabled) |
 * | `rwsem.down_read` resumed            | the task holds it, shared                        |
 * | `mutex.trylock`, `rwsem.down_write_trylock` | exclusive holder iff nobody held it (that is when the primitive succeeds) |
 * | `rwsem.down_read_trylock`            | shared holder iff no exclusive holder           |
 * | `srcu.read_lock`                     | a shared holder (a read section)                |
 * | `mutex.unlock`, `rwsem.up_write`     | the exclusive holder is gone                    |
 * | `rwsem.up_read`, `srcu.read_unlock`  | one shared holder is gone (the caller's newest) |
 *
 * A holder records the step and the op that took it, and, on traced runs only (reading a
 * stack costs microseconds), the place in the user's code (`file:line:col`). Spin locks are
 * left out: taking one never parks, so it is never what a deadlocked task waits on.
 */

import type { Op } from '../sched/scheduler.ts';

/** One holder of a lock. */
export interface Holder {
  /** The task's name. */
  readonly task: string;
  /** The step at which it took the lock. */
  readonly step: number;
  /** The op that took it (`mutex.lock`, `srcu.read_lock`...). */
  readonly op: string;
  /** Where in the user's code, on traced runs (`file:line:col`). */
  readonly where: string | undefined;
  /** True for a shared hold (a reader). */
  readonly shared: boolean;
}

type Effect =
  | 'exclusive'
  | 'shared'
  | 'try-exclusive'
  | 'try-shared'
  | 'release'
  | 'release-shared';

const EFFECTS: Readonly<Record<string, Effect>> = {
  'mutex.lock': 'exclusive',
  'rwsem.down_write': 'exclusive',
  'rwsem.down_read': 'shared',
  'mutex.trylock': 'try-exclusive',
  'rwsem.down_write_trylock': 'try-exclusive',
  'rwsem.down_read_trylock': 'try-shared',
  'srcu.read_lock': 'shared',
  'mutex.unlock': 'release',
  'rwsem.up_write': 'release',
  'rwsem.up_read': 'release-shared',
  'srcu.read_unlock': 'release-shared',
};

/** True when resuming a task at `op` takes a lock (so where it was called from matters). */
export function takesLock(op: Op): boolean {
  const effect = EFFECTS[op.kind];
  return effect === 'exclusive' || effect === 'shared';
}

/** True when an access of `op` may take a lock. */
export function mayTakeLock(op: Op): boolean {
  const effect = EFFECTS[op.kind];
  return effect !== undefined && effect !== 'release' && effect !== 'release-shared';
}

/** The holders of every lock of one run (see the module comment). */
export class HolderTable {
  readonly #byObj = new Map<number, Holder[]>();

  /** The holders of `obj` now (empty when free or not a lock). */
  of(obj: number): readonly Holder[] {
    return this.#byObj.get(obj) ?? [];
  }

  /** `task` was resumed at the point `op`, at `step`. */
  resumed(op: Op, task: string, step: number, where: string | undefined): void {
    const effect = EFFECTS[op.kind];
    if (effect === 'exclusive' || effect === 'shared') {
      this.#add(op, { task, step, op: op.kind, where, shared: effect === 'shared' });
    }
  }

  /** `task` did the synchronous `op` at `step`; `where` only when it may take a lock. */
  accessed(op: Op, task: string, step: number, where: string | undefined): void {
    const effect = EFFECTS[op.kind];
    if (effect === undefined) return;
    const holders = this.of(op.obj);
    switch (effect) {
      case 'try-exclusive':
        if (holders.length === 0) this.#add(op, { task, step, op: op.kind, where, shared: false });
        return;
      case 'try-shared':
        if (!holders.some((h) => !h.shared))
          this.#add(op, { task, step, op: op.kind, where, shared: true });
        return;
      case 'shared':
      case 'exclusive':
        this.#add(op, { task, step, op: op.kind, where, shared: effect === 'shared' });
        return;
      case 'release':
        this.#remove(op.obj, (h) => !h.shared);
        return;
      case 'release-shared': {
        const index = lastShared(holders, task);
        if (index >= 0) this.#removeAt(op.obj, index);
        return;
      }
    }
  }

  #add(op: Op, holder: Holder): void {
    const list = this.#byObj.get(op.obj);
    if (list === undefined) this.#byObj.set(op.obj, [holder]);
    else list.push(holder);
  }

  #remove(obj: number, which: (h: Holder) => boolean): void {
    const index = this.of(obj).findIndex(which);
    if (index >= 0) this.#removeAt(obj, index);
  }

  #removeAt(obj: number, index: number): void {
    const list = this.#byObj.get(obj)!;
    list.splice(index, 1);
    if (list.length === 0) this.#byObj.delete(obj);
  }
}

/** The index of `task`'s newest shared hold, else of the newest shared hold; -1 if none. */
function lastShared(holders: readonly Holder[], task: string): number {
  let any = -1;
  for (let i = holders.length - 1; i >= 0; i--) {
    if (!holders[i]!.shared) continue;
    if (holders[i]!.task === task) return i;
    if (any < 0) any = i;
  }
  return any;
}

/** `held by 'evict' itself since step 3 (mutex.lock at drv.ts:12:5)`, for one holder. */
export function describeHolder(holder: Holder, waiter: string): string {
  const who = holder.task === waiter ? `'${holder.task}' itself` : `'${holder.task}'`;
  const at = holder.where === undefined ? '' : ` at ${holder.where}`;
  return `${who} since step ${holder.step} (${holder.op}${at})`;
}
