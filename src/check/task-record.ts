/**
 * A task of a run as the controlled scheduler records it, and the interface of the run that
 * hosts the scheduler (`execution.ts`). See the protocol in `controlled-scheduler.ts`: a task
 * is `parked`, `running` or `done`; it belongs to exactly one run, named by its `run` id.
 */

import type { Op } from '../sched/scheduler.ts';

/** The op every task is parked at before its first step. */
export const SPAWN_OP: Op = { kind: 'spawn', obj: 0, write: false };

/** The state of a task. */
export type TaskStatus = 'parked' | 'running' | 'done';

/** One task of a run (the scheduler's record; the host reads it). */
export class TaskRecord {
  /** The index in spawn order (the number in a schedule string). */
  readonly index: number;
  /** The id of the run (the scheduler instance) it belongs to. */
  readonly run: number;
  /** The name given to `spawn`. */
  readonly name: string;
  /** See {@link TaskStatus}. */
  status: TaskStatus = 'parked';
  /** The op it is parked at, or the last one it passed. */
  op: Op = SPAWN_OP;
  /** The predicate it waits on, or null when it may always continue. */
  ready: (() => boolean) | null = null;
  /** Resolves its pending `point()`; set while parked. */
  resume: (() => void) | null = null;
  /** Runs first in its continuation: makes it the running task. */
  readonly enter: () => void;

  constructor(run: number, index: number, name: string, enter: (task: TaskRecord) => void) {
    this.run = run;
    this.index = index;
    this.name = name;
    this.enter = () => enter(this);
  }
}

/**
 * Watches the points a run passes (for the CLI's worker: where a task that never comes back
 * started its last step). Called at every resume, so it must be cheap and must not throw.
 */
export interface PointProbe {
  /**
   * `task` is resumed at `op` for step `step` (from 0) of the current run, whose schedule has
   * `preemptions` preemptions so far (this step included).
   */
  resumed(task: TaskRecord, op: Op, step: number, preemptions: number): void;
  /**
   * The watched thread runs no task until the next `resumed` (a job ended: the search may go
   * on in other threads, which no probe sees). Optional.
   */
  idle?(): void;
  /**
   * A job ended, on any thread (a pool's threads run no probe): the search moves although no
   * step ran here, so a watchdog that sees no step is not looking at a hang. Optional.
   */
  jobEnded?(): void;
}

/** What the run (the host) does when the scheduler signals. */
export interface SchedulerHost {
  /** The running task parked or ended: close the step and resume the next task, or end. */
  stepEnded(): void;
  /** A task's function threw or rejected (called before `stepEnded`). */
  taskFailed(task: TaskRecord, error: unknown): void;
  /** The run is still live although the microtask queue drained. */
  stuck(task: TaskRecord | null): void;
  /** A defect of the checker: end the run and reject `check()` with `error`. */
  fatal(error: unknown): void;
  /**
   * `task`'s function ended (`how`: `returned`, `threw ...`) while the task was not running:
   * it went on past a point it left pending. A defect of the scenario: end the run.
   */
  strayed(task: TaskRecord, how: string): void;
}
