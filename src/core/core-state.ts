/**
 * The shared state of one address space (`struct mmu_notifier_subscriptions`) as the walk
 * modules see it: the scheduler, the contract monitor, the trace notes, the SRCU domain,
 * the notifier list, the interval state and the in-flight records. Internal to `src/core`;
 * `AddressSpace` is its public face.
 *
 * Trace notes (`Scheduler.annotate`), written only when the scheduler is controlled:
 *
 * | kind                  | name          | when                                                 |
 * |-----------------------|---------------|------------------------------------------------------|
 * | `notifier.start`      | subscriber    | its `invalidateRangeStart` succeeded: a slice opens (detail: the range) |
 * | `notifier.end`        | subscriber    | its `invalidateRangeEnd` is called: the slice with the same detail closes |
 * | `notifier.fail`       | subscriber    | its start failed (EAGAIN, bad return, threw, Promise)  |
 * | `interval.invalidate` | interval      | its `invalidate`/`invalidateStart` returned (detail: the answer) |
 * | `interval.finish`     | interval      | its two-pass `invalidateFinish` is called              |
 * | `interval.insert`     | interval      | inserted: `[start, end)`, its seq, `deferred` if so     |
 * | `interval.remove`     | interval      | removed: `deferred, waits` while being invalidated     |
 * | `interval.read_begin` | interval      | `readBegin` returned (detail: the seq, `waited` if it slept) |
 * | `interval.read_retry` | interval      | `readRetry(seq)`: `seq 3: ok` or `seq 3, now 5: retry`  |
 * | `interval.check_retry`| interval      | `checkRetry(seq)`, the same detail                      |
 * | `interval.set_seq`    | interval      | `setSeq(curSeq)`: `seq 5 (was 3)`                       |
 * | `seq`                 | address space | `invalidate_seq` changed (detail: the new value)       |
 * | `eagain`              | address space | a non-blockable start returns EAGAIN                   |
 * | `release`             | address space or subscriber | exit's release begins / a `release` op runs |
 * | `diagnostic`          | subscriber or address space | a contract diagnostic (detail: kind: message) |
 *
 * Range details are `describeRange(range)` (`unmap [0x1000, 0x2000) nonblock`); several
 * ranges of one subscriber may be open at once, so a slice is keyed by (name, detail).
 *
 * The subscriptions spinlock is not an object: its critical sections are synchronous, so
 * they cannot interleave. When the scheduler is controlled each one records an access
 * (`mn.lock` on {@link CoreState.lockOp}, its detail the kernel function that takes it) so
 * that reduction stays sound; a getter of `AddressSpace` and a wait condition record a read
 * of the same object ({@link CoreState.read}).
 */

import { OP_QUIET, type Op, PrimitiveOp, type Scheduler } from '../sched/scheduler.ts';
import { Srcu } from '../sync/srcu.ts';
import type { AddressSpace } from './address-space.ts';
import type { Diagnostic, DiagnosticHook, DiagnosticKind } from './diagnostics.ts';
import { InFlightTable } from './in-flight.ts';
import { IntervalState } from './itree.ts';
import type { MmuNotifierRange } from './range.ts';
import type { SemanticsStrategy } from './semantics.ts';
import { NotifierList } from './subscription.ts';

/** The kinds of trace note the core writes (see the table above). */
export type CoreNoteKind =
  | 'notifier.start'
  | 'notifier.end'
  | 'notifier.fail'
  | 'interval.invalidate'
  | 'interval.finish'
  | 'interval.insert'
  | 'interval.remove'
  | 'interval.read_begin'
  | 'interval.read_retry'
  | 'interval.check_retry'
  | 'interval.set_seq'
  | 'seq'
  | 'eagain'
  | 'release'
  | 'diagnostic';

/** The state of one address space shared by the walk modules. Internal to `src/core`. */
export class CoreState {
  /** True when the scheduler is controlled: record accesses. */
  readonly traced: boolean;
  /**
   * True when trace notes are kept: a controlled scheduler that records a trace
   * (`Scheduler.tracing` not false). The checker's search runs record none, so building a
   * note's detail there (`describeRange`, `String(seq)`) was wasted work.
   */
  readonly noting: boolean;
  /** The SRCU domain of this address space (the kernel has one global `srcu`). */
  readonly srcu: Srcu;
  /** The notifier list. */
  readonly list = new NotifierList();
  /** The interval half: tree, `invalidate_seq`, active count, deferred list, wait queue. */
  readonly itree: IntervalState;
  /** The open invalidation records. */
  readonly inFlight = new InFlightTable();
  /** The access recorded for each critical section of the subscriptions lock. */
  readonly lockOp: Op;
  /** The read recorded by a getter or a wait condition that reads this state unlocked. */
  readonly readOp: Op;
  /** The recorded read and write of {@link CoreState.released} (its own object). */
  readonly releasedOps: { readonly read: Op; readonly write: Op };
  /** Subscriptions whose last put ran, to be freed after the next grace period. */
  readonly pendingFree: unknown[] = [];
  /** `exit_mmap` ran: no new subscription or invalidation. */
  released = false;
  /** The first register allocated `mm->notifier_subscriptions` (`lockdep-maps.ts`). */
  subscriptionsAllocated = false;
  readonly #hook: DiagnosticHook | undefined;
  /** The lock's access op per caller (a handful of kernel function names). */
  readonly #lockOps = new Map<string, Op>();
  /** The same for read-only sections (keyed by the name alone: no key string per call). */
  readonly #readLockOps = new Map<string, Op>();

  constructor(
    readonly mm: AddressSpace,
    readonly name: string,
    readonly sched: Scheduler,
    readonly strategy: SemanticsStrategy,
    hook: DiagnosticHook | undefined,
  ) {
    this.traced = sched.controlled;
    this.noting = sched.controlled && sched.tracing !== false;
    this.#hook = hook;
    this.srcu = new Srcu({ scheduler: sched, name: `${name}.srcu` });
    const lockId = sched.objectId(`${name}.lock`);
    this.lockOp = new PrimitiveOp('mn.lock', lockId, true, `${name}.lock`);
    this.readOp = new PrimitiveOp('mn.read', lockId, false, `${name}.lock`, OP_QUIET);
    const releasedId = sched.objectId(`${name}.released`);
    const released = `${name}.released`;
    this.releasedOps = {
      read: new PrimitiveOp('mn.released', releasedId, false, released, OP_QUIET),
      write: new PrimitiveOp('mn.release', releasedId, true, released, OP_QUIET),
    };
    this.itree = new IntervalState(this);
  }

  /**
   * `spin_lock(&subscriptions->lock)`: records the access for the checker; `what` names the
   * kernel function that takes it (the access's detail, so that traces tell an interval
   * insert from a `read_begin`: issue 14).
   */
  lock(what?: string): void {
    if (!this.traced) return;
    if (what === undefined) {
      this.sched.access(this.lockOp);
      return;
    }
    let op = this.#lockOps.get(what);
    if (op === undefined) this.#lockOps.set(what, (op = this.#lockOpOf(true, what)));
    this.sched.access(op);
  }

  /**
   * `spin_lock(&subscriptions->lock)` around a section that only reads this state
   * (`mmu_interval_read_begin`, `mmu_interval_seq_released`): recorded as a *read*, so two
   * such sections commute for the checker's reduction (the lock itself carries nothing
   * between them: a section is synchronous, and the lock is free again when it ends).
   */
  lockRead(what: string): void {
    if (!this.traced) return;
    let op = this.#readLockOps.get(what);
    if (op === undefined) this.#readLockOps.set(what, (op = this.#lockOpOf(false, what)));
    this.sched.access(op);
  }

  #lockOpOf(write: boolean, detail: string): Op {
    return new PrimitiveOp('mn.lock', this.lockOp.obj, write, `${this.name}.lock`, 0, detail);
  }

  /** A plain read of this state (a getter, a wait condition): recorded for the checker. */
  read(): void {
    if (this.traced) this.sched.access(this.readOp);
  }

  /** Writes a trace note; callers test {@link CoreState.noting} first on hot paths. */
  note(kind: CoreNoteKind, name: string, detail?: string): void {
    if (this.noting)
      this.sched.annotate({ kind, name, ...(detail === undefined ? {} : { detail }) });
  }

  /** Reports a broken rule through the `onDiagnostic` hook (and a trace note). */
  report(
    kind: DiagnosticKind,
    message: string,
    subscriber?: string,
    range?: MmuNotifierRange,
  ): void {
    const d: Diagnostic = {
      kind,
      message: `${this.name}: ${message}`,
      ...(subscriber === undefined ? {} : { subscriber }),
      ...(range === undefined ? {} : { range }),
    };
    this.note('diagnostic', subscriber ?? this.name, `${kind}: ${message}`);
    const hook = this.#hook;
    if (hook === undefined) return;
    try {
      hook(d);
    } catch (error) {
      // Reports come from the middle of walks: a throw here would leak the in-flight record
      // and leave invalidate_seq odd. Finish the operation; raise the error as uncaught.
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}
