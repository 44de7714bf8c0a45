/**
 * Probabilistic concurrency testing (Burckhardt et al., ASPLOS 2010), after shuttle's
 * `pct.rs`: every task has a distinct priority and the highest-priority enabled task runs;
 * at `d - 1` change points (steps sampled from the longest run seen so far) the running
 * task drops to the lowest priority. A bug of depth `d` is found with probability at least
 * 1 / (n * k^(d-1)) per run (n tasks, k steps).
 *
 * The first run uses spawn order as priorities (to measure the run's length); later runs
 * shuffle the priorities. A task first seen in a run takes a random existing priority (the
 * displaced task drops to the lowest), so every priority stays distinct. Steps with a single
 * enabled task are not counted (no choice was made there). A task that yields explicitly
 * for the second time or more in a run (`yieldNow()` in a spin-wait, `cond_resched()` in a
 * retry loop) drops to the lowest priority at each such yield, as shuttle does on every yield, so a spinning high-priority task
 * cannot starve the one it waits for. A single yield does not: a lone `cond_resched()` before
 * taking a lock (the ODP fault of `seed-2019`) would otherwise always hand the CPU away at
 * exactly the point where the bug needs it to go on, and PCT could never find that bug.
 */

/** Explicit yields of one task in a run from which PCT treats it as spinning. */
export const PCT_SPIN_YIELDS = 2;

import { assertInternal } from '../../errors.ts';
import type { ExecutionLogView } from '../execution-log.ts';
import { SeededRandom } from '../prng.ts';
import { bitCount, type Strategy, type StrategyName } from '../strategy.ts';

/** PCT with bug depth `depth` (see the module comment). */
export class PctStrategy implements Strategy {
  readonly name: StrategyName = 'pct';
  readonly #depth: number;
  readonly #random: SeededRandom;
  /** Per task index; lower value = higher priority; all distinct. */
  readonly #priority: number[] = [];
  readonly #changePoints = new Set<number>();
  /** Per task index: explicit yields in this run. */
  readonly #yields: number[] = [];
  #nextPriority = 0;
  #iterations = 0;
  #steps = 0;
  #maxSteps = 0;

  /**
   * @param depth the bug depth `d` (>= 1).
   * @param seed the generator's seed.
   */
  constructor(depth: number, seed: number) {
    assertInternal(Number.isInteger(depth) && depth >= 1, `PCT depth ${depth}`);
    this.#depth = depth;
    this.#random = new SeededRandom(seed);
  }

  get complete(): boolean {
    return false;
  }

  newExecution(): boolean {
    this.#steps = 0;
    this.#yields.length = 0;
    if (this.#iterations > 0) this.#reshuffle();
    this.#iterations++;
    return true;
  }

  nextTask(_step: number, enabled: number, previous: number, log: ExecutionLogView): number {
    const highest = 31 - Math.clz32(enabled);
    while (this.#priority.length <= highest) this.#admit();
    let spinning = false;
    if (previous >= 0 && log.yielded) {
      const yields = (this.#yields[previous] ?? 0) + 1;
      this.#yields[previous] = yields;
      spinning = yields >= PCT_SPIN_YIELDS;
    }
    if (bitCount(enabled) > 1) {
      if (previous >= 0 && (spinning || this.#changePoints.has(this.#steps))) {
        this.#priority[previous] = this.#nextPriority++;
      }
      this.#steps++;
      if (this.#steps > this.#maxSteps) this.#maxSteps = this.#steps;
    }
    let best = -1;
    for (let rest = enabled; rest !== 0; rest &= rest - 1) {
      const task = 31 - Math.clz32(rest & -rest);
      if (best < 0 || this.#priority[task]! < this.#priority[best]!) best = task;
    }
    return best;
  }

  endExecution(_log: ExecutionLogView): void {}

  /** A task seen for the first time gets a priority (see the module comment). */
  #admit(): void {
    const task = this.#priority.length;
    if (this.#iterations <= 1 || task === 0) {
      this.#priority.push(this.#nextPriority++);
      return;
    }
    const target = this.#random.below(task + 1);
    if (target === task) {
      this.#priority.push(this.#nextPriority++);
    } else {
      this.#priority.push(this.#priority[target]!);
      this.#priority[target] = this.#nextPriority++;
    }
  }

  /** New random priorities for the known tasks and new change points. */
  #reshuffle(): void {
    const n = this.#priority.length;
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.#random.below(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (let i = 0; i < n; i++) this.#priority[i] = order[i]!;
    this.#nextPriority = n;
    this.#changePoints.clear();
    const span = this.#maxSteps - 1;
    const points = Math.min(this.#depth - 1, Math.max(span, 0));
    while (this.#changePoints.size < points) this.#changePoints.add(1 + this.#random.below(span));
  }
}
