/**
 * Race detection for dynamic partial-order reduction, Flanagan-Godefroid style (Flanagan &
 * Godefroid, "Dynamic partial-order reduction for model checking software", POPL 2005), run
 * on a completed, cut or pruned execution, with vector clocks over the dependence relation
 * of `execution-log.ts`. The soundness argument is in `docs/architecture.md` ("Reduction").
 *
 * A *transition* is an executed step; the op a task is *blocked* at (parked, not enabled)
 * at any state of the run (a blocked op is a failed attempt: it reads its object and changes
 * nothing, so its races count at every state, not only when it finally runs); or the op a
 * task is still parked at when the run ended. In a run cut at a finding (not maximal) the
 * next step of a parked task is unknown beyond its op, so it counts as dependent with every
 * step. Step `i` *races* with transition `t` of task `p` when they are dependent,
 * `task(i) != p`, and `i` does not happen before `t` through any other step. For each race
 * the caller gets `(i, p)`: `p` must be explored at node `i` (`dfs.ts`).
 *
 * A parked transition is not co-enabled with the step that enabled it (FG's "may be
 * co-enabled"): the `unlock` that let a `lock` through, the wake that ended a sleep. That
 * *enabler* is not a race partner, and the search for partners looks through it, so a lock
 * races with the previous holder's lock (which is the order that can be reversed).
 *
 * Happens-before: program order plus every pair of dependent steps in execution order.
 * `clock[j][t]` = 1 + the index of the last step of task `t` that happens before or is
 * step `j` (0 = none); step `i` happens before a transition with clock `c` iff
 * `c[task(i)] > i`. A candidate that already happens before the transition (through a later
 * candidate merged first, or program order) neither races nor changes the clock, so it is
 * skipped; rows are as wide as the run has tasks.
 *
 * Incremental: a run of the search replays the previous run's first `from` steps (the branch
 * point, `dfs.ts`). Everything the analysis computes for step `j` and state `j` depends only
 * on the steps before `j` (and on the states' blocked ops), so for `j < from` it is what the
 * previous call computed: the detector keeps the clock rows, the access index and the races
 * it reported, reports those races again in the same order, and analyses from `from` on.
 * It starts over when it cannot tell that the prefix is the same (another log, other tasks
 * or choices at a step), when the run has more tasks than its rows are wide, or when the
 * invariants observed a new object since (visible writes changed the dependence relation).
 */

import { ACCESS_WRITE, type ExecutionLogView } from '../execution-log.ts';
import { AccessIndex, visibleKey } from './dpor-index.ts';

/** Receives a race: step `i` and the task whose later transition races with it. */
export type RaceSink = (i: number, task: number) => void;

/** Finds the races of an execution (see the module comment). Reuses its buffers. */
export class RaceDetector {
  #width = 0;
  #clocks = new Int32Array(0);
  #last = new Int32Array(0);
  readonly #index = new AccessIndex();
  readonly #candidates: number[] = [];
  readonly #races: number[] = [];
  /** The races reported, `i, task` pairs in report order (kept for the next call). */
  readonly #found: number[] = [];
  /** `#foundAt[j]`: the length of `#found` when the analysis of state/step `j` began. */
  readonly #foundAt: number[] = [];
  /** The previous call: its log, steps, observed version, and each step's task and enabled set. */
  #log: ExecutionLogView | null = null;
  #steps = 0;
  #version = -1;
  readonly #tasks: number[] = [];
  readonly #enabled: number[] = [];

  /**
   * Calls `onRace` for every race of the run recorded in `log`, in step order. `from`: the
   * steps before it replay the run of the previous call on this detector exactly (same
   * choices, hence same steps and states: `dfs.ts`'s branch point), so their analysis is
   * reused; 0 (default) analyses the whole run.
   */
  analyze(log: ExecutionLogView, onRace: RaceSink, from = 0): void {
    const n = log.steps;
    const start = this.#resume(log, Math.min(from, n), this.#widthOf(log));
    this.#prepare(log, start);
    for (let k = 0; k < this.#foundAt[start]!; k += 2) onRace(this.#found[k]!, this.#found[k + 1]!);
    for (let j = start; j < n; j++) {
      this.#foundAt[j] = this.#found.length;
      this.#blocked(log, j, onRace);
      const p = log.taskAt(j);
      const enabler = this.#enabler(log, j, p);
      this.#collect(log, log.accessStart(j), log.accessEnd(j), -1, enabler);
      this.#transition(log, j, j, p, enabler, onRace);
      this.#last[p] = j;
      for (let a = log.accessStart(j); a < log.accessEnd(j); a++)
        this.#record(log, log.access(a), j);
      this.#tasks[j] = p;
      this.#enabled[j] = log.enabledAt(j);
    }
    this.#foundAt[n] = this.#found.length;
    for (let k = 0; k < log.pendingCount; k++) {
      const p = log.pendingTask(k);
      const enabler = this.#enabler(log, n, p);
      if (log.cut) this.#everyStep(n);
      else this.#collect(log, 0, 0, log.pendingAccess(k), enabler);
      this.#transition(log, n, n, p, enabler, onRace);
    }
    this.#steps = n;
  }

  /** The rows' width: one past the highest task of the run. */
  #widthOf(log: ExecutionLogView): number {
    let tasks = 0;
    for (let j = 0; j < log.steps; j++) tasks |= 1 << log.taskAt(j);
    for (let b = log.blockedStart(0); b < log.blockedEnd(log.steps); b++)
      tasks |= 1 << log.blockedTask(b);
    for (let k = 0; k < log.pendingCount; k++) tasks |= 1 << log.pendingTask(k);
    return 32 - Math.clz32(tasks);
  }

  /**
   * Where the analysis starts: `from` when the previous call's analysis of the steps before
   * it still holds (see the module comment), else 0 (starting over, `width` wide).
   */
  #resume(log: ExecutionLogView, from: number, width: number): number {
    const version = log.observedVersion;
    let same = from > 0 && log === this.#log && from <= this.#steps && width <= this.#width;
    same &&= version === this.#version;
    for (let j = 0; same && j < from; j++)
      same = log.taskAt(j) === this.#tasks[j] && log.enabledAt(j) === this.#enabled[j];
    this.#log = log;
    this.#version = version;
    if (same) return from;
    this.#width = width;
    this.#steps = 0;
    return 0;
  }

  /** Sizes the buffers for `log` and drops what the analysis from `start` recomputes. */
  #prepare(log: ExecutionLogView, start: number): void {
    const need = (log.steps + 2) * this.#width;
    if (this.#clocks.length < need) {
      const grown = new Int32Array(Math.max(need * 2, 1024));
      grown.set(this.#clocks.subarray(0, start * this.#width));
      this.#clocks = grown;
    }
    if (this.#last.length < this.#width) this.#last = new Int32Array(32);
    this.#last.fill(-1);
    for (let j = 0; j < start; j++) this.#last[this.#tasks[j]!] = j;
    if (start === 0) {
      this.#index.clear();
      this.#foundAt[0] = 0;
    } else this.#index.truncate(start);
    this.#found.length = this.#foundAt[start]!;
  }

  /**
   * The races of the ops the tasks blocked at state `j` wait at, against steps before `j`
   * (Flanagan & Godefroid: a blocked task's next transition is checked at every state). A
   * blocked op is a failed attempt that changes nothing; its races are those of an attempt
   * made at this state. Computed where they can change: at the first state of a blocked
   * stretch, and after a step that touched the op's object.
   */
  #blocked(log: ExecutionLogView, j: number, onRace: RaceSink): void {
    for (let b = log.blockedStart(j); b < log.blockedEnd(j); b++) {
      const p = log.blockedTask(b);
      const code = log.blockedAccess(b);
      if (j > 0 && !this.#fresh(log, j, p, code)) continue;
      this.#collect(log, 0, 0, code, -1);
      this.#transition(log, j, log.steps + 1, p, -1, onRace);
    }
  }

  /** True when state `j`'s blocked op `code` of `p` may race differently than at `j - 1`. */
  #fresh(log: ExecutionLogView, j: number, p: number, code: number): boolean {
    let before = false;
    for (let b = log.blockedStart(j - 1); b < log.blockedEnd(j - 1); b++)
      if (log.blockedTask(b) === p && log.blockedAccess(b) === code) before = true;
    if (!before) return true;
    for (let a = log.accessStart(j - 1); a < log.accessEnd(j - 1); a++) {
      const x = log.access(a);
      if (x >> 2 === code >> 2 || (log.visibleWrite(x) & log.visibleWrite(code)) !== 0) return true;
    }
    return false;
  }

  /** The last step before `j` (after `p`'s previous step) at which `p` was disabled, or -1. */
  #enabler(log: ExecutionLogView, j: number, p: number): number {
    const bit = 1 << p;
    for (let k = j - 1; k > this.#last[p]!; k--) if ((log.enabledAt(k) & bit) === 0) return k;
    return -1;
  }

  /**
   * Clock of transition `j` (position: after the steps before `j`) of task `p`, in clock row
   * `slot`, and its races (also kept in `#found`).
   */
  #transition(
    log: ExecutionLogView,
    j: number,
    slot: number,
    p: number,
    enabler: number,
    onRace: RaceSink,
  ): void {
    const clocks = this.#clocks;
    const width = this.#width;
    const row = slot * width;
    const previous = this.#last[p]!;
    if (previous >= 0) clocks.copyWithin(row, previous * width, previous * width + width);
    else clocks.fill(0, row, row + width);
    const races = this.#races;
    races.length = 0;
    for (const i of this.#candidates) {
      if (i === enabler) continue;
      const q = log.taskAt(i);
      if (clocks[row + q]! > i) continue; // happens before already: no race, nothing to merge
      if (q !== p) races.push(i);
      this.#merge(row, i);
    }
    if (enabler >= 0) this.#merge(row, enabler);
    clocks[row + p] = j + 1;
    for (const i of races) {
      this.#found.push(i, p);
      onRace(i, p);
    }
  }

  #merge(row: number, step: number): void {
    const clocks = this.#clocks;
    const width = this.#width;
    const from = step * width;
    for (let k = 0; k < width; k++)
      if (clocks[from + k]! > clocks[row + k]!) clocks[row + k] = clocks[from + k]!;
  }

  /**
   * The steps dependent with a transition's accesses (`from`..`to` of the log, plus `extra`
   * when not negative), latest first, without duplicates; those covered by a later one left
   * out (`dpor-index.ts`).
   */
  #collect(log: ExecutionLogView, from: number, to: number, extra: number, enabler: number): void {
    const candidates = this.#candidates;
    candidates.length = 0;
    for (let a = from; a <= to; a++) {
      const code = a < to ? log.access(a) : extra;
      if (code < 0) continue;
      this.#index.collect(code >> 2, code & 3, enabler, candidates);
      for (let v = log.visibleWrite(code); v !== 0; v &= v - 1)
        this.#index.collect(visibleKey(v), ACCESS_WRITE, enabler, candidates);
    }
    // Insertion sort, latest first, dropping duplicates: the lists are short (`dpor-index.ts`),
    // and Array.prototype.sort allocates per call.
    let kept = 0;
    for (let k = 0; k < candidates.length; k++) {
      const step = candidates[k]!;
      let at = kept;
      while (at > 0 && candidates[at - 1]! < step) at--;
      if (at > 0 && candidates[at - 1] === step) continue;
      for (let m = kept; m > at; m--) candidates[m] = candidates[m - 1]!;
      candidates[at] = step;
      kept++;
    }
    candidates.length = kept;
  }

  /**
   * Every step before `n`, latest first: the candidates of a transition whose footprint is
   * unknown (the next step of a task in a run cut at a finding), dependent with all.
   */
  #everyStep(n: number): void {
    const candidates = this.#candidates;
    candidates.length = 0;
    for (let i = n - 1; i >= 0; i--) candidates.push(i);
  }

  /** Records an access of step `j` (a visible write also under its invariants' keys). */
  #record(log: ExecutionLogView, code: number, j: number): void {
    this.#index.record(code >> 2, j, code & 3);
    for (let v = log.visibleWrite(code); v !== 0; v &= v - 1)
      this.#index.record(visibleKey(v), j, ACCESS_WRITE);
  }
}
