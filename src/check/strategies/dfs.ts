/**
 * Exhaustive, stateless depth-first search over scheduling choices, with optional dynamic
 * partial-order reduction (DPOR, `dpor.ts`) plus sleep sets, and an optional CHESS-style
 * preemption bound.
 *
 * The schedule tree is plain data (loom's `Path`): one node per step of the current run,
 * each with the tasks enabled there, the one chosen, the *backtrack* set (to explore), the
 * *done* set (explored) and the *sleep* set (provably redundant here). A run replays the
 * prefix of nodes below the branch point, then extends the stack with new nodes; after the
 * run, DPOR adds backtrack points at the races it saw, and the deepest node with an
 * unexplored backtrack choice becomes the next branch point. No node left: complete.
 *
 * | node field  | plain DFS            | with reduction                                   |
 * |-------------|----------------------|--------------------------------------------------|
 * | backtrack   | every allowed task   | the first choice, then what races add            |
 * | sleep       | empty                | tasks explored at the parent, independent of the parent's step |
 *
 * Sleep sets carry each sleeping task's accesses (recorded when it ran from that node: a
 * step's footprint is a function of the values it reads, so it is the same at the child when
 * the parent's step wrote none of them); a run whose every enabled task sleeps is pruned
 * (`-1`). A race whose task is asleep at the race's node adds the tasks of the later steps
 * that conflict with the sleeping footprint, and of those that do not happen after the
 * race's step ({@link DfsStrategy} `#addAt`). With a
 * preemption bound (plain DFS only: see {@link REDUCTION_WITH_BOUND}), a choice that would
 * exceed it is not allowed.
 *
 * Fairness (`fairness.ts`, on by default): each node also keeps the enabled tasks fairness
 * allows there (`#fair`); every choice, backtrack and race reversal is taken among those
 * only. A race whose reversing tasks are all held back at its node schedules the task they
 * wait for inside their window (`#unblock`), else adds every allowed task there (the
 * fallback of Flanagan & Godefroid for a task that is not enabled). With the reduction, the
 * run also records fairness as an access (`FAIRNESS_OBJECT`: a yield is dependent with every
 * other task's step). Why that keeps the reduction sound is argued in `docs/architecture.md`
 * ("Fairness and the reduction").
 */

import { assertInternal, InvalidArgumentError, StateError } from '../../errors.ts';
import { dependent, type ExecutionLogView, stepAccesses } from '../execution-log.ts';
import { FairnessTracker } from '../fairness.ts';
import { continueOrLowest, type Strategy, type StrategyName } from '../strategy.ts';
import { type DfsNode, exportNode, type ScheduleDigest, scheduleHash } from './dfs-node.ts';
import { RaceDetector } from './dpor.ts';

/** Why reduction and a preemption bound are not combined. */
export const REDUCTION_WITH_BOUND =
  'reduction (DPOR) and a preemption bound cannot be combined: their naive combination ' +
  'misses schedules within the bound (Coons, Musuvathi & McKinley, OOPSLA 2013); ' +
  'use reduction: false with preemptionBound';

/** Options of the exhaustive search. */
export interface DfsOptions {
  /** DPOR with sleep sets. */
  readonly reduction: boolean;
  /** At most this many preemptions per schedule; undefined = unbounded. */
  readonly preemptionBound: number | undefined;
  /** Fair schedules only (`fairness.ts`); default true. */
  readonly fairness?: boolean;
  /**
   * Explore only the subtree below this path (`parallel/job.ts`): the nodes from the root,
   * the last one's `chosen` being the subtree's first choice. The search never branches at
   * these nodes; what a race asks there is collected ({@link DfsStrategy.above}).
   */
  readonly prefix?: readonly DfsNode[];
}

/** Exhaustive search (see the module comment). */
export class DfsStrategy implements Strategy {
  readonly name: StrategyName = 'dfs';
  readonly #reduction: boolean;
  readonly #bound: number;
  readonly #enabled: number[] = [];
  readonly #chosen: number[] = [];
  readonly #backtrack: number[] = [];
  readonly #done: number[] = [];
  readonly #sleep: number[] = [];
  readonly #preempt: number[] = [];
  /** `#fair[d]`: the enabled tasks that fairness allows at node d (all of them when off). */
  readonly #fair: number[] = [];
  /** `#held[d][2t]`, `[2t + 1]`: what held-back task t waits for at node d, since which node. */
  readonly #held: (number[] | undefined)[] = [];
  readonly #fairness: FairnessTracker | null;
  /** `#access[d][t]`: the accesses of task t's step from node d (t done or asleep there). */
  readonly #access: (number[] | undefined)[][] = [];
  /** `#order[d]`: the choices taken at node d, in the order they were taken. */
  readonly #order: number[][] = [];
  readonly #races = new RaceDetector();
  /** Nodes below this depth are the given prefix: never branched, their races collected. */
  readonly #root: number;
  /** Backtrack requests `(node << 5) | task` at prefix nodes, in the order first made. */
  readonly #above = new Set<number>();
  readonly #digest: ScheduleDigest = { a: 0, b: 0 };
  #depth = 0;
  #branch = 0;
  /** The next run's branch point once a run reached it (its states passed the invariants). */
  #checked = -1;
  #started = false;
  #complete = false;

  /** @throws InvalidArgumentError for reduction together with a preemption bound. */
  constructor(options: DfsOptions) {
    if (options.reduction && options.preemptionBound !== undefined) {
      throw new InvalidArgumentError(REDUCTION_WITH_BOUND);
    }
    this.#reduction = options.reduction;
    this.#bound = options.preemptionBound ?? Number.POSITIVE_INFINITY;
    this.#fairness = options.fairness === false ? null : new FairnessTracker();
    const prefix = options.prefix ?? [];
    for (let d = 0; d < prefix.length; d++) this.#importNode(d, prefix[d]!);
    this.#root = prefix.length;
    this.#depth = prefix.length;
    this.#branch = Math.max(0, prefix.length - 1);
  }

  get complete(): boolean {
    return this.#complete;
  }

  /** Order-independent digest of every schedule run so far (`dfs-node.ts`). */
  get digest(): ScheduleDigest {
    return { ...this.#digest };
  }

  /** The backtrack requests at prefix nodes: `[node, task]` pairs, first made first. */
  get above(): [number, number][] {
    return [...this.#above].map((code) => [code >> 5, code & 31]);
  }

  /** The footprint of task `t`'s step from node `d`, when known (reduction only). */
  accessAt(d: number, t: number): number[] | null {
    const access = this.#access[d]?.[t];
    return access === undefined ? null : [...access];
  }

  /**
   * The unexplored part of the search as plain nodes, from the first node below the prefix
   * to the next branch point (whose `chosen` is the choice not yet run); empty when complete.
   * Call it between runs only (after `endExecution`).
   */
  frontier(): DfsNode[] {
    if (this.#complete) return [];
    const nodes: DfsNode[] = [];
    for (let d = this.#root; d < this.#depth; d++) nodes.push(this.#exportAt(d));
    return nodes;
  }

  /** The run replays nodes `0..branch` of an earlier run: those states passed the invariants. */
  get checkedStates(): number {
    return this.#checked;
  }

  newExecution(): boolean {
    if (!this.#started) return (this.#started = true);
    return !this.#complete;
  }

  nextTask(step: number, enabled: number, previous: number, log: ExecutionLogView): number {
    const fair = this.#advanceFairness(step, enabled, previous, log);
    if (step < this.#depth) {
      if (this.#enabled[step] !== enabled) {
        throw new StateError(
          `scenario is not deterministic: at step ${step} the runnable set differs from an earlier ` +
            'run of the same schedule (state shared between runs? Math.random? the clock?)',
        );
      }
      return this.#chosen[step]!;
    }
    assertInternal(step === this.#depth, `dfs node ${step} skipped (depth ${this.#depth})`);
    const preempt = step === 0 ? 0 : this.#preempt[step - 1]! + (this.#preempted(step - 1) ? 1 : 0);
    this.#enabled[step] = enabled;
    this.#fair[step] = fair;
    this.#preempt[step] = preempt;
    if (this.#reduction) this.#access[step] = [];
    this.#sleep[step] = this.#reduction && step > 0 ? this.#childSleep(step - 1, log) : 0;
    this.#depth = step + 1;
    const allowed = this.#allowed(step) & ~this.#sleep[step]!;
    if (allowed === 0) {
      this.#chosen[step] = -1;
      this.#backtrack[step] = 0;
      this.#done[step] = 0;
      this.#order[step] = [];
      return -1;
    }
    const choice = continueOrLowest(allowed, previous);
    this.#chosen[step] = choice;
    this.#order[step] = [choice];
    this.#done[step] = 1 << choice;
    this.#backtrack[step] = this.#reduction ? 1 << choice : allowed;
    return choice;
  }

  endExecution(log: ExecutionLogView): void {
    scheduleHash(log, this.#digest);
    if (this.#reduction) {
      for (let d = this.#branch; d < log.steps; d++)
        this.#access[d]![this.#chosen[d]!] = stepAccesses(log, d);
      // Steps before the branch point replay the previous run: their analysis is kept.
      this.#races.analyze(log, (i, task) => this.#addAt(i, task, log), this.#branch);
    }
    for (let d = this.#depth - 1; d >= this.#root; d--) {
      const rest = this.#backtrack[d]! & ~this.#done[d]! & ~this.#sleep[d]! & this.#allowed(d);
      if (rest === 0) continue;
      const choice = continueOrLowest(rest, d === 0 ? -1 : this.#chosen[d - 1]!);
      this.#chosen[d] = choice;
      this.#done[d]! |= 1 << choice;
      this.#order[d]!.push(choice);
      this.#depth = d + 1;
      this.#branch = d;
      this.#checked = d;
      return;
    }
    this.#depth = 0;
    this.#complete = true;
  }

  /** Advances the fairness state to step `step`; the tasks it allows there. */
  #advanceFairness(step: number, enabled: number, previous: number, log: ExecutionLogView): number {
    const fairness = this.#fairness;
    if (fairness === null) return enabled;
    if (step === 0) fairness.reset();
    else fairness.stepped(previous, log.enabledAt(step - 1), enabled, log.yielded, step);
    const allowed = fairness.allowed(enabled);
    if (step >= this.#depth) this.#recordHeld(step, enabled & ~allowed, fairness);
    return allowed;
  }

  /** At a new node: for each task held back, what it waits for and since which node. */
  #recordHeld(step: number, held: number, fairness: FairnessTracker): void {
    if (held === 0) {
      this.#held[step] = undefined;
      return;
    }
    const record: number[] = [];
    for (let rest = held; rest !== 0; rest &= rest - 1) {
      const t = 31 - Math.clz32(rest & -rest);
      record[t * 2] = fairness.waitsFor(t);
      record[t * 2 + 1] = fairness.edgeWindow(t);
    }
    this.#held[step] = record;
  }

  /**
   * True when the step at node `d` switched away from a task that could continue (a switch
   * away from a task that fairness holds back is not a preemption: CHESS counts it so too).
   */
  #preempted(d: number): boolean {
    if (d === 0) return false;
    const previous = this.#chosen[d - 1]!;
    return previous !== this.#chosen[d] && (this.#fair[d]! & (1 << previous)) !== 0;
  }

  /** The choices at node `d` within the preemption bound and allowed by fairness. */
  #allowed(d: number): number {
    const enabled = this.#fair[d]!;
    if (d === 0 || this.#preempt[d]! < this.#bound) return enabled;
    const previous = this.#chosen[d - 1]!;
    return (enabled & (1 << previous)) !== 0 ? 1 << previous : enabled;
  }

  /** The sleep set of the child of node `d` (its step is complete in `log`). */
  #childSleep(d: number, log: ExecutionLogView): number {
    const chosen = this.#chosen[d]!;
    const stepAccess = stepAccesses(log, d);
    this.#access[d]![chosen] = stepAccess;
    let sleep = 0;
    for (
      let rest = (this.#sleep[d]! | this.#done[d]!) & ~(1 << chosen);
      rest !== 0;
      rest &= rest - 1
    ) {
      const task = 31 - Math.clz32(rest & -rest);
      const access = this.#access[d]![task];
      if (access === undefined || dependent(access, stepAccess, log)) continue;
      sleep |= 1 << task;
      this.#access[d + 1]![task] = access;
    }
    return sleep;
  }

  /**
   * A race of step `i` with a later transition of `task`: `task` must be explored at node `i`
   * (Flanagan-Godefroid: `task` if enabled there, else every enabled task). When `task` is
   * asleep at `i`, its step from `i` is covered by an earlier branch, but the races that step
   * would show are not: its footprint there (kept by the sleep set) may differ from the one
   * this run saw after `i`, because a step's footprint depends on what it reads. So every
   * later step of this run dependent with that footprint gets its task explored at `i`. And
   * the reversal need not start with `task`: when `task`'s step needs other steps first (a
   * lock another task releases, a value it writes), the sleep set covers none of it. So the
   * task of every later step that does not happen after step `i` is explored at `i` too: the
   * reversal starts with one of them (source sets; found by the differential, seed 1511).
   */
  #addAt(i: number, task: number, log: ExecutionLogView): void {
    if ((this.#sleep[i]! & (1 << task)) === 0) {
      this.#addTask(i, task);
      return;
    }
    const footprint = this.#access[i]![task]!;
    for (let j = i; j < log.steps; j++) {
      const q = log.taskAt(j);
      if (q !== task && dependent(footprint, this.#stepAccess(j), log)) this.#addTask(i, q);
    }
    for (const q of this.#notAfter(i, log)) if (q !== task) this.#addTask(i, q);
  }

  /** The accesses of the step at node `d` of this run (kept by `endExecution`: no copy). */
  #stepAccess(d: number): number[] {
    return this.#access[d]![this.#chosen[d]!]!;
  }

  /**
   * The tasks of the steps after `i` that do not happen after step `i` (program order plus
   * dependence): a superset of the initials of the sequence a race reversal at `i` runs first.
   */
  #notAfter(i: number, log: ExecutionLogView): number[] {
    const after: number[][] = [this.#stepAccess(i)];
    let afterTasks = 1 << log.taskAt(i);
    let tasks = 0;
    for (let j = i + 1; j < log.steps; j++) {
      const q = log.taskAt(j);
      const access = this.#stepAccess(j);
      if ((afterTasks & (1 << q)) !== 0 || after.some((a) => dependent(a, access, log))) {
        after.push(access);
        afterTasks |= 1 << q;
      } else tasks |= 1 << q;
    }
    const out: number[] = [];
    for (let rest = tasks; rest !== 0; rest &= rest - 1) out.push(31 - Math.clz32(rest & -rest));
    return out;
  }

  /**
   * Adds `task` to node `i`'s backtrack set when fairness allows it there; when fairness holds
   * it back (enabled, not allowed), schedules the tasks it waits for inside its window
   * ({@link DfsStrategy.#unblock}) and at `i` where they are allowed; otherwise (not enabled,
   * or nothing to unblock) every task fairness allows at `i`.
   */
  #addTask(i: number, task: number): void {
    if (i < this.#root) {
      this.#above.add((i << 5) | task);
      return;
    }
    const bit = 1 << task;
    if ((bit & (this.#backtrack[i]! | this.#done[i]! | this.#sleep[i]!)) !== 0) return;
    const allowed = this.#fair[i]!;
    if ((allowed & bit) !== 0) {
      this.#backtrack[i]! |= bit;
      return;
    }
    if ((this.#enabled[i]! & bit) !== 0) {
      // Either the waited-for task runs inside the window (no edge: #unblock), or after it
      // closed and before `task` (explored here: the reversal of seed 18733 needs that one).
      const unblocked = this.#unblock(i, bit);
      const waits = this.#held[i]![task * 2]! & allowed;
      if (waits !== 0) {
        this.#backtrack[i]! |= waits;
        return;
      }
      if (unblocked) return;
    }
    this.#backtrack[i]! |= allowed;
  }

  /**
   * A race reversal wants a task of `held` at node `i`, where fairness holds it back: it
   * neglected a task `u` over its last window. Schedules in which `u` ran inside that window
   * do not hold it back, so `u` is explored at the first node of the window where it is
   * allowed (unless it is already chosen, done or asleep there). False when there is none.
   */
  #unblock(i: number, held: number): boolean {
    const record = this.#held[i];
    assertInternal(record !== undefined, `dfs: no fairness record at node ${i}`);
    const q = 31 - Math.clz32(held & -held);
    const waits = record[q * 2]! & this.#enabled[i]!;
    if (waits === 0) return false;
    const u = 1 << (31 - Math.clz32(waits & -waits));
    for (let j = record[q * 2 + 1]!; j < i; j++) {
      if ((this.#fair[j]! & u) === 0) continue;
      if (j < this.#root) this.#above.add((j << 5) | (31 - Math.clz32(u)));
      else if (((this.#backtrack[j]! | this.#done[j]! | this.#sleep[j]!) & u) === 0)
        this.#backtrack[j]! |= u;
      return true;
    }
    return false;
  }

  /** Loads node `d` of a prefix (see {@link DfsOptions.prefix}). */
  #importNode(d: number, node: DfsNode): void {
    this.#enabled[d] = node.enabled;
    this.#fair[d] = node.fair;
    this.#preempt[d] = node.preempt;
    this.#chosen[d] = node.chosen;
    this.#backtrack[d] = node.backtrack;
    this.#done[d] = node.done;
    this.#sleep[d] = node.sleep;
    this.#order[d] = [...node.order];
    let held: number[] | undefined;
    for (const [t, waits, since] of node.held) {
      held ??= [];
      held[t * 2] = waits;
      held[t * 2 + 1] = since;
    }
    this.#held[d] = held;
    this.#access[d] = Array.from(node.access, (a) => (a == null ? undefined : [...a]));
  }

  /** Node `d` as plain data. */
  #exportAt(d: number): DfsNode {
    return exportNode({
      enabled: this.#enabled[d]!,
      fair: this.#fair[d]!,
      preempt: this.#preempt[d]!,
      chosen: this.#chosen[d]!,
      backtrack: this.#backtrack[d]!,
      done: this.#done[d]!,
      sleep: this.#sleep[d]!,
      order: this.#order[d]!,
      held: this.#held[d],
      access: this.#access[d] ?? [],
    });
  }
}
