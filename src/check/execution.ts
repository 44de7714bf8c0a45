/**
 * One run of a scenario under one schedule (loom's `rt/execution`): builds a fresh world,
 * calls `setup`, then drives the controlled scheduler step by step, asking a {@link Chooser}
 * which enabled task runs next, and checks the oracles after every step.
 *
 * Phases: `setup` → `tasks` (one step per choice) → `finally` (end-of-run invariants, then
 * the `finally` callbacks) → ended. The run ends at the first finding, when the chooser
 * prunes it (`-1`: sleep-set blocked, nothing new below), or when every task has ended.
 * After setup, the invariants. After each step, in order: a finding raised during the step
 * (task threw, contract diagnostic), the invariants, the step bound, then deadlock (no
 * enabled task, some parked).
 * The promise settles once, from `#end`: with the outcome, or rejected with the checker's
 * own first error (`fatal`, wherever raised), never as an uncaught error. A `setup` that
 * throws (or blocks) is the scenario's own mistake, not a finding: the run rejects with a
 * `ScenarioSetupError` naming the user's file and line.
 *
 * Invariants in replayed states: when the chooser says the run repeats the first `k` choices
 * of an earlier run that reached step `k` ({@link Chooser.checkedStates}: DFS's branch point),
 * the invariants are not evaluated in states `0..k`. A run is deterministic by construction
 * (the same setup and the same choices give the same steps: nothing but `world.random()`'s
 * seeded sequence varies, which DFS checks at every replayed step through the runnable set),
 * so those states are the earlier run's, where every invariant held (the run went on to
 * step `k`), and an invariant is a function of the state: it holds again, and reads the same
 * objects (the observed set it would add to the log is there already). Everything else in
 * those steps runs as before: the model, lockdep, contract diagnostics, the step bound.
 */

import type { Semantics } from '../core/range.ts';
import { ControlledScheduler } from './controlled-scheduler.ts';
import {
  ACCESS_READ,
  ACCESS_WRITE,
  accessKind,
  type ExecutionLog,
  type ExecutionLogView,
} from './execution-log.ts';
import { FAIRNESS_OBJECT } from './fairness.ts';
import {
  contractFinding,
  deadlockFinding,
  exceptionFinding,
  invariantFinding,
  livelockFinding,
  outsideFinding,
  type RawFinding,
  setupError,
  strayFinding,
} from './findings.ts';
import { livelockAdvice } from './livelock.ts';
import type { LockGraph } from './lockdep/graph.ts';
import { LockValidator } from './lockdep/validator.ts';
import type { CoreEngine } from './notifier-core.ts';
import type { PointProbe, SchedulerHost, TaskRecord } from './task-record.ts';
import type { TraceEvent } from './types.ts';
import { RunWorld, type Scenario } from './world.ts';

/** The part of a strategy a run needs: the choice at each step. */
export interface Chooser {
  /**
   * The task (index) for step `step`, one of the bits of `enabled`; `previous` ran the last
   * step (-1 before the first). Returns -1 to prune the run (nothing new can follow).
   */
  nextTask(step: number, enabled: number, previous: number, log: ExecutionLogView): number;
  /**
   * Optional, read once when a run starts: `k` when the run repeats the first `k` choices of
   * an earlier run of this chooser that reached step `k` (so states `0..k`, state `s` being
   * the one after `s` steps, passed every invariant there); -1 or absent: none. The run does
   * not evaluate the invariants again in those states (see {@link Run}).
   */
  readonly checkedStates?: number;
}

/** The per-run settings derived from the check options. */
export interface RunSettings {
  /** The liveness bound: steps after which the run is a `livelock` finding. */
  readonly maxSteps: number;
  /** The seed of `world.random()`. */
  readonly seed: number;
  /** `world.semantics`. */
  readonly semantics: Semantics;
  /** The engine of `world.notifierCore()` (default `typescript`). */
  readonly core?: CoreEngine;
  /** Record the event trace (off while searching, on for the reported run). */
  readonly trace: boolean;
  /** Record the fairness accesses (`FAIRNESS_OBJECT`) for a fair, reduced search. */
  readonly fairness?: boolean;
  /** Told of every resume (the CLI's worker: the last point of a task that hangs). */
  readonly probe?: PointProbe | null;
  /** The lock dependency graph shared by the runs of a check; absent or null: lockdep off. */
  readonly lockdep?: LockGraph | null;
  /** Capture the call site of each acquisition for lockdep reports (default: `trace`). */
  readonly lockdepSites?: boolean;
}

/** How a run ended. */
export interface RunOutcome {
  /** `ok`: every task ended, no finding; `pruned`: cut by the chooser; `finding`: see `finding`. */
  readonly status: 'ok' | 'finding' | 'pruned';
  /** The finding, when `status` is `finding`. */
  readonly finding: RawFinding | null;
  /** Steps executed. */
  readonly steps: number;
  /** Preemptions in the run's schedule. */
  readonly preemptions: number;
  /** The trace, when `settings.trace`. */
  readonly trace: TraceEvent[] | null;
}

/**
 * Runs `scenario` once. Rejects only for a defect of the checker or a chooser error
 * (a replay that diverges, a nondeterministic scenario); violations are findings.
 */
export function runSchedule(
  scenario: Scenario,
  chooser: Chooser,
  log: ExecutionLog,
  settings: RunSettings,
): Promise<RunOutcome> {
  return new Run(scenario, chooser, log, settings).start();
}

type Phase = 'setup' | 'tasks' | 'finally' | 'ended';

/** One run: the scheduler's host. */
class Run implements SchedulerHost {
  readonly #scenario: Scenario;
  readonly #chooser: Chooser;
  readonly #log: ExecutionLog;
  readonly #settings: RunSettings;
  readonly #trace: TraceEvent[] | null;
  readonly #scheduler: ControlledScheduler;
  readonly #world: RunWorld;
  #phase: Phase = 'setup';
  /** States up to this one passed every invariant in an earlier run (-1: none). */
  readonly #checked: number;
  #finding: RawFinding | null = null;
  #fatal: { error: unknown } | null = null;
  #resolve: ((outcome: RunOutcome) => void) | null = null;
  #reject: ((error: unknown) => void) | null = null;

  constructor(scenario: Scenario, chooser: Chooser, log: ExecutionLog, settings: RunSettings) {
    this.#scenario = scenario;
    this.#chooser = chooser;
    this.#log = log;
    this.#settings = settings;
    this.#checked = chooser.checkedStates ?? -1;
    this.#trace = settings.trace ? [] : null;
    log.reset();
    this.#scheduler = new ControlledScheduler(this, log, this.#trace, settings.probe ?? null);
    if (settings.lockdep != null) {
      const sites = settings.lockdepSites ?? settings.trace;
      const validator = new LockValidator(
        settings.lockdep,
        this.#scheduler,
        log,
        (finding: RawFinding) => this.report(finding),
        sites,
      );
      this.#scheduler.lockdep = validator;
    }
    this.#world = new RunWorld(
      this.#scheduler,
      settings.semantics,
      settings.seed,
      (kind, message) => this.report(contractFinding(kind, message)),
      settings.core ?? 'typescript',
    );
  }

  start(): Promise<RunOutcome> {
    return new Promise<RunOutcome>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
      void this.#setup();
    });
  }

  /** Raises a finding; the first one wins, the run ends at the end of the step. */
  report(finding: RawFinding): void {
    if (this.#finding === null && this.#phase !== 'ended') this.#finding = finding;
  }

  stepEnded(): void {
    if (this.#phase !== 'tasks') return;
    if (this.#finding === null && this.#log.steps > this.#checked) this.#checkInvariants();
    if (this.#finding === null && this.#log.steps >= this.#settings.maxSteps) {
      const advice = livelockAdvice(this.#log, this.#scheduler.tasks);
      this.report(livelockFinding(this.#scheduler, this.#settings.maxSteps, advice));
    }
    if (this.#finding !== null) this.#end('finding');
    else this.#next();
  }

  fatal(error: unknown): void {
    this.#fatal ??= { error };
    this.#end('pruned');
  }

  taskFailed(task: TaskRecord, error: unknown): void {
    this.report(exceptionFinding(task.name, error));
  }

  strayed(task: TaskRecord, how: string): void {
    this.report(strayFinding(task, how));
    this.#end('finding');
  }

  stuck(task: TaskRecord | null): void {
    if (this.#phase === 'ended') return;
    this.report(outsideFinding(task, this.#phase === 'tasks' ? 'the run' : this.#phase));
    this.#end('finding');
  }

  async #setup(): Promise<void> {
    try {
      await this.#scenario.setup(this.#world);
    } catch (error) {
      this.fatal(setupError(this.#scenario.name, error)); // the scenario's mistake: no finding
      return;
    }
    if (this.#phase !== 'setup') return;
    if (this.#finding !== null) {
      this.#end('finding');
      return;
    }
    this.#phase = 'tasks';
    // The invariants hold in the initial state too, and reading them there records what they
    // observe in it (the reduction's visible writes: see execution-log.ts).
    if (this.#checked < 0) this.#checkInvariants();
    if (this.#finding !== null) {
      this.#end('finding');
      return;
    }
    try {
      this.#next();
    } catch (error) {
      this.fatal(error); // the first choice: the checker's error, not the scenario's
    }
  }

  /** Computes the enabled set and resumes the chosen task, or ends the run. */
  #next(): void {
    const tasks = this.#scheduler.tasks;
    let enabled = 0;
    let parked = 0;
    for (const task of tasks) {
      if (task.status !== 'parked') continue;
      parked++;
      if (task.ready === null || this.#ready(task)) enabled |= 1 << task.index;
    }
    if (enabled !== 0 && parked > 1) {
      for (const task of tasks) {
        if (task.status === 'parked' && (enabled & (1 << task.index)) === 0)
          this.#log.addBlocked(task.index, task.op.obj, accessKind(task.op));
      }
    }
    if (this.#finding !== null) {
      this.#end('finding');
      return;
    }
    if (enabled === 0) {
      if (parked === 0) return void this.#complete();
      this.report(deadlockFinding(this.#scheduler));
      this.#end('finding');
      return;
    }
    let choice: number;
    try {
      const previous = this.#log.lastTask;
      const yielded =
        previous >= 0 &&
        tasks[previous]!.status === 'parked' &&
        tasks[previous]!.op.kind === 'yield';
      this.#log.markYield(yielded);
      if (yielded && this.#settings.fairness === true)
        this.#log.addAccess(FAIRNESS_OBJECT, ACCESS_WRITE);
      choice = this.#chooser.nextTask(this.#log.steps, enabled, previous, this.#log);
    } catch (error) {
      this.fatal(error);
      return;
    }
    if (choice < 0) {
      this.#end('pruned');
      return;
    }
    this.#log.beginStep(choice, enabled);
    if (this.#settings.fairness === true) this.#log.addAccess(FAIRNESS_OBJECT, ACCESS_READ);
    this.#scheduler.resume(tasks[choice]!);
  }

  #ready(task: TaskRecord): boolean {
    try {
      return task.ready!();
    } catch (error) {
      this.report(exceptionFinding(task.name, error));
      return false;
    }
  }

  #checkInvariants(): void {
    const invariants = this.#world.invariants;
    for (let k = 0; k < invariants.length; k++) {
      const { name, predicate } = invariants[k]!;
      let holds: boolean;
      try {
        holds = this.#scheduler.observe(predicate, k);
      } catch (error) {
        this.report(invariantFinding(name, error));
        return;
      }
      if (!holds) {
        this.report(invariantFinding(name));
        return;
      }
    }
  }

  /** Every task ended: end-of-run invariants, then the `finally` callbacks. */
  async #complete(): Promise<void> {
    this.#phase = 'finally';
    this.#checkInvariants(); // catches; so do the callbacks below, and #end never throws
    for (const fn of this.#world.finals) {
      if (this.#finding !== null) break;
      try {
        await fn();
      } catch (error) {
        this.report(invariantFinding('finally', error));
      }
      if ((this.#phase as Phase) === 'ended') return;
    }
    this.#end(this.#finding === null ? 'ok' : 'finding');
  }

  #end(status: RunOutcome['status']): void {
    if (this.#phase === 'ended') return;
    this.#phase = 'ended';
    this.#scheduler.stop();
    try {
      this.#record();
    } catch (error) {
      this.#fatal ??= { error };
    }
    // Nothing reads the run's objects any more: cut them off from the scheduler and the world.
    this.#scheduler.release();
    this.#world.release();
    if (this.#fatal !== null) {
      this.#reject?.(this.#fatal.error);
      return;
    }
    const finding = this.#finding;
    this.#resolve?.({
      status: finding === null ? status : 'finding',
      finding,
      steps: this.#log.steps,
      preemptions: this.#log.preemptions,
      trace: this.#trace,
    });
  }

  /** The pending ops (for DPOR) and the finding's trace note. */
  #record(): void {
    const finding = this.#finding;
    if (finding !== null && finding.kind !== 'deadlock') this.#log.markCut();
    for (const task of this.#scheduler.tasks) {
      if (task.status === 'parked')
        this.#log.addPending(task.index, task.op.obj, accessKind(task.op));
    }
    if (finding !== null && this.#trace !== null) {
      const step = this.#log.steps === 0 ? 0 : this.#log.steps - 1;
      this.#trace.push({
        step,
        task: 'main',
        op: `finding.${finding.kind}`,
        obj: '',
        detail: finding.message,
        type: 'note',
      });
    }
  }
}
