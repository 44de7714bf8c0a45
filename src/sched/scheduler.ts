/**
 * The scheduling seam: the one place where a task may be parked.
 *
 * Protocol
 * --------
 * JavaScript runs a task atomically between two `await`s, so the only interleavings that
 * exist are choices of *which parked task continues next*. Every primitive operation that may
 * block, or that touches shared state and should be explored by the checker, is a *point*:
 *
 * | call                  | blocks? | meaning                                                      |
 * |-----------------------|---------|--------------------------------------------------------------|
 * | `point(op)`           | maybe   | park here; continue when chosen (controlled) or at once      |
 * | `point(op, ready)`    | yes     | park until `ready()` holds (mutex free, wake generation moved) |
 * | `access(op)`          | never   | a synchronous operation (tryLock, unlock, a plain read) on `op.obj` |
 * | `kick(obj)`           | never   | `obj`'s state changed: re-check the predicates parked on it   |
 * | `annotate(note)`      | never   | a trace note with no effect on scheduling or reduction        |
 * | `nonBlockStart/End()` | never   | enter/leave atomic context: a point inside it is an error     |
 *
 * Rules every primitive follows (so that a controlled scheduler may replace this one):
 * 1. It never awaits anything but `point()`. A caller loops `do await point(op, ready) while
 *    (!ready())` because the event-loop scheduler may wake more waiters than can proceed.
 * 2. After changing the state a `ready` predicate reads, it calls `kick(obj)` (pairs with the
 *    `point(op, ready)` of the waiter).
 * 3. `ready` is a pure function of shared state: it may be called at any time, any number of
 *    times.
 * 4. Every read or write of shared state a task makes is recorded: at a point, or through
 *    `access(op)` (`op.quiet` for a plain read that should not clutter a trace). A checker's
 *    partial-order reduction only knows what is recorded: an unrecorded read makes two steps
 *    look independent when they are not.
 *
 * The default, {@link EventLoopScheduler}, is the plain event loop: `point()` resolves at
 * once when `ready` holds, otherwise it parks the caller on `op.obj` until a `kick(obj)` finds
 * `ready()` true.
 */

import { SleepInAtomicError, StateError } from '../errors.ts';
import type { LockHooks } from './lockdep-hooks.ts';

/** One operation at a scheduling point or a synchronous access, as the checker records it. */
export interface Op {
  /** The operation, dotted: `mutex.lock`, `wq.wait`, `cell.store`, `yield`. */
  readonly kind: string;
  /** The id of the object touched, from {@link Scheduler.objectId}; 0 touches nothing shared. */
  readonly obj: number;
  /** False when the op only reads `obj` (two reads of one object commute). */
  readonly write: boolean;
  /**
   * With `write`: the op is a *commuting update* of `obj` (a reader entering or leaving an
   * rwsem or SRCU section, a sleeper joining a wait queue): it commutes with every other
   * commuting update of `obj`, and reads only what no commuting update changes. A checker's
   * reduction may then reorder two of them (never one with a read or a plain write). Each
   * primitive that sets it argues why in its own comment.
   */
  readonly commutes?: boolean;
  /** A human label of the object, for traces (`umem_mutex`, `kvm.mmu_lock`). */
  readonly name?: string;
  /** Free text for traces (a value stored, a range). */
  readonly detail?: string;
  /**
   * Recorded for the checker's reduction but not traced: a plain read with no scheduling
   * point (`Shared.value`, `Word.peek()`, a getter, a wait condition).
   */
  readonly quiet?: boolean;
}

/**
 * An {@link Op} a primitive makes once per instance (its lock, unlock, peek... ops), built by
 * `new`, not by an object literal. Every field is set (`commutes` and `quiet` false, `detail`
 * undefined when not given), so each such op has one hidden class.
 *
 * Why not a literal: a literal has a V8 allocation site. The checker builds every primitive
 * again for each run and keeps its ops for the whole run, so under V8's default flags
 * (allocation-site pretenuring) these sites were judged long-lived, and constructing a
 * `Mutex` cost 8% of `two-pass-multi-gpu`'s CPU time (0.3% with
 * `--no-allocation-site-pretenuring`). An object made by `new` has no allocation site.
 */
export class PrimitiveOp implements Op {
  readonly kind: string;
  readonly obj: number;
  readonly write: boolean;
  readonly commutes: boolean;
  readonly name: string;
  readonly detail: string | undefined;
  readonly quiet: boolean;

  /**
   * @param kind the operation (`mutex.lock`); `obj` the object id; `write` false for a read;
   * `name` the object's label; `flags` {@link OP_COMMUTES} | {@link OP_QUIET}; `detail`
   * free text.
   */
  constructor(
    kind: string,
    obj: number,
    write: boolean,
    name: string,
    flags = 0,
    detail: string | undefined = undefined,
  ) {
    this.kind = kind;
    this.obj = obj;
    this.write = write;
    this.commutes = (flags & OP_COMMUTES) !== 0;
    this.name = name;
    this.detail = detail;
    this.quiet = (flags & OP_QUIET) !== 0;
  }
}

/** {@link PrimitiveOp} flag: `Op.commutes`. */
export const OP_COMMUTES = 1;
/** {@link PrimitiveOp} flag: `Op.quiet`. */
export const OP_QUIET = 2;

/** A trace note: something worth seeing in a trace that is not a scheduling decision. */
export interface TraceNote {
  /** What happened: `invalidate.start`, `invalidate.end`, `eagain`, `seq`, `fault.retry`... */
  readonly kind: string;
  /** The subject (a subscriber's name, an address space). */
  readonly name: string;
  /** Free text (the range, the value). */
  readonly detail?: string;
}

/**
 * The seam through which every blocking primitive passes. The core, `sync/` and the kernel
 * model depend only on this interface; the checker supplies a controlled implementation.
 */
export interface Scheduler {
  /** True for a controlled (checker) scheduler; the core uses it to skip tracing work. */
  readonly controlled: boolean;
  /**
   * False when {@link Scheduler.annotate} drops every note (a checker run that records no
   * trace): callers may skip building them. Absent or true: notes are wanted.
   */
  readonly tracing?: boolean;
  /**
   * A scheduling point. Resolves when the calling task may continue: at once for the event
   * loop when `ready` is absent or true; when chosen, for a controlled scheduler.
   * Pairs with {@link Scheduler.kick} on the object when `ready` is given.
   * @throws SleepInAtomicError inside a non-blockable section (the promise rejects).
   */
  point(op: Op, ready?: () => boolean): Promise<void>;
  /** Records a synchronous operation on `op.obj` (never parks). */
  access(op: Op): void;
  /** Re-checks the tasks parked on `obj`; wakes at most `max` of them whose `ready()` holds. */
  kick(obj: number, max?: number): void;
  /** Records a trace note. Never parks, never affects reduction. */
  annotate(note: TraceNote): void;
  /** A fresh object id (deterministic per run for a controlled scheduler). */
  objectId(label: string): number;
  /** Enters non-blockable (atomic) context: the kernel's `non_block_start()`. Pairs with nonBlockEnd. */
  nonBlockStart(): void;
  /** Leaves non-blockable context: the kernel's `non_block_end()`. Pairs with nonBlockStart. */
  nonBlockEnd(): void;
  /** The current depth of non-blockable context (0 = may sleep). */
  readonly atomicDepth: number;
  /** The lock validator's hooks (`lock_acquire`/`lock_release`), when one runs; see `lockdep-hooks.ts`. */
  readonly lockdep?: LockHooks | undefined;
  /**
   * The running task's index, or -1 outside any task (optional: a scheduler without task
   * identity omits it). Lets a lock answer "does the caller hold me?" (lockdep) without a
   * shared read.
   */
  currentTask?(): number;
}

interface Parked {
  readonly ready: () => boolean;
  readonly resolve: () => void;
}

const RESOLVED: Promise<void> = Promise.resolve();

/** The default {@link Scheduler}: the plain event loop, no control, no tracing. */
export class EventLoopScheduler implements Scheduler {
  readonly controlled = false;
  #nextId = 1;
  #depth = 0;
  readonly #parked = new Map<number, Parked[]>();

  get atomicDepth(): number {
    return this.#depth;
  }

  point(op: Op, ready?: () => boolean): Promise<void> {
    if (this.#depth > 0) {
      return Promise.reject(
        new SleepInAtomicError(`${op.kind} on ${op.name ?? `#${op.obj}`} in non-blockable context`),
      );
    }
    if (ready === undefined || ready()) return RESOLVED;
    return new Promise<void>((resolve) => {
      let list = this.#parked.get(op.obj);
      if (list === undefined) this.#parked.set(op.obj, (list = []));
      list.push({ ready, resolve });
    });
  }

  access(_op: Op): void {}

  kick(obj: number, max = Number.POSITIVE_INFINITY): void {
    const list = this.#parked.get(obj);
    if (list === undefined) return;
    let woken = 0;
    for (let i = 0; i < list.length && woken < max; ) {
      const parked = list[i]!;
      if (parked.ready()) {
        list.splice(i, 1);
        woken++;
        parked.resolve();
      } else {
        i++;
      }
    }
    if (list.length === 0) this.#parked.delete(obj);
  }

  annotate(_note: TraceNote): void {}

  objectId(_label: string): number {
    return this.#nextId++;
  }

  nonBlockStart(): void {
    this.#depth++;
  }

  nonBlockEnd(): void {
    if (this.#depth === 0) throw new StateError('nonBlockEnd without nonBlockStart');
    this.#depth--;
  }
}

/** The process-wide default scheduler, used when no scheduler is passed. */
export const defaultScheduler: Scheduler = new EventLoopScheduler();

/**
 * True when `value` has every method of a {@link Scheduler} (`point`, `access`, `kick`,
 * `annotate`, `objectId`, `nonBlockStart`, `nonBlockEnd`), to validate options. Named property
 * reads, not a loop over the names: every primitive's constructor calls this, once per
 * checker run each, and a keyed read by a variable name is a slow generic lookup.
 */
export function isScheduler(value: unknown): value is Scheduler {
  if (typeof value !== 'object' || value === null) return false;
  const s = value as Partial<Scheduler>;
  return (
    typeof s.point === 'function' &&
    typeof s.access === 'function' &&
    typeof s.kick === 'function' &&
    typeof s.annotate === 'function' &&
    typeof s.objectId === 'function' &&
    typeof s.nonBlockStart === 'function' &&
    typeof s.nonBlockEnd === 'function'
  );
}

/**
 * `might_sleep()`: the caller is about to do something that may sleep even if this time it
 * does not (a `wait_event()` whose condition already holds, a blockable invalidation).
 * @throws SleepInAtomicError inside a non-blockable section or a spin lock.
 */
export function mightSleepCheck(scheduler: Scheduler, what: string): void {
  if (scheduler.atomicDepth > 0)
    throw new SleepInAtomicError(`${what} (might sleep) in non-blockable context`);
}

/**
 * An explicit scheduling point with no object, in a retry loop: the kernel's `cpu_relax()` /
 * `cond_resched()` in a spin-wait, loom's `yield_now`. It says "I cannot progress until
 * another task does": the checker's fair search holds a task that yields twice while
 * another task could run and did not back until that task has run (see `mightSleep` for a
 * point where the task goes on making progress).
 */
export function yieldNow(scheduler: Scheduler = defaultScheduler): Promise<void> {
  return scheduler.point({ kind: 'yield', obj: 0, write: false });
}

/**
 * A scheduling point with no object where the task may sleep while it makes progress: a
 * firmware command, programming a device, `cond_resched()` inside a long walk (the kernel's
 * `might_sleep()` sites that do sleep). Unlike {@link yieldNow} it never means "waiting for
 * another task", so fairness ignores it: every interleaving around it is explored.
 */
export function mightSleep(scheduler: Scheduler = defaultScheduler): Promise<void> {
  return scheduler.point({ kind: 'might_sleep', obj: 0, write: false });
}
