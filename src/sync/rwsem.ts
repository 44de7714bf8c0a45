/**
 * A reader/writer semaphore: the kernel's `struct rw_semaphore` (`down_read`, `up_read`,
 * `down_write`, `up_write`, and the trylock forms), as `mmap_lock` is.
 *
 * States: *free*, *read-held by n*, *write-held*. Writers are not preferred over readers
 * (the model does not need fairness; the checker explores all orders anyway).
 */

import { LockStateError } from '../errors.ts';
import { LOCK_READ, LOCK_TRYLOCK, type LockMap, lockMap } from '../sched/lockdep-hooks.ts';
import { defaultScheduler, type Op, type Scheduler } from '../sched/scheduler.ts';
import { checkSyncOptions, type SyncOptions } from './options.ts';

/** The kernel's `struct rw_semaphore`. */
export class RwSemaphore {
  /** The object id, for traces and reduction. */
  readonly id: number;
  /** The label given at construction. */
  readonly name: string;
  readonly #sched: Scheduler;
  readonly #ops: Readonly<
    Record<'read' | 'write' | 'tryRead' | 'tryWrite' | 'upRead' | 'upWrite' | 'peek' | 'count', Op>
  >;
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
    // Assigned here, not as field initializers: under tsx (esbuild `keepNames`) a named arrow
    // costs an `Object.defineProperty` per instance, once per checker run.
    this.#canRead = () => !this.#writer;
    this.#canWrite = () => !this.#writer && this.#readers === 0;
    this.#sched = options.scheduler ?? defaultScheduler;
    this.name = options.name ?? 'rwsem';
    this.id = this.#sched.objectId(this.name);
    // No object spread here: `{ ...op(), quiet: true }` once per instance sent the checker's
    // young generation into V8's fast promotion (every run's objects promoted, then
    // mark-compacted), measured with `--trace-gc-nvp`.
    const op = (kind: string, write: boolean, quiet = false): Op =>
      quiet
        ? { kind, obj: this.id, write, name: this.name, quiet }
        : { kind, obj: this.id, write, name: this.name };
    this.#ops = {
      read: op('rwsem.down_read', false),
      write: op('rwsem.down_write', true),
      tryRead: op('rwsem.down_read_trylock', false),
      tryWrite: op('rwsem.down_write_trylock', true),
      upRead: op('rwsem.up_read', true),
      upWrite: op('rwsem.up_write', true),
      peek: op('rwsem.is_write_locked', false, true),
      count: op('rwsem.readers', true, true),
    };
    this.#map = lockMap(this.name, options.lockClass);
  }

  /**
   * Readers holding it now. Recorded as a *write*: `down_read` changes the count but is
   * recorded as a read (readers commute), so reading the count must not commute with it.
   */
  get readers(): number {
    this.#sched.access(this.#ops.count);
    return this.#readers;
  }

  /**
   * `rwsem_is_locked()`: true while read- or write-held (a lockdep-style check). Recorded as a
   * read when true (a `down_read` by another task cannot make it false; only ops recorded as
   * writes can) and as a write when false (a `down_read` would make it true).
   */
  get isLocked(): boolean {
    const locked = this.#writer || this.#readers > 0;
    this.#sched.access(locked ? this.#ops.peek : this.#ops.count);
    return locked;
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
    this.#sched.access(this.#ops.peek);
    return this.#writer;
  }

  /** `down_read()`: a scheduling point. Pairs with {@link RwSemaphore.readUnlock}. */
  async readLock(): Promise<void> {
    this.#sched.lockdep?.attempt(this.#map, 'rwsem.down_read');
    do {
      await this.#sched.point(this.#ops.read, this.#canRead);
    } while (this.#writer);
    this.#readers++;
    this.#hold(1);
    this.#sched.lockdep?.acquire(this.#map, 'rwsem.down_read', LOCK_READ);
  }

  /** `down_read_trylock()`: synchronous. Pairs with {@link RwSemaphore.readUnlock}. */
  tryReadLock(): boolean {
    this.#sched.access(this.#ops.tryRead);
    if (this.#writer) return false;
    this.#readers++;
    this.#hold(1);
    this.#sched.lockdep?.acquire(this.#map, 'rwsem.down_read_trylock', LOCK_READ | LOCK_TRYLOCK);
    return true;
  }

  /** `up_read()`. Pairs with readLock / tryReadLock. */
  readUnlock(): void {
    if (this.#readers === 0) throw new LockStateError(`up_read of '${this.name}' with no reader`);
    this.#sched.access(this.#ops.upRead);
    this.#sched.lockdep?.release(this.#map, 'rwsem.up_read');
    this.#readers--;
    this.#hold(-1);
    if (this.#readers === 0) this.#sched.kick(this.id);
  }

  /** `down_write()`: a scheduling point. Pairs with {@link RwSemaphore.writeUnlock}. */
  async writeLock(): Promise<void> {
    this.#sched.lockdep?.attempt(this.#map, 'rwsem.down_write');
    do {
      await this.#sched.point(this.#ops.write, this.#canWrite);
    } while (!this.#canWrite());
    this.#writer = true;
    this.#writerTask = this.#sched.currentTask?.() ?? -1;
    this.#sched.lockdep?.acquire(this.#map, 'rwsem.down_write', 0);
  }

  /** `down_write_trylock()`: synchronous. Pairs with {@link RwSemaphore.writeUnlock}. */
  tryWriteLock(): boolean {
    this.#sched.access(this.#ops.tryWrite);
    if (!this.#canWrite()) return false;
    this.#writer = true;
    this.#writerTask = this.#sched.currentTask?.() ?? -1;
    this.#sched.lockdep?.acquire(this.#map, 'rwsem.down_write_trylock', LOCK_TRYLOCK);
    return true;
  }

  /** `up_write()`. Pairs with writeLock / tryWriteLock. */
  writeUnlock(): void {
    if (!this.#writer)
      throw new LockStateError(`up_write of '${this.name}' that is not write-held`);
    this.#sched.access(this.#ops.upWrite);
    this.#sched.lockdep?.release(this.#map, 'rwsem.up_write');
    this.#writer = false;
    this.#writerTask = -1;
    this.#sched.kick(this.id);
  }
}
