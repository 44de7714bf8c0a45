/**
 * The shim's points as scheduling points: what each `kshim_point(kind, obj, arg)` of the
 * fiber build (kshim.h's KP_*) is to a {@link Scheduler}, and when the calling fiber parks.
 *
 * Protocol
 * --------
 * | kind              | scheduler op (object)                  | parks until (ready)                         | then              |
 * |-------------------|----------------------------------------|---------------------------------------------|-------------------|
 * | `spin_lock`       | `point` spin.lock (the lock)           | the lock word is 0                          | nonBlockStart     |
 * | `spin_unlock`     | nonBlockEnd, kick, `point` spin.unlock | --                                          |                   |
 * | `wait_event`      | `point` wq.wait, read (the queue)      | the queue's wakeups moved past `arg`         | (C re-checks cond) |
 * | `wake_up_all`     | kick, `point` wq.wake, write           | --                                          |                   |
 * | `srcu_read_lock`  | `point` srcu.read_lock, read (domain)  | --                                          | fiber is a reader |
 * | `srcu_read_unlock`| kick, `point` srcu.read_unlock, read   | --                                          |                   |
 * | `synchronize_srcu`| `point` srcu.synchronize, write        | every fiber reading when it was reached left | |
 * | `non_block_start` | `point` non_block_start; then nonBlockStart | --                                     |                   |
 * | `non_block_end`   | nonBlockEnd, `point` non_block_end     | --                                          |                   |
 * | `might_sleep`     | `point` might_sleep (the object or 0)  | --                                          |                   |
 * | `lock_map_acquire`| -- (no point): lockdep acquires `__mmu_notifier_invalidate_range_start_map` | --              |                   |
 * | `lock_map_release`| -- (no point): lockdep releases it     | --                                          |                   |
 *
 * Reduction: the fiber build is instrumented (`wasm-opt --instrument-memory`): every load
 * and store of the C code calls {@link PointHost.memory} first, which records it as an
 * access of the 4-byte word it touches (a read or a write), so each step's footprint is
 * exactly the memory its C code touched in that execution, and DPOR orders two steps only
 * where their C code shares a word one of them writes. Left out, as private: the fiber
 * slots (each fiber's C stack and Asyncify buffer, which no pointer leaves: see
 * docs/architecture.md), the main stack, and the shim's stand-ins for per-CPU state
 * (`kshim_locks_held`, `kshim_non_block`, SRCU's reader count, whose effect across tasks is
 * the points' ops). A build without the hooks falls back to the coarse rule: every entry
 * into C writes one object standing for the whole memory (no reduction among C steps).
 *
 * An uncontrolled scheduler (the event loop) is asked only when a point cannot continue
 * (`ready()` false): a ready point continues with no park and no unwind. So is a controlled
 * one while no task runs (`unscheduled()`: a checker run's setup and finally), where a
 * point that cannot continue is a KernelWouldSleepError.
 */

import { INVALIDATE_RANGE_START_MAP } from '../../core/lockdep-maps.ts';
import { InternalError, KernelWouldSleepError } from '../../errors.ts';
import { lockMapAcquire, lockMapRelease } from '../../sched/lockdep-hooks.ts';
import type { Op, Scheduler } from '../../sched/scheduler.ts';
import type { Fiber } from './fibers.ts';

/** kshim.h's KP_* by number. */
export const POINT_KIND = {
  1: 'spin_lock',
  2: 'spin_unlock',
  3: 'wait_event',
  4: 'wake_up_all',
  5: 'srcu_read_lock',
  6: 'srcu_read_unlock',
  7: 'synchronize_srcu',
  8: 'non_block_start',
  9: 'non_block_end',
  10: 'might_sleep',
  11: 'lock_map_acquire',
  12: 'lock_map_release',
} as const;

/** A shim point's name. */
export type PointKind = (typeof POINT_KIND)[keyof typeof POINT_KIND];

/** Per-fiber SRCU state: sections open and sections left, by domain address. */
interface SrcuReader {
  readonly open: Map<number, number>;
  readonly left: Map<number, number>;
}

/** The scheduler side of one instance's points. Internal to `src/kernel/fiber`. */
export class PointHost {
  readonly #sched: Scheduler;
  readonly #memory: () => WebAssembly.Memory;
  readonly #name: string;
  readonly #objects = new Map<string, number>();
  readonly #readers = new Map<Fiber, SrcuReader>();
  readonly #ops = new Map<number, Op>();
  /** The object standing for the module's whole memory. */
  readonly memOp: Op;
  /** Points seen, by kind (for tests and the bench). */
  readonly counts = new Map<PointKind, number>();

  readonly #unscheduled: () => boolean;
  /** Footprints on (an instrumented build): the private ranges and words, the stretch seen. */
  #fp: {
    readonly mainLo: number;
    readonly mainHi: number;
    readonly inSlot: (addr: number) => boolean;
    readonly shimWords: ReadonlySet<number>;
  } | null = null;
  readonly #stretch = new Set<number>();
  #clearing = false;
  readonly #memOps = new Map<number, Op>();
  /** Fibers of calls made in atomic context: their points never park. */
  readonly #whole = new Set<Fiber>();

  constructor(
    sched: Scheduler,
    memory: () => WebAssembly.Memory,
    name: string,
    unscheduled: () => boolean = () => false,
  ) {
    this.#sched = sched;
    this.#unscheduled = unscheduled;
    this.#memory = memory;
    this.#name = name;
    this.memOp = {
      kind: 'kernel.run',
      obj: this.objectOf('kernel-memory', 0),
      write: true,
      name: `${name}.kernel-memory`,
    };
  }

  /** The scheduler object of a C object (by what it is and its address). */
  objectOf(what: string, ptr: number): number {
    const key = `${what}@${ptr}`;
    let id = this.#objects.get(key);
    if (id === undefined) {
      id = this.#sched.objectId(`${this.#name}.${what}`);
      this.#objects.set(key, id);
    }
    return id;
  }

  #word(ptr: number): number {
    return new Int32Array(this.#memory().buffer)[ptr >> 2]!;
  }

  /** C code is about to run on behalf of the current task (a call's start). */
  entered(): void {
    if (this.#fp === null && this.#sched.controlled) this.#sched.access(this.memOp);
  }

  /**
   * Turns footprints on (the build calls {@link PointHost.memory} at every load and store):
   * `[mainLo, mainHi)` is the main C stack, `inSlot` tells a fiber slot's address, and
   * `shimWords` are the addresses of the shim's per-CPU stand-ins.
   */
  footprints(
    mainLo: number,
    mainHi: number,
    inSlot: (a: number) => boolean,
    shimWords: number[],
  ): void {
    this.#fp = { mainLo, mainHi, inSlot, shimWords: new Set(shimWords.map((a) => a >>> 2)) };
  }

  /** True when footprints are on. */
  get fineGrained(): boolean {
    return this.#fp !== null;
  }

  /**
   * A load (`write` false) or store of `bytes` at `addr` by the C code: an access of each
   * word it touches, once per synchronous stretch (a new step always begins after a
   * microtask, where the stretch is forgotten).
   */
  memory(addr: number, bytes: number, write: boolean): void {
    const fp = this.#fp;
    if (fp === null || this.direct()) return;
    if ((addr >= fp.mainLo && addr < fp.mainHi) || fp.inSlot(addr)) return;
    const last = (addr + Math.max(bytes, 1) - 1) >>> 2;
    for (let w = addr >>> 2; w <= last; w++) {
      if (fp.shimWords.has(w)) continue;
      const key = w * 2 + (write ? 1 : 0);
      if (this.#stretch.has(key)) continue;
      this.#stretch.add(key);
      if (!this.#clearing) {
        this.#clearing = true;
        queueMicrotask(() => {
          this.#stretch.clear();
          this.#clearing = false;
        });
      }
      let op = this.#memOps.get(key);
      if (op === undefined) {
        const at = `mem@0x${(w * 4).toString(16)}`;
        op = {
          kind: write ? 'kernel.store' : 'kernel.load',
          obj: this.objectOf(at, 0),
          write,
          name: `${this.#name}.${at}`,
          quiet: true, // a footprint, not a trace event
        };
        this.#memOps.set(key, op);
      }
      this.#sched.access(op);
    }
  }

  /** A fiber ended: its SRCU bookkeeping goes. */
  fiberEnded(fiber: Fiber): void {
    this.#readers.delete(fiber);
    this.#whole.delete(fiber);
  }

  /**
   * `fiber`'s call was made in atomic context (a spin lock of the model held): its points
   * continue at once, and one that cannot is a KernelWouldSleepError.
   */
  runWhole(fiber: Fiber): void {
    this.#whole.add(fiber);
  }

  #reader(fiber: Fiber): SrcuReader {
    let r = this.#readers.get(fiber);
    if (r === undefined) this.#readers.set(fiber, (r = { open: new Map(), left: new Map() }));
    return r;
  }

  /** True when points do not go to the scheduler (uncontrolled, or no task runs). */
  direct(): boolean {
    return !this.#sched.controlled || this.#unscheduled();
  }

  /**
   * Parks at `op` until `ready` (controlled: always asks); then C runs again. With no task
   * running (a checker run's setup or finally) a ready point continues and a wait that
   * cannot is a KernelWouldSleepError.
   */
  #park(fiber: Fiber, op: Op, ready?: () => boolean): void | Promise<void> {
    const s = this.#sched;
    const whole = this.#whole.has(fiber);
    if ((whole || this.direct()) && (ready === undefined || ready())) return;
    if (whole) {
      const where = { file: 'kshim', line: 0, condition: `${op.kind} on ${op.name ?? op.obj}` };
      throw new KernelWouldSleepError(
        `${op.kind} on ${op.name ?? op.obj} would wait in a call made in atomic context`,
        where,
      );
    }
    if (s.controlled && this.#unscheduled()) {
      const where = { file: 'kshim', line: 0, condition: `${op.kind} on ${op.name ?? op.obj}` };
      throw new KernelWouldSleepError(
        `${op.kind} on ${op.name ?? op.obj} would sleep with no task running (setup or finally)`,
        where,
      );
    }
    return s.point(op, ready).then(() => this.entered());
  }

  /** One `kshim_point` of `fiber`. */
  point(fiber: Fiber, kindNo: number, ptr: number, arg: number): void | Promise<void> {
    const kind = POINT_KIND[kindNo as keyof typeof POINT_KIND];
    if (kind === undefined) throw new InternalError(`kshim_point of unknown kind ${kindNo}`);
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
    const s = this.#sched;
    // One op object per (kind, address), built on first use: a point allocates nothing.
    const op = (k: string, what: string, write: boolean): Op => {
      const key = kindNo * 0x1_0000_0000 + ptr;
      let o = this.#ops.get(key);
      if (o === undefined) {
        o = { kind: k, obj: this.objectOf(what, ptr), write, name: `${this.#name}.${what}` };
        this.#ops.set(key, o);
      }
      return o;
    };
    switch (kind) {
      case 'spin_lock': {
        const p = this.#park(
          fiber,
          op('spin.lock', 'subscriptions.lock', true),
          () => this.#word(ptr) === 0,
        );
        if (p === undefined) return s.nonBlockStart();
        return p.then(() => s.nonBlockStart());
      }
      case 'spin_unlock': {
        s.nonBlockEnd();
        const o = op('spin.unlock', 'subscriptions.lock', true);
        s.kick(o.obj);
        return this.#park(fiber, o);
      }
      case 'wait_event':
        return this.#park(
          fiber,
          op('wq.wait', 'subscriptions.wq', false),
          () => this.#word(ptr + 4) !== arg,
        );
      case 'wake_up_all': {
        const o = op('wq.wake', 'subscriptions.wq', true);
        s.kick(o.obj);
        return this.#park(fiber, o);
      }
      case 'srcu_read_lock': {
        const r = this.#reader(fiber);
        r.open.set(ptr, (r.open.get(ptr) ?? 0) + 1);
        return this.#park(fiber, op('srcu.read_lock', 'srcu', false));
      }
      case 'srcu_read_unlock': {
        const r = this.#reader(fiber);
        r.open.set(ptr, (r.open.get(ptr) ?? 1) - 1);
        r.left.set(ptr, (r.left.get(ptr) ?? 0) + 1);
        const o = op('srcu.read_unlock', 'srcu', false);
        s.kick(o.obj);
        return this.#park(fiber, o);
      }
      case 'synchronize_srcu':
        return this.#park(fiber, op('srcu.synchronize', 'srcu', true), this.#gracePeriod(ptr));
      case 'non_block_start': {
        const p = this.#park(fiber, op('non_block_start', 'non-block', false));
        if (p === undefined) return s.nonBlockStart();
        return p.then(() => s.nonBlockStart());
      }
      case 'non_block_end':
        s.nonBlockEnd();
        return this.#park(fiber, op('non_block_end', 'non-block', false));
      case 'might_sleep':
        return this.#park(fiber, op('might_sleep', ptr === 0 ? 'task' : 'object', false));
      // mmu_notifier.c's only lockdep map (its header's range_start wrappers and its
      // read_begin, remove and range_end): the validator's orders, as the TypeScript core's.
      case 'lock_map_acquire':
        return lockMapAcquire(s, INVALIDATE_RANGE_START_MAP);
      case 'lock_map_release':
        return lockMapRelease(s, INVALIDATE_RANGE_START_MAP);
    }
  }

  /** The ready predicate of a grace period begun now: every current reader of `ptr` left. */
  #gracePeriod(ptr: number): () => boolean {
    const waitFor: [SrcuReader, number][] = [];
    for (const r of this.#readers.values()) {
      if ((r.open.get(ptr) ?? 0) > 0) waitFor.push([r, r.left.get(ptr) ?? 0]);
    }
    return () => waitFor.every(([r, left]) => (r.left.get(ptr) ?? 0) > left);
  }
}
