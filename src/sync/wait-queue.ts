/**
 * A wait queue: the kernel's `wait_queue_head_t` with `wait_event()` and `wake_up_all()`.
 *
 * A waiter sleeps until a *wake* happens after it went to sleep; it does not notice a
 * condition that became true without a wake (as in the kernel, where a waker that forgets
 * `wake_up_all()` leaves the sleeper asleep). Each wake bumps a generation; a sleeper is
 * ready once the generation differs from the one it saw when it went to sleep.
 *
 * | op             | effect                                                                  |
 * |----------------|-------------------------------------------------------------------------|
 * | `wait(cond)`   | `wait_event()`: while `!cond()`, sleep until the next wake, re-check      |
 * | `sleep()`      | `prepare_to_wait()` + `schedule()`: sleep until the next wake, once       |
 * | `wakeUpAll()`  | `wake_up_all()`: every sleeper becomes ready. Pairs with wait/sleep       |
 *
 * Accesses for the checker's reduction (`Op.commutes`; soundness in `docs/architecture.md`,
 * "Reduction"): going to sleep, waking from it and a wait's entry are *commuting updates*
 * (ADD) of the queue: they change only the sleeper count and read only the wake generation,
 * which only a wake (a write) changes. The condition of `wait` records its own reads.
 */

import {
  defaultScheduler,
  mightSleepCheck,
  OP_COMMUTES,
  OP_QUIET,
  type Op,
  PrimitiveOp,
  type Scheduler,
} from '../sched/scheduler.ts';
import { checkSyncOptions, type SyncOptions } from './options.ts';

/** The kernel's `wait_queue_head_t`. */
export class WaitQueue {
  /** The object id, for traces and reduction. */
  readonly id: number;
  /** The label given at construction. */
  readonly name: string;
  readonly #sched: Scheduler;
  readonly #waitOp: Op;
  readonly #wakeOp: Op;
  readonly #countOp: Op;
  #generation = 0;
  #sleepers = 0;

  constructor(options: SyncOptions = {}) {
    checkSyncOptions(options, 'WaitQueue');
    this.#sched = options.scheduler ?? defaultScheduler;
    this.name = options.name ?? 'waitqueue';
    this.id = this.#sched.objectId(this.name);
    this.#waitOp = new PrimitiveOp('wq.wait', this.id, true, this.name, OP_COMMUTES);
    this.#wakeOp = new PrimitiveOp('wq.wake', this.id, true, this.name);
    this.#countOp = new PrimitiveOp('wq.sleepers', this.id, false, this.name, OP_QUIET);
  }

  /** How many tasks sleep on this queue now (a read: it conflicts with sleepers' updates). */
  get sleepers(): number {
    this.#sched.access(this.#countOp);
    return this.#sleepers;
  }

  /**
   * `wait_event(wq, cond)`: returns once `cond()` holds, checking it at entry and after each
   * wake. Pairs with {@link WaitQueue.wakeUpAll} by whoever makes `cond` true.
   */
  async wait(cond: () => boolean): Promise<void> {
    mightSleepCheck(this.#sched, `wq.wait on ${this.name}`); // wait_event(): might_sleep() first
    this.#sched.access(this.#waitOp); // cond() records its own reads (`.value`, `peek()`)
    while (!cond()) await this.sleep();
  }

  /** Sleeps until the next {@link WaitQueue.wakeUpAll}: one `schedule()` on this queue. */
  async sleep(): Promise<void> {
    this.#sched.access(this.#waitOp); // reads the generation, joins the sleepers (an ADD)
    const seen = this.#generation;
    this.#sleepers++;
    try {
      do {
        await this.#sched.point(this.#waitOp, () => this.#generation !== seen);
      } while (this.#generation === seen);
    } finally {
      this.#sleepers--;
    }
  }

  /** `wake_up_all()`: synchronous; every current sleeper becomes ready. Pairs with wait/sleep. */
  wakeUpAll(): void {
    this.#sched.access(this.#wakeOp);
    this.#generation++;
    this.#sched.kick(this.id);
  }
}
