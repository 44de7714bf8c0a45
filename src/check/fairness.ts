/**
 * Fair scheduling for the exhaustive search (Musuvathi & Qadeer, "Fair stateless model
 * checking", PLDI 2008): a task that yields (`world.yieldNow()`, `cond_resched()`) without
 * letting the others progress loses priority to them until they have run. It turns a retry
 * loop from an endless unfair schedule (the spinner runs, the task it waits for never does)
 * into a finite one, so a `livelock` finding under DFS means that no *fair* schedule ends.
 *
 * Protocol
 * --------
 * Per task `t`, a *window* runs from one of its yields to the next (the first yield only
 * opens one). Over the window the tracker keeps:
 *
 * | set     | holds                                                                 |
 * |---------|-----------------------------------------------------------------------|
 * | `E(t)`  | tasks enabled at every state of the window (continuously enabled)       |
 * | `D(t)`  | tasks a step of `t` disabled in the window                              |
 * | `S(t)`  | tasks scheduled in the window                                          |
 * | `P(t)`  | the tasks `t` waits for: `t` is not chosen while one of them is enabled |
 *
 * | event                          | update                                                  |
 * |--------------------------------|---------------------------------------------------------|
 * | task `p` ran a step            | `S(x) += p`, `E(x) &= enabled now` for all x; `D(p) += enabled before & ~now`; `P(x) -= p` for all x |
 * | that step parked `p` at a yield | window open: `P(p) += (E(p) ∪ D(p)) \ S(p) \ {p}`; then a new window: `E(p) = enabled now`, `D(p) = S(p) = ∅` |
 * | a choice                       | allowed = enabled tasks `t` with `P(t) ∩ enabled = ∅`    |
 *
 * So a task is held back only at its second yield of a window in which some task could run
 * all along (or was disabled by it) and never did; a task that yields once (a "may sleep"
 * point of the model) never is. `P` is acyclic (an edge `t -> u` made at `t`'s yield means
 * `u` has not run since, while `u`'s own edges were made at its yields, before), so some
 * enabled task is always allowed: fairness never cuts a run (asserted).
 *
 * The state is a function of the run's prefix (the choices, the enabled sets, which steps
 * ended at a yield), recomputed as the prefix is replayed: deterministic by construction.
 */

import { assertInternal } from '../errors.ts';
import { OBJECTS_MAX, TASKS_MAX } from './limits.ts';

/**
 * A virtual object that carries fairness in the reduction's dependence relation: every step
 * of a fair search reads it, and a step that ends at a yield writes it. So a yield is never
 * reordered with another task's step (whether that step falls inside the yielding task's
 * window is what fairness reads). Past every real object id.
 */
export const FAIRNESS_OBJECT = OBJECTS_MAX + 1;

/** The fairness state of one run (see the module comment). Reused from run to run. */
export class FairnessTracker {
  readonly #continuously = new Int32Array(TASKS_MAX);
  readonly #disabled = new Int32Array(TASKS_MAX);
  readonly #scheduled = new Int32Array(TASKS_MAX);
  readonly #waitsFor = new Int32Array(TASKS_MAX);
  /** The node (step index) at which each task's open window opened. */
  readonly #openedAt = new Int32Array(TASKS_MAX);
  /** The node at which the window that made each task's latest edges opened. */
  readonly #edgeWindow = new Int32Array(TASKS_MAX);
  /** Bit t: task t has an open window (it yielded at least once). */
  #windows = 0;

  /** Forgets the run: before its first step. */
  reset(): void {
    this.#windows = 0;
    this.#waitsFor.fill(0);
  }

  /**
   * Task `task` ran the step before node `node`: `before` was enabled when it was chosen,
   * `after` is enabled now; `yielded` when that step parked it at a yield.
   */
  stepped(task: number, before: number, after: number, yielded: boolean, node: number): void {
    assertInternal(task >= 0 && task < TASKS_MAX, `fairness: task ${task}`);
    const bit = 1 << task;
    for (let rest = this.#windows; rest !== 0; rest &= rest - 1) {
      const x = 31 - Math.clz32(rest & -rest);
      this.#scheduled[x]! |= bit;
      this.#continuously[x]! &= after;
    }
    if ((this.#windows & bit) !== 0) this.#disabled[task]! |= before & ~after;
    for (let x = 0; x < TASKS_MAX; x++) this.#waitsFor[x]! &= ~bit;
    if (!yielded) return;
    if ((this.#windows & bit) !== 0) {
      const neglected =
        (this.#continuously[task]! | this.#disabled[task]!) & ~this.#scheduled[task]! & ~bit;
      this.#waitsFor[task]! |= neglected;
      if (neglected !== 0) this.#edgeWindow[task] = this.#openedAt[task]!;
    }
    this.#windows |= bit;
    this.#openedAt[task] = node;
    this.#continuously[task] = after & ~bit;
    this.#disabled[task] = 0;
    this.#scheduled[task] = 0;
  }

  /** The tasks of `enabled` that fairness allows to run now (never 0 when `enabled` is not). */
  allowed(enabled: number): number {
    let allowed = enabled;
    for (let rest = enabled; rest !== 0; rest &= rest - 1) {
      const t = 31 - Math.clz32(rest & -rest);
      if ((this.#waitsFor[t]! & enabled) !== 0) allowed &= ~(1 << t);
    }
    assertInternal(enabled === 0 || allowed !== 0, 'fairness: every enabled task held back');
    return allowed;
  }

  /** The tasks `task` waits for (its priority edges). */
  waitsFor(task: number): number {
    return this.#waitsFor[task]!;
  }

  /**
   * The first node of the window whose neglect made `task`'s latest edges: scheduling one
   * of the tasks it waits for at a node from there on (before its yield) avoids the edge.
   */
  edgeWindow(task: number): number {
    return this.#edgeWindow[task]!;
  }
}
