/**
 * A reader/writer semaphore: the kernel's `struct rw_semaphore` (`down_read`, `up_read`,
 * `down_write`, `up_write`, and the trylock forms), as `mmap_lock` is.
 *
 * States: *free*, *read-held by n*, *write-held*. Writers are not preferred over readers
 * (the model does not need fairness; the checker explores all orders anyway).
 *
 * Accesses for the checker's reduction (`Op.commutes`; soundness in `docs/architecture.md`,
 * "Reduction"): `down_read`, a successful `down_read_trylock` and `up_read` are *commuting
 * updates* (ADD): each changes only the reader count (by one, and the caller's own holds) and
 * reads only the writer flag, which only writes change; `up_read` checks the caller's own
 * holds, not the count, so no reader's outcome depends on another's order. `down_write`,
 * `up_write` and a successful `down_write_trylock` are writes; the getters and a failed
 * trylock are reads (they conflict with the readers' updates).
 */

import { LockStateError } from '../errors.ts';
import { LOCK_READ, LOCK_TRYLOCK, type LockMap, lockMap } from '../sched/lockdep-hooks.ts';
import {
  defaultScheduler,
  OP_COMMUTES,
  OP_QUIET,
  type Op,
  PrimitiveOp,
  type Scheduler,
} from '../sched/scheduler.ts';
import { checkSyncOptions, type SyncOptions } from './options.ts';

/** The kernel's `struct rw_semaphore`. */
export class RwSemaphore {
  /** The object id, for traces and reduction. */
  readonly id: number;
  /** The label given at construction. */
  readonly name: string;
  readonly #sched: Scheduler;
  readonly #readOp: Op;
  readonly #writeOp: Op;
  readonly #tryReadOp: Op;
  readonly #tryWriteOp: Op;
  readonly #tryReadFailedOp: Op;
  readonly #tryWriteFailedOp: Op;
  readonly #upReadOp: Op;
  readonly #upWriteOp: Op;
  readonly #peekOp: Op;
  readonly #map: LockMap;
  #readers = 0;
  #writer = false;
  /** Read holds per task (when the scheduler names tasks), and the writing task. */
  readonly #readHolds = new Map<number, number>();
  #writerTask = -1;
  readonly #canRead: () => boolean;
  readonly #canWrite: () => boolean;

  constructor(options: SyncOptions = {}) {
    checkSyncOptions(options, 'RwSemaphore');
    this.#sched = options.scheduler ?? defaultScheduler;
    this.name = options.name ?? 'rwsem';
    this.id = this.#sched.objectId(this.name);
    // Assigned here, not as field initializers: under tsx (esbuild `keepNames`) a named arrow
    // costs an `Object.defineProperty` per instance, once per checker run.
    this.#canRead = () => !this.#writer;
    this.#canWrite = () => !this.#writer && this.#readers === 0;
    // Ops made by `new`, not literals (PrimitiveOp: a literal's allocation site was pretenured).
    const id = this.id;
    const name = this.name;
    this.#readOp = new PrimitiveOp('rwsem.down_read', id, true, name, OP_COMMUTES);
    this.#writeOp = new PrimitiveOp('rwsem.down_write', id, true, name);
    this.#tryReadOp = new PrimitiveOp('rwsem.down_read_trylock', id, true, name, OP_COMMUTES);
    this.#tryWriteOp = new PrimitiveOp('rwsem.down_write_trylock', id, true, name);
    this.#tryReadFailedOp = new PrimitiveOp(
      'rwsem.down_read_trylock',
      id,
      false,
      name,
      0,
      'failed',
    );
    this.#tryWriteFailedOp = new PrimitiveOp(
      'rwsem.down_write_trylock',
      id,
      false,
      name,
      0,
      'failed',
    );
    this.#upReadOp = new PrimitiveOp('rwsem.up_read', id, true, name, OP_COMMUTES);
    this.#upWriteOp = new PrimitiveOp('rwsem.up_write', id, true, name);
    this.#peekOp = new PrimitiveOp('rwsem.is_locked', id, false, name, OP_QUIET);
    this.#map = lockMap(this.name, options.lockClass);
  }

  /** Readers holding it now (recorded as a read: it conflicts with the readers' updates). */
  get readers(): number {
    this.#sched.access(this.#peekOp);
    return this.#readers;
  }

  /** `rwsem_is_locked()`: true while read- or write-held (a lockdep-style check; a read). */
  get isLocked(): boolean {
    this.#sched.access(this.#peekOp);
    return this.#writer || this.#readers > 0;
  }

  /**
   * `lockdep_assert_held()`: true when the calling task holds it, for reading or writing.
   * Records nothing: whether the caller holds it changes only by the caller's own ops. Under
   * a scheduler without task identity (the event loop) or outside a task: {@link isLocked}.
   */
  get isHeld(): boolean {
    const task = this.#sched.currentTask?.() ?? -1;
    if (task < 0) return this.isLocked;
    return this.#writerTask === task || (this.#readHolds.get(task) ?? 0) > 0;
  }

  /** Counts a read hold of the calling task (`delta` +1 or -1). */
  #hold(delta: number): void {
    const task = this.#sched.currentTask?.() ?? -1;
    if (task < 0) return;
    const n = (this.#readHolds.get(task) ?? 0) + delta;
    if (n > 0) this.#readHolds.set(task, n);
    else this.#readHolds.delete(task);
  }

  /** True while write-held (recorded as a read). */
  get isWriteLocked(): boolean {
    this.#sched.access(this.#peekOp);
    return this.#writer;
  }

  /** `down_read()`: a scheduling point. Pairs with {@link RwSemaphore.readUnlock}. */
  async readLock(): Promise<void> {
    this.#sched.lockdep?.attempt(this.#map, 'rwsem.down_read');
    do {
      await this.#sched.point(this.#readOp, this.#canRead);
    } while (this.#writer);
    this.#readers++;
    this.#hold(1);
    this.#sched.lockdep?.acquire(this.#map, 'rwsem.down_read', LOCK_READ);
  }

  /** `down_read_trylock()`: synchronous. Pairs with {@link RwSemaphore.readUnlock}. */
  tryReadLock(): boolean {
    if (this.#writer) {
      this.#sched.access(this.#tryReadFailedOp);
      return false;
    }
    this.#sched.access(this.#tryReadOp);
    this.#readers++;
    this.#hold(1);
    this.#sched.lockdep?.acquire(this.#map, 'rwsem.down_read_trylock', LOCK_READ | LOCK_TRYLOCK);
    return true;
  }

  /**
   * `up_read()`. Pairs with readLock / tryReadLock.
   * @throws LockStateError when the calling task holds no read of it (a scheduler with task
   * identity: the checker's), or when nobody does (the event loop).
   */
  readUnlock(): void {
    const task = this.#sched.currentTask?.() ?? -1;
    if (task >= 0 ? !this.#readHolds.has(task) : this.#readers === 0) {
      const who = task >= 0 ? 'by a task that holds no read of it' : 'with no reader';
      throw new LockStateError(`up_read of '${this.name}' ${who}`);
    }
    this.#sched.access(this.#upReadOp);
    this.#sched.lockdep?.release(this.#map, 'rwsem.up_read');
    this.#readers--;
    this.#hold(-1);
    if (this.#readers === 0) this.#sched.kick(this.id);
  }

  /** `down_write()`: a scheduling point. Pairs with {@link RwSemaphore.writeUnlock}. */
  async writeLock(): Promise<void> {
    this.#sched.lockdep?.attempt(this.#map, 'rwsem.down_write');
    do {
      await this.#sched.point(this.#writeOp, this.#canWrite);
    } while (!this.#canWrite());
    this.#writer = true;
    this.#writerTask = this.#sched.currentTask?.() ?? -1;
    this.#sched.lockdep?.acquire(this.#map, 'rwsem.down_write', 0);
  }

  /** `down_write_trylock()`: synchronous. Pairs with {@link RwSemaphore.writeUnlock}. */
  tryWriteLock(): boolean {
    if (!this.#canWrite()) {
      this.#sched.access(this.#tryWriteFailedOp);
      return false;
    }
    this.#sched.access(this.#tryWriteOp);
    this.#writer = true;
    this.#writerTask = this.#sched.currentTask?.() ?? -1;
    this.#sched.lockdep?.acquire(this.#map, 'rwsem.down_write_trylock', LOCK_TRYLOCK);
    return true;
  }

  /** `up_write()`. Pairs with writeLock / tryWriteLock. */
  writeUnlock(): void {
    if (!this.#writer)
      throw new LockStateError(`up_write of '${this.name}' that is not write-held`);
    this.#sched.access(this.#upWriteOp);
    this.#sched.lockdep?.release(this.#map, 'rwsem.up_write');
    this.#writer = false;
    this.#writerTask = -1;
    this.#sched.kick(this.id);
  }
}
