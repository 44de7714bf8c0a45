/**
 * A sleeping lock: the kernel's `struct mutex` (`mutex_lock`, `mutex_trylock`, `mutex_unlock`).
 *
 * States: *free* or *held*. `lock()` is a scheduling point that parks while held; `tryLock()`
 * and `unlock()` are synchronous so that non-blockable callbacks (which must not await) can
 * use them, as ODP's 2019 `invalidate_range_start` did with `mutex_trylock`.
 *
 * | op          | free            | held                     |
 * |-------------|-----------------|--------------------------|
 * | `lock()`    | -> held         | park until free, retry   |
 * | `tryLock()` | -> held, `true` | `false`                  |
 * | `unlock()`  | LockStateError  | -> free, wake one waiter |
 */

import { LockStateError } from '../errors.ts';
import { LOCK_TRYLOCK, type LockMap, lockMap } from '../sched/lockdep-hooks.ts';
import {
  defaultScheduler,
  OP_QUIET,
  type Op,
  PrimitiveOp,
  type Scheduler,
} from '../sched/scheduler.ts';
import { checkSyncOptions, type SyncOptions } from './options.ts';

/** The kernel's `struct mutex`. Ownership is not tracked: any task may unlock (as in models). */
export class Mutex {
  /** The object id, for traces and reduction. */
  readonly id: number;
  /** The label given at construction. */
  readonly name: string;
  readonly #sched: Scheduler;
  readonly #lockOp: Op;
  readonly #tryOp: Op;
  readonly #tryFailedOp: Op;
  readonly #unlockOp: Op;
  readonly #map: LockMap;
  readonly #peekOp: Op;
  #held = false;
  readonly #free: () => boolean;

  constructor(options: SyncOptions = {}) {
    checkSyncOptions(options, 'Mutex');
    // Assigned here, not as a field initializer: under tsx (esbuild `keepNames`) a named
    // arrow costs an `Object.defineProperty` per instance, once per checker run.
    this.#free = () => !this.#held;
    this.#sched = options.scheduler ?? defaultScheduler;
    this.name = options.name ?? 'mutex';
    this.id = this.#sched.objectId(this.name);
    this.#lockOp = new PrimitiveOp('mutex.lock', this.id, true, this.name);
    this.#tryOp = new PrimitiveOp('mutex.trylock', this.id, true, this.name);
    this.#tryFailedOp = new PrimitiveOp('mutex.trylock', this.id, false, this.name, 0, 'failed');
    this.#unlockOp = new PrimitiveOp('mutex.unlock', this.id, true, this.name);
    this.#map = lockMap(this.name, options.lockClass);
    this.#peekOp = new PrimitiveOp('mutex.is_locked', this.id, false, this.name, OP_QUIET);
  }

  /** True while held. Reading it is not a scheduling point (it is recorded as a read). */
  get isLocked(): boolean {
    this.#sched.access(this.#peekOp);
    return this.#held;
  }

  /** `mutex_lock()`: a scheduling point; parks while held. Pairs with {@link Mutex.unlock}. */
  async lock(): Promise<void> {
    this.#sched.lockdep?.attempt(this.#map, 'mutex.lock');
    do {
      await this.#sched.point(this.#lockOp, this.#free);
    } while (this.#held);
    this.#held = true;
    this.#sched.lockdep?.acquire(this.#map, 'mutex.lock', 0);
  }

  /** `mutex_trylock()`: synchronous; `true` if taken. Pairs with {@link Mutex.unlock}. */
  tryLock(): boolean {
    if (this.#held) {
      this.#sched.access(this.#tryFailedOp); // a failed attempt reads the mutex, changes nothing
      return false;
    }
    this.#sched.access(this.#tryOp);
    this.#held = true;
    this.#sched.lockdep?.acquire(this.#map, 'mutex.trylock', LOCK_TRYLOCK);
    return true;
  }

  /**
   * `mutex_unlock()`: synchronous. Pairs with {@link Mutex.lock} / {@link Mutex.tryLock}.
   * @throws LockStateError when the mutex is not held.
   */
  unlock(): void {
    if (!this.#held) throw new LockStateError(`unlock of mutex '${this.name}' that is not held`);
    this.#sched.access(this.#unlockOp);
    this.#sched.lockdep?.release(this.#map, 'mutex.unlock');
    this.#held = false;
    this.#sched.kick(this.id, 1);
  }
}
