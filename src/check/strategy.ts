/**
 * The strategy contract (shuttle's `Scheduler` trait): one small interface, one file per
 * strategy under `strategies/`. The search loop in `check.ts` calls, per schedule:
 *
 * ```
 * while (strategy.newExecution()) {      // false: nothing left (or the strategy's own end)
 *   run: strategy.nextTask(...) per step // -1 prunes the run
 *   strategy.endExecution(log)           // the run's record: DPOR reads its races here
 * }
 * ```
 *
 * A strategy never runs code and never reads the clock; budgets (schedules, time) belong to
 * the loop, so a decorator can wrap a strategy without editing it.
 */

import type { Chooser } from './execution.ts';
import type { ExecutionLogView } from './execution-log.ts';

/** The strategy names accepted by `check()`. */
export type StrategyName = 'dfs' | 'random' | 'pct' | 'replay';

/** Decides the schedule of each run. */
export interface Strategy extends Chooser {
  /** The strategy's name, for reports. */
  readonly name: StrategyName;
  /** True once an exhaustive strategy has explored every schedule (within its bounds). */
  readonly complete: boolean;
  /** Prepares the next run; false when there is none. */
  newExecution(): boolean;
  /** The run ended; `log` holds its steps (read it now, it is reused). */
  endExecution(log: ExecutionLogView): void;
}

/** The lowest set bit's index of a non-zero mask. */
export function lowestBit(mask: number): number {
  return 31 - Math.clz32(mask & -mask);
}

/** The number of set bits of a mask. */
export function bitCount(mask: number): number {
  let n = mask - ((mask >>> 1) & 0x55555555);
  n = (n & 0x33333333) + ((n >>> 2) & 0x33333333);
  return Math.imul((n + (n >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/** The index of the `k`-th set bit (from 0) of `mask`. */
export function nthBit(mask: number, k: number): number {
  let rest = mask;
  for (let i = 0; i < k; i++) rest &= rest - 1;
  return lowestBit(rest);
}

/** The default continuation: keep the previous task if it can run, else the lowest enabled. */
export function continueOrLowest(enabled: number, previous: number): number {
  return previous >= 0 && (enabled & (1 << previous)) !== 0 ? previous : lowestBit(enabled);
}
