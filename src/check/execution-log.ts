/**
 * The record of one run that the strategies read: per step, the task chosen, the set of
 * runnable tasks before the choice, and the objects the step touched (its op at the point
 * plus every synchronous access until the task parked again: loads, stores, lock ops, and
 * the plain reads `Shared.value`, `Word.peek()`, getters and wait conditions make); per
 * state, the op each *blocked* task (parked, not enabled) waits at. Flat arrays reused from
 * run to run, so recording a step allocates nothing once the arrays have grown.
 *
 * An access is encoded as `obj * 4 + kind` ({@link accessCode}); object 0 touches nothing
 * shared and is not recorded. Three kinds ({@link accessKind} of an op):
 *
 * | kind   | what it does to the object                                   | conflicts with  |
 * |--------|--------------------------------------------------------------|-----------------|
 * | READ   | reads it, changes nothing                                    | WRITE, ADD      |
 * | WRITE  | anything                                                     | every kind      |
 * | ADD    | a commuting update (`Op.commutes`: a reader entering or leaving, a counter add) that reads only what no ADD changes | READ, WRITE |
 *
 * Two steps are *dependent* when they make conflicting accesses to one object, or when both
 * change (WRITE or ADD) objects *observed* by one invariant (objects it read: such changes
 * are visible, and their order decides what that invariant sees). That is DPOR's
 * independence relation, used for races and sleep sets; why each rule is sound is argued in
 * `docs/architecture.md` ("Reduction"). The observed set outlives a run: it only grows
 * during one search.
 */

import { assertInternal } from '../errors.ts';
import type { Op } from '../sched/scheduler.ts';
import { OBJECTS_MAX } from './limits.ts';

/** Access kind: reads the object, changes nothing. */
export const ACCESS_READ = 0;
/** Access kind: may change anything of the object (conflicts with every access to it). */
export const ACCESS_WRITE = 1;
/** Access kind: a commuting update (see the module comment); conflicts with READ and WRITE. */
export const ACCESS_ADD = 2;
/** One of {@link ACCESS_READ}, {@link ACCESS_WRITE}, {@link ACCESS_ADD}. */
export type AccessKind = 0 | 1 | 2;

/** The access kind of `op`: ADD for a write marked `commutes`, else WRITE or READ. */
export function accessKind(op: Pick<Op, 'write' | 'commutes'>): AccessKind {
  if (!op.write) return ACCESS_READ;
  return op.commutes === true ? ACCESS_ADD : ACCESS_WRITE;
}

/** The encoded access of `kind` to `obj`. */
export function accessCode(obj: number, kind: AccessKind): number {
  return obj * 4 + kind;
}

/** The object of an encoded access. */
export function accessObject(code: number): number {
  return code >> 2;
}

/**
 * True when two access kinds conflict (on one object): unless both read or both add. Cheap:
 * the kinds differ, or one (then both) is WRITE. Takes encoded accesses too (it reads the
 * low two bits only).
 */
export function kindsConflict(a: number, b: number): boolean {
  return (((a ^ b) & 3) | (a & 1)) !== 0;
}

/** Read access to a run's record, for strategies. */
export interface ExecutionLogView {
  /** Steps recorded so far. */
  readonly steps: number;
  /** The task that ran step `step`. */
  taskAt(step: number): number;
  /** The enabled mask before step `step`. */
  enabledAt(step: number): number;
  /** Index of the first access of `step` in {@link ExecutionLogView.access}. */
  accessStart(step: number): number;
  /** One past the last access of `step`. */
  accessEnd(step: number): number;
  /** The encoded access at `index` (`obj * 4 + kind`: {@link accessCode}). */
  access(index: number): number;
  /** True when the last step ended at an explicit `yield` (`cond_resched()`): PCT deprioritizes. */
  readonly yielded: boolean;
  /** Tasks still parked when the run ended, with a shared object in their pending op. */
  readonly pendingCount: number;
  /** The task of pending op `k`. */
  pendingTask(k: number): number;
  /** The encoded access of pending op `k`. */
  pendingAccess(k: number): number;
  /** Index of the first blocked op of state `state` (before step `state`). */
  blockedStart(state: number): number;
  /** One past the last blocked op of state `state`. */
  blockedEnd(state: number): number;
  /** The task of blocked op `index`. */
  blockedTask(index: number): number;
  /** The encoded access of blocked op `index`. */
  blockedAccess(index: number): number;
  /**
   * When `code` changes (WRITE or ADD) an object an invariant reads (a visible write): the
   * mask of those invariants (bit `min(k, 30)` for invariant `k`); 0 otherwise.
   */
  visibleWrite(code: number): number;
  /**
   * True when the run was cut before it was maximal (a finding other than a deadlock): the
   * next step of a task still parked is unknown beyond its op.
   */
  readonly cut: boolean;
  /**
   * Changes whenever an invariant observes an object it did not before (so
   * {@link ExecutionLogView.visibleWrite} may answer differently): analyses kept from an
   * earlier run hold only while it is unchanged.
   */
  readonly observedVersion: number;
}

/** The flat record of one run (see the module comment). */
export class ExecutionLog implements ExecutionLogView {
  #steps = 0;
  #accessCount = 0;
  #preemptions = 0;
  readonly #task: number[] = [];
  readonly #enabled: number[] = [];
  readonly #accessFrom: number[] = [0];
  readonly #accesses: number[] = [];
  readonly #pendingTasks: number[] = [];
  readonly #pendingAccesses: number[] = [];
  #pendingCount = 0;
  readonly #blockedFrom: number[] = [0];
  readonly #blockedTasks: number[] = [];
  readonly #blockedAccesses: number[] = [];
  #blockedCount = 0;
  #observed = new Int32Array(64);
  /**
   * `#seen[code]`: the {@link ExecutionLog.beginStep} serial of the last step that recorded
   * access `code`, so that a step records each access once without scanning its list.
   */
  #seen = new Int32Array(256);
  /** Serial of the open step, from 1, never reused while `#seen` holds it (see `beginStep`). Objects past `OBJECTS_MAX` are deduplicated by a scan instead. */
  #serial = 0;
  #observedVersion = 0;
  #yielded = false;
  #cut = false;

  /** Steps recorded. */
  get steps(): number {
    return this.#steps;
  }

  /** Preemptions so far: switches away from a task that could have continued. */
  get preemptions(): number {
    return this.#preemptions;
  }

  /** The task that ran the last step, or -1 before the first. */
  get lastTask(): number {
    return this.#steps === 0 ? -1 : this.#task[this.#steps - 1]!;
  }

  /** Forgets everything, keeping the arrays' storage. */
  reset(): void {
    this.#steps = 0;
    this.#accessCount = 0;
    this.#preemptions = 0;
    this.#pendingCount = 0;
    this.#blockedCount = 0;
    this.#cut = false;
    this.#blockedFrom[0] = 0;
    this.#blockedFrom[1] = 0;
  }

  /** Invariant `invariant` read `obj` (between steps): from now on writes to it are visible. */
  observe(obj: number, invariant: number): void {
    assertInternal(obj >= 0 && obj <= OBJECTS_MAX, `observed object ${obj}`);
    if (obj === 0) return;
    if (obj >= this.#observed.length) {
      const grown = new Int32Array(Math.max(obj + 1, this.#observed.length * 2));
      grown.set(this.#observed);
      this.#observed = grown;
    }
    const bit = 1 << Math.min(invariant, 30);
    if ((this.#observed[obj]! & bit) !== 0) return;
    this.#observed[obj]! |= bit;
    this.#observedVersion++;
  }

  get observedVersion(): number {
    return this.#observedVersion;
  }

  visibleWrite(code: number): number {
    return (code & 3) !== ACCESS_READ ? (this.#observed[code >> 2] ?? 0) : 0;
  }

  /**
   * Before the next step: `task` is parked and not enabled, waiting at an op of kind `kind`
   * on `obj`.
   */
  addBlocked(task: number, obj: number, kind: AccessKind): void {
    if (obj === 0) return;
    this.#blockedTasks[this.#blockedCount] = task;
    this.#blockedAccesses[this.#blockedCount++] = accessCode(obj, kind);
    this.#blockedFrom[this.#steps + 1] = this.#blockedCount;
  }

  blockedStart(state: number): number {
    return this.#blockedFrom[state]!;
  }

  blockedEnd(state: number): number {
    return this.#blockedFrom[state + 1]!;
  }

  blockedTask(index: number): number {
    return this.#blockedTasks[index]!;
  }

  blockedAccess(index: number): number {
    return this.#blockedAccesses[index]!;
  }

  get yielded(): boolean {
    return this.#yielded;
  }

  /** Before a choice: whether the last step ended at an explicit `yield`. */
  markYield(yielded: boolean): void {
    this.#yielded = yielded;
  }

  /**
   * At the end of a run: `task` is still parked at an op on `obj` (after {@link markCut}, also
   * at an op on no object: its next step is unknown either way).
   */
  addPending(task: number, obj: number, kind: AccessKind): void {
    if (obj === 0 && !this.#cut) return;
    this.#pendingTasks[this.#pendingCount] = task;
    this.#pendingAccesses[this.#pendingCount++] = accessCode(obj, kind);
  }

  get cut(): boolean {
    return this.#cut;
  }

  /** At the end of a run: it ended at a finding other than a deadlock. */
  markCut(): void {
    this.#cut = true;
  }

  get pendingCount(): number {
    return this.#pendingCount;
  }

  pendingTask(k: number): number {
    return this.#pendingTasks[k]!;
  }

  pendingAccess(k: number): number {
    return this.#pendingAccesses[k]!;
  }

  /** Opens a step: `task` chosen among `enabled`. Counts a preemption when it is one. */
  beginStep(task: number, enabled: number): void {
    assertInternal((enabled & (1 << task)) !== 0, `task ${task} chosen but not enabled`);
    const previous = this.lastTask;
    if (previous >= 0 && previous !== task && (enabled & (1 << previous)) !== 0) {
      this.#preemptions++;
    }
    this.#task[this.#steps] = task;
    this.#enabled[this.#steps] = enabled;
    if (++this.#serial === 0x7fff_ffff) {
      this.#seen.fill(0);
      this.#serial = 1;
    }
    this.#steps++;
    this.#accessFrom[this.#steps] = this.#accessCount;
    this.#blockedFrom[this.#steps] = this.#blockedCount;
    this.#blockedFrom[this.#steps + 1] = this.#blockedCount;
  }

  /** Adds an access of kind `kind` of the open step to object `obj` (0 is ignored). */
  addAccess(obj: number, kind: AccessKind): void {
    if (obj === 0 || this.#steps === 0) return;
    const code = accessCode(obj, kind);
    if (obj > OBJECTS_MAX) {
      // Past every real object (the fairness object): few per step, scanned.
      const from = this.#accessFrom[this.#steps - 1]!;
      for (let i = from; i < this.#accessCount; i++) if (this.#accesses[i] === code) return;
    } else {
      if (code >= this.#seen.length) {
        const grown = new Int32Array(Math.max(code + 1, this.#seen.length * 2));
        grown.set(this.#seen);
        this.#seen = grown;
      }
      if (this.#seen[code] === this.#serial) return;
      this.#seen[code] = this.#serial;
    }
    this.#accesses[this.#accessCount++] = code;
    this.#accessFrom[this.#steps] = this.#accessCount;
  }

  /** The choices made so far, as a fresh array (for a schedule). */
  choices(): number[] {
    return this.#task.slice(0, this.#steps);
  }

  taskAt(step: number): number {
    return this.#task[step]!;
  }

  enabledAt(step: number): number {
    return this.#enabled[step]!;
  }

  accessStart(step: number): number {
    return this.#accessFrom[step]!;
  }

  accessEnd(step: number): number {
    return this.#accessFrom[step + 1]!;
  }

  access(index: number): number {
    return this.#accesses[index]!;
  }
}

/**
 * True when two encoded access lists are dependent (see the module comment): they make
 * conflicting accesses to one object, or both change objects `log` says one invariant observes.
 */
export function dependent(
  a: readonly number[],
  b: readonly number[],
  log: ExecutionLogView,
): boolean {
  let visibleA = 0;
  for (const x of a) {
    visibleA |= log.visibleWrite(x);
    for (const y of b) {
      if (x >> 2 === y >> 2 && kindsConflict(x, y)) return true;
    }
  }
  if (visibleA !== 0) for (const y of b) if ((log.visibleWrite(y) & visibleA) !== 0) return true;
  return false;
}

/** The encoded accesses of `step` in `log`, as a fresh array (kept by sleep sets). */
export function stepAccesses(log: ExecutionLogView, step: number): number[] {
  const out: number[] = [];
  for (let i = log.accessStart(step); i < log.accessEnd(step); i++) out.push(log.access(i));
  return out;
}
