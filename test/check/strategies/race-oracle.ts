/**
 * The race detector as it was before it became incremental (main at 311bff6, with the access
 * kinds' codes `obj * 4 + kind` since), kept as the oracle of `incremental.test.ts`: a
 * whole-run analysis, rows 32 wide, every dependent earlier step merged. Its module comment
 * is `src/check/strategies/dpor.ts`'s.
 */

import {
  ACCESS_WRITE,
  type ExecutionLogView,
  kindsConflict,
} from '../../../src/check/execution-log.ts';
import { TASKS_MAX } from '../../../src/check/limits.ts';

const WIDTH = TASKS_MAX + 1;

/**
 * The key under which a visible write (to an object invariant `k` reads) is also recorded,
 * for the lowest bit `k` of a visibility mask: `-k` (`0` for invariant 0: object 0 touches
 * nothing shared, and keys of real objects are positive), so writes visible to one
 * invariant never commute.
 */
function visibleKey(mask: number): number {
  return -(31 - Math.clz32(mask & -mask));
}

/** Receives a race: step `i` and the mask of the initials that reverse it. */
type RaceSink = (i: number, task: number) => void;

/** Finds the races of an execution, the whole run each time. */
export class OracleRaceDetector {
  #clocks = new Int32Array(0);
  readonly #last = new Int32Array(WIDTH);
  readonly #objects = new Map<number, number[]>();
  readonly #candidates: number[] = [];
  readonly #races: number[] = [];

  /** Calls `onRace` for every race of the run recorded in `log`. */
  analyze(log: ExecutionLogView, onRace: RaceSink): void {
    const n = log.steps;
    if (this.#clocks.length < (n + 2) * WIDTH)
      this.#clocks = new Int32Array(Math.max((n + 2) * WIDTH * 2, 1024));
    this.#last.fill(-1);
    this.#objects.clear();
    for (let j = 0; j < n; j++) {
      this.#blocked(log, j, onRace);
      const p = log.taskAt(j);
      this.#collect(log, log.accessStart(j), log.accessEnd(j), -1);
      this.#transition(log, j, j, p, this.#enabler(log, j, p), onRace);
      this.#last[p] = j;
      for (let a = log.accessStart(j); a < log.accessEnd(j); a++)
        this.#record(log, log.access(a), j);
    }
    for (let k = 0; k < log.pendingCount; k++) {
      const p = log.pendingTask(k);
      if (log.cut) this.#everyStep(n);
      else this.#collect(log, 0, 0, log.pendingAccess(k));
      this.#transition(log, n, n, p, this.#enabler(log, n, p), onRace);
    }
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
      this.#collect(log, 0, 0, code);
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
   * `slot`, its races and their initials.
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
    const row = slot * WIDTH;
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
    for (const i of races) onRace(i, p);
  }

  #merge(row: number, step: number): void {
    const clocks = this.#clocks;
    const from = step * WIDTH;
    for (let k = 0; k < WIDTH; k++)
      if (clocks[from + k]! > clocks[row + k]!) clocks[row + k] = clocks[from + k]!;
  }

  /**
   * The steps dependent with a transition's accesses (`from`..`to` of the log, plus `extra`
   * when not negative), latest first, without duplicates.
   */
  #collect(log: ExecutionLogView, from: number, to: number, extra: number): void {
    const candidates = this.#candidates;
    candidates.length = 0;
    for (let a = from; a <= to; a++) {
      const code = a < to ? log.access(a) : extra;
      if (code < 0) continue;
      this.#candidatesOf(code >> 2, code);
      for (let v = log.visibleWrite(code); v !== 0; v &= v - 1)
        this.#candidatesOf(visibleKey(v), ACCESS_WRITE);
    }
    candidates.sort((x, y) => y - x);
    let kept = 0;
    for (let k = 0; k < candidates.length; k++) {
      if (k === 0 || candidates[k] !== candidates[k - 1]) candidates[kept++] = candidates[k]!;
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

  #candidatesOf(key: number, code: number): void {
    const list = this.#objects.get(key);
    if (list === undefined) return;
    for (const entry of list) if (kindsConflict(entry, code)) this.#candidates.push(entry >> 2);
  }

  /** Records an access of step `j` (a visible write also under {@link VISIBLE}). */
  #record(log: ExecutionLogView, code: number, j: number): void {
    this.#recordAt(code >> 2, j * 4 + (code & 3));
    for (let v = log.visibleWrite(code); v !== 0; v &= v - 1)
      this.#recordAt(visibleKey(v), j * 4 + ACCESS_WRITE);
  }

  #recordAt(key: number, entry: number): void {
    let list = this.#objects.get(key);
    if (list === undefined) this.#objects.set(key, (list = []));
    list.push(entry);
  }
}
