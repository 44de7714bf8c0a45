/**
 * The per-object index of a run's accesses that race detection (`dpor.ts`) searches for the
 * steps dependent with a transition: for each key (an object, or `-k` for the visible writes
 * of invariant `k`), the entries `step * 4 + kind` of the steps that touched it (the access
 * kinds of `execution-log.ts`), in step order. Kept from run to run: {@link AccessIndex.truncate} drops the steps from a branch
 * point on, so a run that replays a prefix of the previous one indexes only its new steps.
 *
 * Only the *last* conflicting entries of a list are candidates ({@link AccessIndex.collect}):
 * every earlier entry happens before the last WRITE of the list (a WRITE conflicts with every
 * kind, so it was dependent with each of them and its clock covers them; READ and ADD entries
 * cover nothing: reads commute with reads, adds with adds), and once that write is merged into a transition's
 * clock they are covered, neither races nor change the clock. The exception is a write that
 * is the transition's *enabler*: it is merged last (`dpor.ts`: the search for partners looks
 * through it), so the scan goes on past it to the next write.
 */

/**
 * The key under which a visible write (to an object invariant `k` reads) is also recorded,
 * for the lowest bit `k` of a visibility mask: `-k` (`0` for invariant 0: object 0 touches
 * nothing shared, and keys of real objects are positive), so writes visible to one
 * invariant never commute.
 */
export function visibleKey(mask: number): number {
  return -(31 - Math.clz32(mask & -mask));
}

import { ACCESS_WRITE, type AccessKind, kindsConflict } from '../execution-log.ts';

/** The accesses of a run by object (see the module comment). Reuses its lists. */
export class AccessIndex {
  readonly #lists = new Map<number, number[]>();

  /** Forgets every entry. */
  clear(): void {
    for (const list of this.#lists.values()) list.length = 0;
  }

  /** Drops the entries of steps `from` and later (each list is in step order). */
  truncate(from: number): void {
    const limit = from * 4;
    for (const list of this.#lists.values()) {
      let n = list.length;
      while (n > 0 && list[n - 1]! >= limit) n--;
      list.length = n;
    }
  }

  /** Records that step `step` made an access of kind `kind` to `key`. */
  record(key: number, step: number, kind: AccessKind | number): void {
    let list = this.#lists.get(key);
    if (list === undefined) this.#lists.set(key, (list = []));
    list.push(step * 4 + kind);
  }

  /**
   * Pushes onto `out` the steps of `key`'s list whose access conflicts with one of kind `kind`
   * (`kindsConflict`), latest first, down to the last WRITE that is not `enabler` (see the
   * module comment: the earlier ones are covered by it).
   */
  collect(key: number, kind: AccessKind | number, enabler: number, out: number[]): void {
    const list = this.#lists.get(key);
    if (list === undefined) return;
    for (let k = list.length - 1; k >= 0; k--) {
      const entry = list[k]!;
      const step = entry >> 2;
      if ((entry & 3) === ACCESS_WRITE) {
        out.push(step);
        if (step !== enabler) return;
      } else if (kindsConflict(entry, kind)) out.push(step);
    }
  }
}
