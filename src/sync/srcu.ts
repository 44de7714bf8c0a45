/**
 * A sleepable read-copy-update domain: the kernel's `struct srcu_struct` with
 * `srcu_read_lock()`, `srcu_read_unlock()` and `synchronize_srcu()`.
 *
 * Readers enter and leave synchronously and may sleep inside the section. `synchronize()`
 * returns only after every read section that had begun before it was called has ended
 * (a grace period). Sections that begin later do not hold it up.
 *
 * State: the current epoch and, per epoch, the number of readers inside. `readLock()`
 * returns the epoch it counted in (the kernel's `idx`); `synchronize()` opens a new epoch and
 * waits until every older epoch has no readers.
 *
 * Accesses for the checker's reduction (`Op.commutes`; soundness in `docs/architecture.md`,
 * "Reduction"): `srcu_read_lock` and `srcu_read_unlock` are *commuting updates* (ADD): each
 * changes one epoch's reader count by one (and the caller's own open sections) and reads only
 * the current epoch, which only `synchronize` (a write) changes; `srcu_read_unlock` checks the
 * caller's own open sections, not the counts, so no reader's outcome depends on another's
 * order. Waiting for a grace period reads the counts; the `readers` getter is a read.
 */

import { LockStateError } from '../errors.ts';
import {
  defaultScheduler,
  OP_COMMUTES,
  OP_QUIET,
  type Op,
  PrimitiveOp,
  type Scheduler,
} from '../sched/scheduler.ts';
import { checkSyncOptions, type SyncOptions } from './options.ts';

/** The kernel's `struct srcu_struct`. */
export class Srcu {
  /** The object id, for traces and reduction. */
  readonly id: number;
  /** The label given at construction. */
  readonly name: string;
  readonly #sched: Scheduler;
  readonly #readOp: Op;
  readonly #unlockOp: Op;
  readonly #syncOp: Op;
  readonly #waitOp: Op;
  readonly #countOp: Op;
  #epoch = 0;
  readonly #readers = new Map<number, number>();
  /** Per task (when the scheduler names tasks): its open sections per epoch. */
  readonly #holds = new Map<number, Map<number, number>>();

  constructor(options: SyncOptions = {}) {
    checkSyncOptions(options, 'Srcu');
    this.#sched = options.scheduler ?? defaultScheduler;
    this.name = options.name ?? 'srcu';
    this.id = this.#sched.objectId(this.name);
    this.#readOp = new PrimitiveOp('srcu.read_lock', this.id, true, this.name, OP_COMMUTES);
    this.#unlockOp = new PrimitiveOp('srcu.read_unlock', this.id, true, this.name, OP_COMMUTES);
    this.#syncOp = new PrimitiveOp('srcu.synchronize', this.id, true, this.name);
    this.#waitOp = new PrimitiveOp('srcu.synchronize', this.id, false, this.name);
    this.#countOp = new PrimitiveOp('srcu.readers', this.id, false, this.name, OP_QUIET);
  }

  /** How many read sections are open now (a read: it conflicts with the readers' updates). */
  get readers(): number {
    this.#sched.access(this.#countOp);
    let total = 0;
    for (const count of this.#readers.values()) total += count;
    return total;
  }

  /** `srcu_read_lock()`: synchronous; returns the token for {@link Srcu.readUnlock}. */
  readLock(): number {
    this.#sched.access(this.#readOp);
    const epoch = this.#epoch;
    this.#readers.set(epoch, (this.#readers.get(epoch) ?? 0) + 1);
    this.#hold(epoch, 1);
    return epoch;
  }

  /** Counts an open section of the calling task in `epoch` (`delta` +1 or -1). */
  #hold(epoch: number, delta: number): void {
    const task = this.#sched.currentTask?.() ?? -1;
    if (task < 0) return;
    let mine = this.#holds.get(task);
    if (mine === undefined) this.#holds.set(task, (mine = new Map()));
    const n = (mine.get(epoch) ?? 0) + delta;
    if (n > 0) mine.set(epoch, n);
    else mine.delete(epoch);
  }

  /**
   * `srcu_read_unlock()`: synchronous. Pairs with {@link Srcu.readLock}.
   * @throws LockStateError when the calling task has no open section `token` (a scheduler
   * with task identity: the checker's; Linux 6.12 requires the same context:
   * `include/linux/srcu.h`), or nobody has (the event loop).
   */
  readUnlock(token: number): void {
    const task = this.#sched.currentTask?.() ?? -1;
    const count = this.#readers.get(token);
    if (task >= 0 ? this.#holds.get(task)?.has(token) !== true : count === undefined) {
      const who = task >= 0 ? 'by a task with' : 'with';
      throw new LockStateError(
        `srcu_read_unlock on '${this.name}' ${who} no open section ${token}`,
      );
    }
    this.#sched.access(this.#unlockOp);
    this.#hold(token, -1);
    if (count === 1) this.#readers.delete(token);
    else this.#readers.set(token, count! - 1);
    this.#sched.kick(this.id);
  }

  /** Runs `fn` inside a read section (`scoped_guard(srcu, ...)`); `fn` may be async. */
  async read<T>(fn: () => T | Promise<T>): Promise<T> {
    const token = this.readLock();
    try {
      return await fn();
    } finally {
      this.readUnlock(token);
    }
  }

  /**
   * `synchronize_srcu()`: a scheduling point; returns once every section that began before
   * the call has ended. Must not be called inside a read section of this domain (it would
   * wait for itself).
   */
  async synchronize(): Promise<void> {
    this.#sched.access(this.#syncOp); // opening a new epoch writes this domain (for DPOR)
    const last = this.#epoch++;
    const done = (): boolean => {
      for (const epoch of this.#readers.keys()) if (epoch <= last) return false;
      return true;
    };
    do {
      await this.#sched.point(this.#waitOp, done); // reads the old epochs' counts
    } while (!done());
  }
}
