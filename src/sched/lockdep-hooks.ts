/**
 * The lock-validation seam: the kernel's `lock_acquire()` / `lock_release()` /
 * `might_sleep()` (`include/linux/lockdep.h`, `kernel/locking/lockdep.c`, checked against
 * v6.12), as the primitives of `sync/` and the core's pseudo-locks call them.
 *
 * A primitive owns one {@link LockMap} (`struct lockdep_map`): its instance name and its
 * *class* (`lock_class_key`), the name dependencies are recorded under. The primitive calls
 * the hooks of its scheduler when a scheduler has them ({@link Scheduler.lockdep}; the
 * event-loop scheduler has none, so outside the checker nothing is recorded):
 *
 * | call                         | when                                              | pairs with |
 * |------------------------------|---------------------------------------------------|------------|
 * | `attempt(map, op)`           | before a blocking acquisition may wait (recursion only) | —   |
 * | `acquire(map, op, flags)`    | once the lock is obtained (after the wait; after a successful trylock) | release |
 * | `release(map, op)`           | at unlock, before the lock is free               | acquire    |
 *
 * The kernel calls `lock_acquire()` before it waits, so that it reports an order before it
 * hangs; the checker sees the hang itself (a `deadlock` finding), so a blocking lock is
 * recorded once obtained, in the step the trace shows it taken.
 *
 * A *pseudo-lock* ({@link lockMapAcquire}, the kernel's `lock_map_acquire()`) is a map with no
 * lock behind it: it never blocks, it only teaches the validator an ordering, as
 * `__mmu_notifier_invalidate_range_start_map` and `fs_reclaim` do in the kernel.
 */

import type { Scheduler } from './scheduler.ts';

/** `struct lockdep_map`: one lock instance as the validator sees it. */
export interface LockMap {
  /** The instance's name (`umem_mutex`), for reports. */
  readonly name: string;
  /** The class (`lock_class_key`): dependencies are recorded between classes. */
  readonly lockClass: string;
}

/** A trylock: it cannot wait, so it adds no dependency on the locks held (lockdep's `trylock`). */
export const LOCK_TRYLOCK = 1;
/** A shared (read) acquisition (`down_read`): non-recursive, validated like an exclusive one. */
export const LOCK_READ = 2;

/** The hooks a validating scheduler supplies (see the module comment). */
export interface LockHooks {
  /**
   * Before a blocking acquisition waits: the kernel's `check_deadlock()` part of
   * `lock_acquire()`, so that taking a lock of a class the task holds is reported as
   * recursive locking rather than found as a hang.
   */
  attempt(map: LockMap, op: string): void;
  /** `lock_acquire()`: `op` names the operation for reports (`mutex.lock`). Pairs with release. */
  acquire(map: LockMap, op: string, flags: number): void;
  /** `lock_release()`. Pairs with {@link LockHooks.acquire}. */
  release(map: LockMap, op: string): void;
}

/**
 * A map made by `new`, not an object literal: every lock of every checker run makes one, and a
 * literal's V8 allocation site gets pretenured under the default flags (see `PrimitiveOp`).
 */
class LockMapRecord implements LockMap {
  readonly name: string;
  readonly lockClass: string;

  constructor(name: string, lockClass: string) {
    this.name = name;
    this.lockClass = lockClass;
  }
}

/** A fresh map for a primitive named `name`, of class `lockClass` (default: the name). */
export function lockMap(name: string, lockClass: string | undefined): LockMap {
  return new LockMapRecord(name, lockClass ?? name);
}

/**
 * `lock_map_acquire()` on a pseudo-lock: recorded by a validating scheduler, nothing
 * otherwise. Never blocks. Pairs with {@link lockMapRelease}.
 */
export function lockMapAcquire(sched: Scheduler, map: LockMap): void {
  sched.lockdep?.acquire(map, 'lock_map_acquire', 0);
}

/** `lock_map_release()`. Pairs with {@link lockMapAcquire}. */
export function lockMapRelease(sched: Scheduler, map: LockMap): void {
  sched.lockdep?.release(map, 'lock_map_release');
}
