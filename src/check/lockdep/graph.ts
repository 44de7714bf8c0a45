/**
 * The lock dependency graph of one `check()` call (lockdep's `lock_list` of each class,
 * `kernel/locking/lockdep.c`, v6.12): a directed edge `A -> B` for "some task held a lock of
 * class A while acquiring one of class B", gathered across EVERY run of the call, so that
 * two orders seen in two different runs close a cycle although no run deadlocked.
 *
 * Each edge keeps its *origin*: the first time it was seen (task, both locks with step and
 * call site, and the choices of that run up to that step, which replay it). Searching runs
 * and the minimizer share one graph; a replay builds a fresh one from its priors.
 *
 * | op              | effect                                                          |
 * |-----------------|-----------------------------------------------------------------|
 * | `has(a, b)`     | the edge is known                                               |
 * | `add(origin)`   | adds the edge if new (first origin wins); bounded by EDGES_MAX  |
 * | `path(from, to)`| the shortest known path `from ⇝ to` (BFS, deterministic order)  |
 * | `classId(a)`    | a small integer naming class `a` for the graph's life (interned) |
 * | `pair(a, b)`    | a number naming the ordered pair (classes interned): a cheap map key |
 */

import { assertInternal, OverflowError } from '../../errors.ts';
import type { LockdepLock } from './types.ts';

/** Dependencies kept per check (the kernel's `MAX_LOCKDEP_ENTRIES`, 32768 in v6.12). */
export const LOCKDEP_EDGES_MAX = 32_768;

/**
 * Classes interned per graph: ids stay below this, so that a pair `a * CLASSES_MAX + b` stays
 * below 2^30, a small integer (a larger key is a heap number: allocated, slow to hash). The
 * kernel's `MAX_LOCKDEP_KEYS` is 8192 (v6.12).
 */
export const LOCKDEP_CLASSES_MAX = 2 ** 15;

/** The key of the ordered pair of class ids `a`, `b` ({@link LockGraph.classId}). */
export function pairOf(a: number, b: number): number {
  return a * LOCKDEP_CLASSES_MAX + b;
}

/** Where an edge was first seen. */
export interface EdgeOrigin {
  /** The task that held `held` while acquiring `acquired`. */
  readonly task: string;
  /** The lock held. */
  readonly held: LockdepLock;
  /** The lock acquired. */
  readonly acquired: LockdepLock;
  /** The choices of the run up to and including the acquiring step (null: not recorded). */
  readonly choices: readonly number[] | null;
}

/** The dependency graph (see the module comment). */
export class LockGraph {
  readonly #out = new Map<string, Map<string, EdgeOrigin>>();
  #edges = 0;
  /** Paths found since the graph last grew (`pair(from, to)` -> path or null): a run repeats them. */
  readonly #paths = new Map<number, string[] | null>();
  /** Class names interned for {@link LockGraph.pair}. */
  readonly #ids = new Map<string, number>();

  /** Edges recorded. */
  get edges(): number {
    return this.#edges;
  }

  /**
   * A number for the ordered pair `a`, `b` (the same for equal names during the graph's
   * life), so that callers key maps by a pair without building a string per lookup.
   */
  pair(a: string, b: string): number {
    return pairOf(this.classId(a), this.classId(b));
  }

  /**
   * The interned id of class `name` (the same for equal names during the graph's life).
   * @throws OverflowError past {@link LOCKDEP_CLASSES_MAX} classes.
   */
  classId(name: string): number {
    let id = this.#ids.get(name);
    if (id === undefined) {
      id = this.#ids.size;
      if (id >= LOCKDEP_CLASSES_MAX) {
        throw new OverflowError(
          `lockdep: more than ${LOCKDEP_CLASSES_MAX} lock classes (LOCKDEP_CLASSES_MAX); a class name built per lock instance?`,
        );
      }
      this.#ids.set(name, id);
    }
    return id;
  }

  /** True when `a -> b` is known. */
  has(a: string, b: string): boolean {
    return this.#out.get(a)?.has(b) === true;
  }

  /** The origin of `a -> b`, if known. */
  origin(a: string, b: string): EdgeOrigin | undefined {
    return this.#out.get(a)?.get(b);
  }

  /**
   * Adds `origin.held -> origin.acquired` unless known.
   * @throws OverflowError past {@link LOCKDEP_EDGES_MAX} edges.
   */
  add(origin: EdgeOrigin): void {
    const a = origin.held.lockClass;
    const b = origin.acquired.lockClass;
    assertInternal(a !== b, `lockdep: a self-edge on ${a} (recursion is reported, never recorded)`);
    let out = this.#out.get(a);
    if (out === undefined) this.#out.set(a, (out = new Map()));
    if (out.has(b)) return;
    if (this.#edges >= LOCKDEP_EDGES_MAX) {
      throw new OverflowError(
        `lockdep: more than ${LOCKDEP_EDGES_MAX} lock dependencies (LOCKDEP_EDGES_MAX); ` +
          'are lock classes named per instance (a counter in the name)? Give them one lockClass',
      );
    }
    out.set(b, origin);
    this.#edges++;
    this.#paths.clear();
  }

  /** The classes of the shortest path `from ⇝ to` (both included), or null. */
  path(from: string, to: string): string[] | null {
    const key = this.pair(from, to);
    let found = this.#paths.get(key);
    if (found === undefined) this.#paths.set(key, (found = this.#search(from, to)));
    return found === null ? null : [...found];
  }

  #search(from: string, to: string): string[] | null {
    if (from === to) return [from];
    const parent = new Map<string, string>([[from, from]]);
    let frontier = [from];
    while (frontier.length > 0) {
      const next: string[] = [];
      for (const a of frontier) {
        for (const b of this.#out.get(a)?.keys() ?? []) {
          if (parent.has(b)) continue;
          parent.set(b, a);
          if (b === to) return unwind(parent, from, to);
          next.push(b);
        }
      }
      frontier = next;
    }
    return null;
  }
}

function unwind(parent: ReadonlyMap<string, string>, from: string, to: string): string[] {
  const out = [to];
  for (let at = to; at !== from; ) {
    at = parent.get(at)!;
    out.push(at);
  }
  return out.reverse();
}
