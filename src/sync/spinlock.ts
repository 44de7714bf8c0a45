/**
 * A spin lock: the kernel's `spinlock_t`. Synchronous only: `lock()` never parks, and the
 * critical section must not contain an `await`.
 *
 * In JavaScript a synchronous section cannot be interrupted, so a spin lock is free whenever
 * a task reaches `lock()` unless some task holds it across an `await`, which is the error
 * this class exists to catch. Two detectors:
 * - at `lock()`: the lock is already held (held across an await, or taken recursively);
 * - a microtask queued at `lock()` runs only after the holder's synchronous section ended
 *   (microtasks never run inside a synchronous section); whoever holds the lock when it runs
 *   held it across an await, and the holder's `unlock()` throws. At most one such check is
 *   pending per lock, so a synchronous loop of a million lock/unlock pairs queues one.
 * While held, the scheduler is in non-blockable context, so a scheduling point throws
 * {@link SleepInAtomicError} (sleeping while holding a spin lock).
 */

import { LockStateError } from '../errors.ts';
import { type LockMap, lockMap } from '../sched/lockdep-hooks.ts';
import {
  defaultScheduler,
  OP_QUIET,
  type Op,
  PrimitiveOp,
  type Scheduler,
} from '../sched/scheduler.ts';
import { checkSyncOptions, type SyncOptions } from './options.ts';

/**
 * Queues the held-across-await check as a promise reaction: a microtask like `queueMicrotask`'s,
 * in the same queue, without the async resource Node builds per `queueMicrotask` call (a lock
 * taken at every step of a checker run made that a visible cost).
 */
const SETTLED = Promise.resolve();

function isThenable(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** The kernel's `spinlock_t` (`spin_lock`, `spin_unlock`). */
export class SpinLock {
  /** The object id, for traces and reduction. */
  readonly id: number;
  /** The label given at construction. */
  readonly name: string;
  readonly #sched: Scheduler;
  readonly #lockOp: Op;
  readonly #unlockOp: Op;
  readonly #map: LockMap;
  readonly #peekOp: Op;
  #held = false;
  #heldAcrossAwait = false;
  #checkPending = false;
  readonly #check: () => void;

  constructor(options: SyncOptions = {}) {
    checkSyncOptions(options, 'SpinLock');
    // Assigned here, not as a field initializer: under tsx (esbuild `keepNames`) a named
    // arrow costs an `Object.defineProperty` per instance, once per checker run.
    this.#check = () => {
      this.#checkPending = false;
      if (this.#held) this.#heldAcrossAwait = true;
    };
    this.#sched = options.scheduler ?? defaultScheduler;
    this.name = options.name ?? 'spinlock';
    this.id = this.#sched.objectId(this.name);
    this.#lockOp = new PrimitiveOp('spin.lock', this.id, true, this.name);
    this.#unlockOp = new PrimitiveOp('spin.unlock', this.id, true, this.name);
    this.#map = lockMap(this.name, options.lockClass);
    this.#peekOp = new PrimitiveOp('spin.is_locked', this.id, false, this.name, OP_QUIET);
  }

  /** True while held (recorded as a read). */
  get isLocked(): boolean {
    this.#sched.access(this.#peekOp);
    return this.#held;
  }

  /**
   * `spin_lock()`: synchronous. Pairs with {@link SpinLock.unlock}.
   * @throws LockStateError when already held (it was held across an await, or recursively).
   */
  lock(): void {
    if (this.#held) {
      throw new LockStateError(
        `spin lock '${this.name}' is already held: it was held across an await, or taken twice`,
      );
    }
    this.#sched.access(this.#lockOp);
    this.#sched.lockdep?.acquire(this.#map, 'spin.lock', 0);
    this.#held = true;
    this.#heldAcrossAwait = false;
    this.#sched.nonBlockStart();
    if (!this.#checkPending) {
      this.#checkPending = true;
      void SETTLED.then(this.#check);
    }
  }

  /**
   * `spin_unlock()`: synchronous. Pairs with {@link SpinLock.lock}.
   * @throws LockStateError when not held, or when it was held across an await (it is
   * released first, so the program can go on).
   */
  unlock(): void {
    if (!this.#held)
      throw new LockStateError(`unlock of spin lock '${this.name}' that is not held`);
    this.#sched.access(this.#unlockOp);
    this.#sched.lockdep?.release(this.#map, 'spin.unlock');
    this.#held = false;
    this.#sched.nonBlockEnd();
    if (this.#heldAcrossAwait) {
      this.#heldAcrossAwait = false;
      throw new LockStateError(`spin lock '${this.name}' was held across an await`);
    }
  }

  /**
   * Runs `fn` with the lock held (`scoped_guard(spinlock, ...)`); `fn` must be synchronous.
   * @throws LockStateError when `fn` returned a Promise (its tail would run unlocked); the
   * lock is released first.
   */
  withLock<T>(fn: () => T): T {
    this.lock();
    let result: T;
    try {
      result = fn();
    } finally {
      this.unlock();
    }
    if (isThenable(result)) {
      Promise.resolve(result).catch(() => {}); // refused below: its rejection is not the caller's
      throw new LockStateError(
        `withLock of spin lock '${this.name}': fn returned a Promise (the section must be synchronous)`,
      );
    }
    return result;
  }
}
