/**
 * Race detection for dynamic partial-order reduction, source-set style (Abdulla, Aronis,
 * Jonsson & Sagonas, "Optimal dynamic partial order reduction", POPL 2014, Algorithm 1,
 * which refines Flanagan & Godefroid 2005 so that it stays sound with sleep sets), run on
 * a completed or pruned execution, with vector clocks over the dependence relation of
 * `execution-log.ts`.
 *
 * A *transition* is an executed step, or the op a task is still parked at when the run
 * ended (a deadlock, or a run cut by sleep sets: the races of what it was about to do count).
 * Step `i` *races* with transition `t` of task `p` when they are dependent, `task(i) != p`,
 * and `i` does not happen before `t` through any other step. For each race the caller gets
 * the *initials* of `v = notdep(i).t`: the tasks that can run first in the steps after `i`
 * that do not happen after `i`, followed by `t`. Exploring any one of them at `i` reverses
 * the race (the DFS adds one unless one is already done, chosen or asleep there).
 *
 * A parked transition is not co-enabled with the step that enabled it (FG's "may be
 * co-enabled"): the `unlock` that let a `lock` through, the wake that ended a sleep. That
 * *enabler* is not a race partner, and the search for partners looks through it, so a lock
 * races with the previous holder's lock (which is the order that can be reversed).
 *
 * Happens-before: program order plus every pair of dependent steps in execution order.
 * `clock[j][t]` = 1 + the index of the last step of task `t` that happens before or is
 * step `j` (0 = none); step `i` happens before a transition with clock `c` iff
 * `c[task(i)] > i`.
 */

import type { ExecutionLogView } from '../execution-log.ts';
import { TASKS_MAX } from '../limits.ts';

const WIDTH = TASKS_MAX + 1;

/** Receives a race: step `i` and the mask of the initials that reverse it. */
export type RaceSink = (i: number, initials: number) => void;

/** Finds the races of an execution (see the module comment). Reuses its buffers. */
export class RaceDetector {
  #clocks = new Int32Array(0);
  readonly #last = new Int32Array(WIDTH);
  readonly #first = new Int32Array(WIDTH);
  readonly #objects = new Map<number, number[]>();
  readonly #candidates: number[] = [];
  readonly #races: number[] = [];

  /** Calls `onRace` for every race of the run recorded in `log`. */
  analyze(log: ExecutionLogView, onRace: RaceSink): void {
    const n = log.steps;
    if (this.#clocks.length < (n + 1) * WIDTH)
      this.#clocks = new Int32Array(Math.max((n + 1) * WIDTH * 2, 1024));
    this.#last.fill(-1);
    this.#objects.clear();
    for (let j = 0; j < n; j++) {
      const p = log.taskAt(j);
      this.#collect(log, log.accessStart(j), log.accessEnd(j), -1);
      this.#transition(log, j, p, this.#enabler(log, j, p), onRace);
      this.#last[p] = j;
      for (let a = log.accessStart(j); a < log.accessEnd(j); a++) this.#record(log.access(a), j);
    }
    for (let k = 0; k < log.pendingCount; k++) {
      const p = log.pendingTask(k);
      this.#collect(log, 0, 0, log.pendingAccess(k));
      this.#transition(log, n, p, this.#enabler(log, n, p), onRace);
    }
  }

  /** The last step before `j` (after `p`'s previous step) at which `p` was disabled, or -1. */
  #enabler(log: ExecutionLogView, j: number, p: number): number {
    const bit = 1 << p;
    for (let k = j - 1; k > this.#last[p]!; k--) if ((log.enabledAt(k) & bit) === 0) return k;
    return -1;
  }

  /** Clock of transition `j` of task `p` (row `j`), its races and their initials. */
  #transition(
    log: ExecutionLogView,
    j: number,
    p: number,
    enabler: number,
    onRace: RaceSink,
  ): void {
    const clocks = this.#clocks;
    const row = j * WIDTH;
    const previous = this.#last[p]!;
    if (previous >= 0) clocks.copyWithin(row, previous * WIDTH, previous * WIDTH + WIDTH);
    else clocks.fill(0, row, row + WIDTH);
    const races = this.#races;
    races.length = 0;
    for (const i of this.#candidates) {
      if (i === enabler) continue;
      if (log.taskAt(i) !== p && clocks[row + log.taskAt(i)]! <= i) races.push(i);
      this.#merge(row, i);
    }
    if (enabler >= 0) this.#merge(row, enabler);
    clocks[row + p] = j + 1;
    for (const i of races) onRace(i, this.#initials(log, i, j, p));
  }

  #merge(row: number, step: number): void {
    const clocks = this.#clocks;
    const from = step * WIDTH;
    for (let k = 0; k < WIDTH; k++)
      if (clocks[from + k]! > clocks[row + k]!) clocks[row + k] = clocks[from + k]!;
  }

  /** The initials of `notdep(i).t` for transition `j` of task `p` (clock in row `j`). */
  #initials(log: ExecutionLogView, i: number, j: number, p: number): number {
    const clocks = this.#clocks;
    const ti = log.taskAt(i);
    const first = this.#first;
    first.fill(-1);
    let seen = 0;
    for (let k = i + 1; k < j; k++) {
      const q = log.taskAt(k);
      if ((seen & (1 << q)) !== 0) continue;
      seen |= 1 << q;
      if (clocks[k * WIDTH + ti]! <= i) first[q] = k;
    }
    let initials = 0;
    for (let q = 0; q < TASKS_MAX; q++) {
      const at = first[q]!;
      if (at < 0 && q !== p) continue;
      const row = at < 0 ? j * WIDTH : at * WIDTH;
      let initial = true;
      for (let r = 0; r < TASKS_MAX && initial; r++) {
        if (r !== q && first[r]! >= 0 && clocks[row + r]! > first[r]!) initial = false;
      }
      if (initial) initials |= 1 << q;
    }
    return initials;
  }

  /** The steps dependent with a transition's accesses, latest first, without duplicates. */
  #collect(log: ExecutionLogView, from: number, to: number, extra: number): void {
    const candidates = this.#candidates;
    candidates.length = 0;
    for (let a = from; a <= to; a++) {
      const code = a < to ? log.access(a) : extra;
      if (code < 0) continue;
      const list = this.#objects.get(code >> 1);
      if (list === undefined) continue;
      for (const entry of list) if (((entry | code) & 1) === 1) candidates.push(entry >> 1);
    }
    candidates.sort((x, y) => y - x);
    let kept = 0;
    for (let k = 0; k < candidates.length; k++) {
      if (k === 0 || candidates[k] !== candidates[k - 1]) candidates[kept++] = candidates[k]!;
    }
    candidates.length = kept;
  }

  /** Records an access of step `j`. */
  #record(code: number, j: number): void {
    let list = this.#objects.get(code >> 1);
    if (list === undefined) this.#objects.set(code >> 1, (list = []));
    list.push(j * 2 + (code & 1));
  }
}
