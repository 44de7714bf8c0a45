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
    Record<
      | 'read'
      | 'write'
      | 'tryRead'
      | 'tryWrite'
      | 'tryReadFailed'
      | 'tryWriteFailed'
      | 'upRead'
      | 'upWrite'
      | 'peek',
      Op
    >
  >;
  readonly #map: LockMap;
  #readers = 0;
  #writer = false;
  /** Read holds per task (when the scheduler names tasks), and the writing task. */
  readonly #readHolds = new Map<number, number>();
  #writerTask = -1;
  readonly #canRead = (): boolean => !this.#writer;
  readonly #canWrite = (): boolean => !this.#writer && this.#readers === 0;

  constructor(options: SyncOptions = {}) {
    checkSyncOptions(options, 'RwSemaphore');
    this.#sched = options.scheduler ?? defaultScheduler;
    this.name = options.name ?? 'rwsem';
    this.id = this.#sched.objectId(this.name);
    // No object spread here: `{ ...op(), quiet: true }` once per instance sent the checker's
    // young generation into V8's fast promotion (every run's objects promoted, then
    // mark-compacted), measured with `--trace-gc-nvp`.
    const id = this.id;
    const name = this.name;
    const op = (kind: string, write: boolean, commutes = false): Op => ({
      kind,
      obj: id,
      write,
      commutes,
      name,
    });
    const failed = (kind: string): Op => ({ kind, obj: id, write: false, name, detail: 'failed' });
    this.#ops = {
      read: op('rwsem.down_read', true, true),
      write: op('rwsem.down_write', true),
      tryRead: op('rwsem.down_read_trylock', true, true),
      tryWrite: op('rwsem.down_write_trylock', true),
      tryReadFailed: failed('rwsem.down_read_trylock'),
      tryWriteFailed: failed('rwsem.down_write_trylock'),
      upRead: op('rwsem.up_read', true, true),
      upWrite: op('rwsem.up_write', true),
      peek: { kind: 'rwsem.is_locked', obj: id, write: false, name, quiet: true },
    };
    this.#map = lockMap(this.name, options.lockClass);
  }

  /** Readers holding it now (recorded as a read: it conflicts with the readers' updates). */
  get readers(): number {
    this.#sched.access(this.#ops.peek);
    return this.#readers;
  }

  /** `rwsem_is_locked()`: true while read- or write-held (a lockdep-style check; a read). */
  get isLocked(): boolean {
    this.#sched.access(this.#ops.peek);
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
    if (this.#writer) {
      this.#sched.access(this.#ops.tryReadFailed);
      return false;
    }
    this.#sched.access(this.#ops.tryRead);
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
    if (!this.#canWrite()) {
      this.#sched.access(this.#ops.tryWriteFailed);
      return false;
    }
    this.#sched.access(this.#ops.tryWrite);
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
