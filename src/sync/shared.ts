/**
 * A shared cell: one of the kernel's plain shared variables, read with `READ_ONCE()` and
 * written with `WRITE_ONCE()`. `load()` and `store()` are scheduling points, so a checker
 * explores every order of unlocked accesses; `.value` reads without a point (for invariants,
 * wait conditions and code that holds the lock protecting the cell) and `set()` writes
 * without one. Both are recorded (`access`), so a checker's reduction sees them.
 */

import {
  defaultScheduler,
  OP_QUIET,
  type Op,
  PrimitiveOp,
  type Scheduler,
} from '../sched/scheduler.ts';
import { checkSyncOptions, type SyncOptions } from './options.ts';

/** A shared variable with `READ_ONCE`/`WRITE_ONCE` points. */
export class Shared<T> {
  /** The object id, for traces and reduction. */
  readonly id: number;
  /** The label given at construction. */
  readonly name: string;
  readonly #sched: Scheduler;
  readonly #loadOp: Op;
  readonly #storeOp: Op;
  readonly #peekOp: Op;
  #value: T;

  constructor(initial: T, options: SyncOptions = {}) {
    checkSyncOptions(options, 'Shared');
    this.#sched = options.scheduler ?? defaultScheduler;
    this.name = options.name ?? 'cell';
    this.id = this.#sched.objectId(this.name);
    this.#value = initial;
    this.#loadOp = new PrimitiveOp('cell.load', this.id, false, this.name);
    this.#storeOp = new PrimitiveOp('cell.store', this.id, true, this.name);
    this.#peekOp = new PrimitiveOp('cell.value', this.id, false, this.name, OP_QUIET);
  }

  /** The current value, read without a scheduling point (recorded as a read of the cell). */
  get value(): T {
    this.#sched.access(this.#peekOp);
    return this.#value;
  }

  /** `READ_ONCE()`: a scheduling point, then the value. */
  async load(): Promise<T> {
    await this.#sched.point(this.#loadOp);
    return this.#value;
  }

  /** `WRITE_ONCE()`: a scheduling point, then the store. */
  async store(value: T): Promise<void> {
    await this.#sched.point(this.#storeOp);
    this.#value = value;
  }

  /** A store without a scheduling point, for code that holds the lock protecting the cell. */
  set(value: T): void {
    this.#sched.access(this.#storeOp);
    this.#value = value;
  }
}
