/**
 * The lock validator of one run (lockdep's `__lock_acquire` / `__lock_release` /
 * `debug_check_no_locks_held`, `kernel/locking/lockdep.c`, v6.12): the locks each task holds
 * (its `held_locks` stack), and the checks made at each acquisition, release and task end.
 *
 * | event                         | check (in the kernel's order)                              | report          |
 * |-------------------------------|------------------------------------------------------------|-----------------|
 * | attempt B (before a wait)     | a lock of B's class is held by this task (`check_deadlock`) | `recursive`     |
 * | acquire B (not a trylock)     | the same, for locks that never wait (spin, pseudo-locks)    | `recursive`     |
 * |                               | for each held A, first time this run: a path B ⇝ A known (`check_noncircular`) | `circular` |
 * |                               | then the edge A -> B joins the graph (`check_prevs_add`)   |                 |
 * | acquire B (trylock)           | none: a trylock cannot wait; B is pushed, later locks depend on it | —      |
 * | release B                     | B is on this task's stack (`lock_release`)                 | `bad-unlock`    |
 * | task ends                     | its stack is empty (`debug_check_no_locks_held`)           | `held-at-exit`  |
 *
 * A report goes to the run's sink (the first finding of a run wins) and the run goes on, as
 * the kernel prints and continues. Tasks are keyed by index; setup and `finally` (no running
 * task) share the key -1. Nothing here blocks or schedules.
 */

import { assertInternal, OverflowError } from '../../errors.ts';
import { LOCK_TRYLOCK, type LockHooks, type LockMap } from '../../sched/lockdep-hooks.ts';
import type { ControlledScheduler } from '../controlled-scheduler.ts';
import type { ExecutionLog } from '../execution-log.ts';
import type { TaskRecord } from '../task-record.ts';
import { type LockGraph, pairOf } from './graph.ts';
import { lockdepFinding, type RawLink, type RawLockdepFinding } from './report.ts';
import { captureSite, formatSite, type Site } from './sites.ts';
import type { LockdepLock } from './types.ts';

/** Locks one task may hold at once (the kernel's `MAX_LOCK_DEPTH`, 48 in v6.12). */
export const HELD_LOCKS_MAX = 48;

/** One entry of a task's held stack. */
interface Held {
  readonly map: LockMap;
  /** `map.lockClass` interned ({@link LockGraph.classId}): compared and paired as a number. */
  readonly cls: number;
  readonly op: string;
  readonly step: number;
  readonly site: Site | null;
}

/** A dependency taken in this run, formatted only when a report or the graph needs it. */
interface RunLink {
  readonly task: string;
  readonly held: Held;
  readonly next: Held;
}

/** What the validator reports to: the run's `report`. */
export type LockdepSink = (finding: RawLockdepFinding) => void;

/** The hooks the controlled scheduler calls (see the module comment). */
export class LockValidator implements LockHooks {
  readonly #graph: LockGraph;
  readonly #sched: ControlledScheduler;
  readonly #log: ExecutionLog;
  readonly #sink: LockdepSink;
  readonly #sites: boolean;
  readonly #held = new Map<number, Held[]>();
  /** Per task, the site of its blocking acquisition under way (its stack is whole before the wait). */
  readonly #attempts = new Map<number, { readonly map: LockMap; readonly site: Site | null }>();
  /** Edges taken in this run (keyed by `graph.pair(A, B)`), with where: a chain prefers this run's own. */
  readonly #runEdges = new Map<number, RunLink>();

  /** @param sites capture call sites (a stack walk per acquisition: for traced runs only). */
  constructor(
    graph: LockGraph,
    sched: ControlledScheduler,
    log: ExecutionLog,
    sink: LockdepSink,
    sites: boolean,
  ) {
    this.#graph = graph;
    this.#sched = sched;
    this.#log = log;
    this.#sink = sink;
    this.#sites = sites;
  }

  attempt(map: LockMap, op: string): void {
    if (!this.#sched.live) return;
    const task = this.#sched.current;
    const site = this.#sites ? captureSite() : null;
    if (site !== null) this.#attempts.set(task?.index ?? -1, { map, site });
    const stack = this.#stack(task);
    const cls = this.#graph.classId(map.lockClass);
    if (!stack.some((h) => h.cls === cls)) return;
    const next: Held = { map, cls, op, step: this.#step(), site };
    const held = this.#locks(stack);
    this.#sink(lockdepFinding('recursive', this.#name(task), held, this.#lock(next)));
  }

  acquire(map: LockMap, op: string, flags: number): void {
    if (!this.#sched.live) return;
    const task = this.#sched.current;
    const stack = this.#stack(task);
    if (stack.length >= HELD_LOCKS_MAX) {
      throw new OverflowError(
        `lockdep: '${task?.name ?? 'main'}' holds more than ${HELD_LOCKS_MAX} locks (HELD_LOCKS_MAX) at ${op} ${map.name}; a lock taken in a loop and never released?`,
      );
    }
    const cls = this.#graph.classId(map.lockClass);
    const next: Held = { map, cls, op, step: this.#step(), site: this.#siteOf(task, map) };
    if ((flags & LOCK_TRYLOCK) === 0) this.#validate(task, stack, next);
    stack.push(next);
  }

  release(map: LockMap, op: string): void {
    if (!this.#sched.live) return;
    const task = this.#sched.current;
    const stack = this.#stack(task);
    for (let i = stack.length - 1; i >= 0; i--) {
      if (stack[i]!.map === map) {
        stack.splice(i, 1);
        return;
      }
    }
    const lock = this.#lock({
      map,
      cls: this.#graph.classId(map.lockClass),
      op,
      step: this.#step(),
      site: this.#sites ? captureSite() : null,
    });
    this.#sink(lockdepFinding('bad-unlock', this.#name(task), this.#locks(stack), lock));
  }

  /** The task ended (pairs with its spawn): it must hold nothing. */
  taskEnded(task: TaskRecord): void {
    const stack = this.#held.get(task.index);
    if (stack === undefined || stack.length === 0) return;
    this.#sink(lockdepFinding('held-at-exit', task.name, this.#locks(stack)));
    this.#held.delete(task.index);
  }

  #validate(task: TaskRecord | null, stack: readonly Held[], next: Held): void {
    const cls = next.cls;
    const same = stack.find((h) => h.cls === cls);
    if (same !== undefined) {
      const held = this.#locks(stack);
      this.#sink(lockdepFinding('recursive', this.#name(task), held, this.#lock(next)));
      return;
    }
    for (const held of stack) this.#depend(task, held, next, stack);
  }

  /** `held -> next`: on its first use in this run, look for `next ⇝ held`, then record it. */
  #depend(task: TaskRecord | null, held: Held, next: Held, stack: readonly Held[]): void {
    const key = pairOf(held.cls, next.cls);
    if (this.#runEdges.has(key)) return;
    const a = held.map.lockClass;
    const b = next.map.lockClass;
    const own: RunLink = { task: this.#name(task), held, next };
    this.#runEdges.set(key, own);
    const back = this.#graph.path(b, a);
    if (back !== null) {
      const link = this.#format(own);
      const existing = this.#chain(back);
      const locks = this.#locks(stack);
      this.#sink(lockdepFinding('circular', link.task, locks, link.acquired, [link], existing));
    }
    if (!this.#graph.has(a, b)) {
      this.#graph.add({ ...this.#format(own), choices: this.#log.choices() });
    }
  }

  #format(link: RunLink): RawLink {
    const { task, held, next } = link;
    return { task, held: this.#lock(held), acquired: this.#lock(next), prior: null };
  }

  /** The links of a path of classes: this run's occurrence if any, else the graph's origin. */
  #chain(classes: readonly string[]): RawLink[] {
    const out: RawLink[] = [];
    for (let i = 0; i + 1 < classes.length; i++) {
      const a = classes[i]!;
      const b = classes[i + 1]!;
      const own = this.#runEdges.get(this.#graph.pair(a, b));
      if (own !== undefined) {
        out.push(this.#format(own));
        continue;
      }
      const origin = this.#graph.origin(a, b);
      assertInternal(origin !== undefined, `lockdep: path edge ${a} -> ${b} has no origin`);
      out.push({ ...origin, prior: origin.choices ?? [] });
    }
    return out;
  }

  /** The attempt's site for a lock obtained after a wait (after an await the stack is cut). */
  #siteOf(task: TaskRecord | null, map: LockMap): Site | null {
    if (!this.#sites) return null;
    const key = task?.index ?? -1;
    const attempt = this.#attempts.get(key);
    if (attempt === undefined || attempt.map !== map) return captureSite();
    this.#attempts.delete(key);
    return attempt.site;
  }

  #stack(task: TaskRecord | null): Held[] {
    const key = task?.index ?? -1;
    let stack = this.#held.get(key);
    if (stack === undefined) this.#held.set(key, (stack = []));
    return stack;
  }

  #step(): number {
    return this.#log.steps === 0 ? 0 : this.#log.steps - 1;
  }

  #name(task: TaskRecord | null): string {
    return task?.name ?? 'main';
  }

  #lock(h: Held): LockdepLock {
    const { name, lockClass } = h.map;
    const site = h.site === null ? '' : formatSite(h.site);
    return { lockClass, name, op: h.op, step: h.step, site };
  }

  #locks(stack: readonly Held[]): LockdepLock[] {
    return stack.map((h) => this.#lock(h));
  }
}
