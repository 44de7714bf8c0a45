/**
 * A kernel variable that is read and written without a scheduling point: an `atomic_t`, or a
 * field protected by a lock the caller holds. Follows `include/asm-generic/rwonce.h`
 * (`READ_ONCE`, `WRITE_ONCE`) and `include/linux/atomic.h` (`atomic_read`, `atomic_set`). Every `get()`/`set()` is recorded through
 * {@link Scheduler.access} on the word's own object, so the checker's reduction sees that two
 * steps touching the same word do not commute even when they hold different locks (the 2019
 * ODP counter is bumped under `umem_mutex` and dropped under a spin lock).
 *
 * `peek()` is `get()` without a trace event: for wait conditions, monitors and traces. It is
 * recorded all the same (a read the reduction did not see would make it unsound).
 */

import {
  defaultScheduler,
  OP_QUIET,
  type Op,
  PrimitiveOp,
  type Scheduler,
} from '../sched/scheduler.ts';

/** A recorded kernel variable (`atomic_t`, or a lock-protected field). */
export class Word<T> {
  /** The object id, for reduction and traces. */
  readonly id: number;
  /** The kernel name of the variable (`kvm->mmu_invalidate_seq`). */
  readonly name: string;
  readonly #sched: Scheduler;
  readonly #load: Op;
  readonly #store: Op;
  readonly #peek: Op;
  #value: T;

  constructor(initial: T, name: string, scheduler: Scheduler = defaultScheduler) {
    this.#sched = scheduler;
    this.name = name;
    this.id = scheduler.objectId(name);
    this.#value = initial;
    this.#load = new PrimitiveOp('word.load', this.id, false, name);
    this.#store = new PrimitiveOp('word.store', this.id, true, name);
    this.#peek = new PrimitiveOp('word.peek', this.id, false, name, OP_QUIET);
  }

  /** `READ_ONCE()` / `atomic_read()`: records a read. */
  get(): T {
    this.#sched.access(this.#load);
    return this.#value;
  }

  /** `WRITE_ONCE()` / `atomic_set()`: records a write. */
  set(value: T): void {
    this.#sched.access(this.#store);
    this.#value = value;
  }

  /** Reads without a trace event (recorded for the reduction): conditions, monitors, traces. */
  peek(): T {
    this.#sched.access(this.#peek);
    return this.#value;
  }
}
