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
 */

import { LockStateError } from '../errors.ts';
import { defaultScheduler, type Op, type Scheduler } from '../sched/scheduler.ts';
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
  readonly #countOp: Op;
  #epoch = 0;
  readonly #readers = new Map<number, number>();

  constructor(options: SyncOptions = {}) {
    checkSyncOptions(options, 'Srcu');
    this.#sched = options.scheduler ?? defaultScheduler;
    this.name = options.name ?? 'srcu';
    this.id = this.#sched.objectId(this.name);
    this.#readOp = { kind: 'srcu.read_lock', obj: this.id, write: false, name: this.name };
    this.#unlockOp = { kind: 'srcu.read_unlock', obj: this.id, write: true, name: this.name };
    this.#syncOp = { kind: 'srcu.synchronize', obj: this.id, write: true, name: this.name };
    this.#countOp = {
      kind: 'srcu.readers',
      obj: this.id,
      write: true,
      name: this.name,
      quiet: true,
    };
  }

  /**
   * How many read sections are open now. Recorded as a *write*: `srcu_read_lock` changes the
   * count but is recorded as a read (readers commute), so reading it must not commute with it.
   */
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
    return epoch;
  }

  /** `srcu_read_unlock()`: synchronous. Pairs with {@link Srcu.readLock}. */
  readUnlock(token: number): void {
    const count = this.#readers.get(token);
    if (count === undefined) {
      throw new LockStateError(`srcu_read_unlock on '${this.name}' with no open section ${token}`);
    }
    this.#sched.access(this.#unlockOp);
    if (count === 1) this.#readers.delete(token);
    else this.#readers.set(token, count - 1);
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
      await this.#sched.point(this.#syncOp, done);
    } while (!done());
  }
}
