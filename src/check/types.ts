/**
 * The checker's public data types: what a run produces and what `check()` returns.
 * Shared by the checker (`check/`), the trace exporters (`trace/`) and the CLI (`cli/`), so
 * that each can be built against this contract alone.
 */

import type { LockdepReport } from './lockdep/types.ts';

/** The kinds of finding. */
export type FindingKind =
  | 'invariant'
  | 'exception'
  | 'deadlock'
  | 'livelock'
  | 'contract'
  | 'outside'
  | 'hang'
  | 'lock-order'
  | 'lockdep';

/** One event of a run's trace. Time is the step number, so traces are deterministic. */
export interface TraceEvent {
  /** The step (a scheduling decision) during which the event happened, from 0. */
  readonly step: number;
  /** The task's name (`main` for setup and `finally`). */
  readonly task: string;
  /** The operation: an op kind at a point (`mutex.lock`), an access, or an annotation kind. */
  readonly op: string;
  /** The object's label (`umem_mutex`), or '' when none. */
  readonly obj: string;
  /** Free text: the range, the value stored, the error. */
  readonly detail: string;
  /** `point` when the task parked here; `access` for a synchronous op; `note` for an annotation; `task` for spawn/exit. */
  readonly type: 'point' | 'access' | 'note' | 'task';
}

/** A violation found by the checker, with everything needed to see and replay it. */
export interface Finding {
  /** What was violated. */
  readonly kind: FindingKind;
  /** One line naming the problem (the invariant's name, the error message, who waits on what). */
  readonly message: string;
  /** The schedule string that reproduces it with `strategy: 'replay'`. */
  readonly schedule: string;
  /** The run's event trace, up to and including the violation. */
  readonly trace: readonly TraceEvent[];
  /** The step at which the violation was detected. */
  readonly step: number;
  /** Preemptions in the schedule (a switch away from a task that could have continued). */
  readonly preemptions: number;
  /** The lock validator's report (chains, held locks), for `lock-order` and `lockdep` findings. */
  readonly lockdep?: LockdepReport;
}

/** Statistics of one `check()` call. */
export interface CheckStats {
  /** Schedules (complete runs) executed, including minimization and replay. */
  readonly schedules: number;
  /** Steps executed over all schedules. */
  readonly steps: number;
  /** Wall time of the whole call, in milliseconds (measured outside the runs). */
  readonly elapsedMs: number;
  /** Schedules per second over the whole call. */
  readonly schedulesPerSecond: number;
  /** True when an exhaustive search explored every schedule (within the preemption bound, if any). */
  readonly complete: boolean;
  /** Runs cut short by the strategy (sleep-set blocked, or no choice within the preemption bound). */
  readonly pruned?: number;
  /** The budget that ended the search early, if one did. */
  readonly stoppedBy?: 'maxSchedules' | 'timeLimitMs';
  /**
   * `dfs` only: an order-independent digest (16 hex digits) of the schedules the search ran
   * (minimization and replay excluded). Equal digests: the same set of schedules, so two
   * checks with different `workers` counts can be compared.
   */
  readonly scheduleDigest?: string;
}

/** What `check()` resolves to. */
export interface CheckResult {
  /** True when no finding was made. */
  readonly ok: boolean;
  /** The (minimized) finding, when one was made. */
  readonly finding?: Finding;
  /** Statistics of the search. */
  readonly stats: CheckStats;
  /** The scenario's name. */
  readonly scenario: string;
  /** The effective options, logged first (TigerBeetle style) so a run can be repeated. */
  readonly options: Readonly<Record<string, unknown>>;
  /** The trace of the last run, when no finding (for `replay` of a clean schedule). */
  readonly trace?: readonly TraceEvent[];
}
