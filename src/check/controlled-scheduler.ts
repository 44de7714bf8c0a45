/**
 * The controlled {@link Scheduler}: the checker's context-switch mechanism (loom's
 * `rt/scheduler`). One instance per run.
 *
 * Protocol
 * --------
 * Exactly one task runs at a time. A task is in one of three states:
 *
 * | state     | holds                                                        | leaves by                    |
 * |-----------|--------------------------------------------------------------|------------------------------|
 * | `parked`  | waits at `op` (`spawn` at first); enabled iff `ready()` holds | {@link ControlledScheduler.resume} |
 * | `running` | it is `current`; its accesses go to the open step             | `point()` (parks) or its end |
 *
 * An access made while no task runs is an observer's: inside {@link ControlledScheduler.observe}
 * (the invariants after a step) its reads mark their objects *observed* in the log; elsewhere
 * (setup, `finally`, a monitor's trace) it is not recorded.
 * | `done`    | its function returned or threw                                | never                        |
 *
 * A *step* opens when the host resumes a parked task and closes when that task parks again
 * or ends; both are signalled from the task's own continuation, which calls
 * `host.stepEnded()` synchronously, and the host resumes the next task from there. So a run
 * is one chain of microtasks with no timer per step; the {@link watch} dog catches a task
 * that awaits anything else. `kick()` needs no work: the host re-evaluates every parked
 * task's `ready()` before each choice (rule 3 of the seam: predicates are pure).
 *
 * After `stop()` the instance is dead: a task of an abandoned run that wakes up later (its
 * timer fired) finds every `point()` pending forever (a fresh promise per call, referenced
 * only by the task) and is collected with the run. Every
 * task carries its run's id; the instance refuses a task of another run.
 *
 * Nothing the host does may throw into a task or out of a detached promise chain: an error
 * at a step boundary (`stepEnded()` from `point()` or a task's end) goes to `host.fatal()`,
 * which rejects the run, so `check()` rejects with it. A task whose function ends while it
 * is not the running task (it left a scheduling point un-awaited) is the scenario's defect:
 * `host.strayed()`, an `exception` finding.
 */

import { assertInternal, InternalError, SleepInAtomicError, StateError } from '../errors.ts';
import type { Op, Scheduler, TraceNote } from '../sched/scheduler.ts';
import { accessKind, type ExecutionLog } from './execution-log.ts';
import { describeError } from './findings.ts';
import { HolderTable, mayTakeLock, takesLock } from './holders.ts';
import {
  OBJECTS_MAX,
  TASKS_MAX,
  TRACE_EVENTS_MAX,
  tooManyObjects,
  tooManyTasks,
} from './limits.ts';
import type { LockValidator } from './lockdep/validator.ts';
import { type PointProbe, type SchedulerHost, SPAWN_OP, TaskRecord } from './task-record.ts';
import type { TraceEvent } from './types.ts';
import { callerFrame } from './user-frame.ts';
import { unwatch, type Watched, watch } from './watchdog.ts';

/**
 * A promise that never settles, fresh per call. Pairs with the dead-run rule of the protocol:
 * a task of an ended run that reaches a point waits on it for ever, and is collected with it.
 * One shared module-level promise would instead hold every such task's continuation (and its
 * world) in its reaction list for the life of the process.
 */
function never(): Promise<void> {
  return new Promise<void>(() => {});
}

/** The host of a released scheduler (see {@link ControlledScheduler.release}): never called. */
const RELEASED_HOST: SchedulerHost = {
  stepEnded() {},
  taskFailed() {},
  stuck() {},
  fatal() {},
  strayed() {},
};

/** The id of the next run (a process-wide counter: two runs never share one). */
let nextRun = 1;

/** The checker's {@link Scheduler}: one task at a time, the host chooses which. */
export class ControlledScheduler implements Scheduler, Watched {
  readonly controlled = true;
  /** False when this run records no trace: {@link ControlledScheduler.annotate} drops notes. */
  readonly tracing: boolean;
  #host: SchedulerHost;
  readonly #log: ExecutionLog;
  readonly #trace: TraceEvent[] | null;
  readonly #probe: PointProbe | null;
  readonly #tasks: TaskRecord[] = [];
  #current: TaskRecord | null = null;
  #resuming: TaskRecord | null = null;
  #depth = 0;
  #observing = 0;
  #nextId = 1;
  #live = true;
  readonly #run = nextRun++;
  /** Who holds which lock now, for the deadlock report (`holders.ts`); traced runs only. */
  readonly holders = new HolderTable();
  /** Where each task parked at a lock-taking point was called from (traced runs only). */
  readonly #parkedAt = new Map<TaskRecord, string | undefined>();
  /** The run's lock validator, when lockdep is on (set by the run before setup). */
  lockdep: LockValidator | undefined = undefined;
  /** A task's continuation starts: it becomes `current` (each task's {@link TaskRecord.enter}). */
  readonly #enter: (task: TaskRecord) => void;

  constructor(
    host: SchedulerHost,
    log: ExecutionLog,
    trace: TraceEvent[] | null,
    probe: PointProbe | null = null,
  ) {
    this.#host = host;
    this.#log = log;
    this.#trace = trace;
    this.tracing = trace !== null;
    this.#probe = probe;
    // Assigned here, not as a field initializer: under tsx (esbuild `keepNames`) a named
    // arrow costs an `Object.defineProperty` per instance, once per run.
    this.#enter = (task) => {
      if (!this.#live) return;
      if (this.#resuming !== task || this.#current !== null || task.run !== this.#run) {
        this.#host.fatal(new InternalError(`task '${task.name}' entered out of turn`));
        return;
      }
      this.#resuming = null;
      this.#current = task;
    };
    watch(this);
  }

  get atomicDepth(): number {
    return this.#depth;
  }

  /** The tasks of the run, in spawn order. */
  get tasks(): readonly TaskRecord[] {
    return this.#tasks;
  }

  /** The running task, or null between steps, in setup and in `finally`. */
  get current(): TaskRecord | null {
    return this.#current;
  }

  currentTask(): number {
    return this.#current?.index ?? -1;
  }

  /** False once the run ended. */
  get live(): boolean {
    return this.#live;
  }

  /** Adds a task parked at `spawn`; it runs `fn` when first resumed. */
  spawn(name: string, fn: () => unknown): TaskRecord {
    if (this.#tasks.length >= TASKS_MAX) tooManyTasks(name);
    const task = new TaskRecord(this.#run, this.#tasks.length, name, this.#enter);
    this.#tasks.push(task);
    this.#record(task.name, 'spawn', '', '', 'task');
    new Promise<void>((resolve) => {
      task.resume = resolve;
    })
      .then(task.enter)
      .then(fn)
      .then(
        () => this.#ended(task, false, undefined),
        (error: unknown) => this.#ended(task, true, error),
      );
    return task;
  }

  /**
   * Runs `task` (parked and enabled) for one step. Pairs with `point()` / its end. The task
   * becomes `current` when its continuation starts ({@link TaskRecord.enter}); until then a
   * point or an access is a task doing two things at once, and is refused.
   */
  resume(task: TaskRecord): void {
    assertInternal(
      this.#live && this.#current === null && this.#resuming === null,
      'resume while a task runs',
    );
    if (task.run !== this.#run)
      throw new InternalError(`resume of task '${task.name}' of run ${task.run}`);
    assertInternal(
      task.status === 'parked' && task.resume !== null,
      `resume of ${task.status} task`,
    );
    const resolve = task.resume;
    task.resume = null;
    task.ready = null;
    task.status = 'running';
    this.#resuming = task;
    const op = task.op;
    this.#probe?.resumed(task, op, this.#log.steps - 1, this.#log.preemptions);
    this.#log.addAccess(op.obj, accessKind(op));
    if (this.#trace !== null)
      this.holders.resumed(op, task.name, this.#step(), this.#parkedAt.get(task));
    if (this.#trace !== null)
      this.#record(task.name, op.kind, op.name ?? '', op.detail ?? '', 'point');
    resolve();
  }

  point(op: Op, ready?: () => boolean): Promise<void> {
    if (!this.#live) return never();
    if (this.#depth > 0) {
      const where = `${op.kind} on ${op.name ?? `#${op.obj}`}`;
      return Promise.reject(new SleepInAtomicError(`${where} in non-blockable context`));
    }
    const task = this.#current;
    if (task === null) return Promise.reject(this.#noTask(op));
    task.op = op;
    task.ready = ready ?? null;
    task.status = 'parked';
    if (this.#trace !== null && takesLock(op)) this.#parkedAt.set(task, callerFrame());
    const parked = new Promise<void>((resolve) => {
      task.resume = resolve;
    });
    this.#current = null;
    this.#stepEnded();
    return parked.then(task.enter);
  }

  access(op: Op): void {
    if (!this.#live) return;
    if (this.#resuming !== null) throw this.#noTask(op);
    if (this.#current !== null) this.#log.addAccess(op.obj, accessKind(op));
    else if (this.#observing > 0 && !op.write) this.#log.observe(op.obj, this.#observing - 1);
    if (this.#trace !== null) {
      const where = mayTakeLock(op) ? callerFrame() : undefined;
      this.holders.accessed(op, this.#current?.name ?? 'main', this.#step(), where);
    }
    if (this.#trace !== null && op.quiet !== true) {
      this.#record(
        this.#current?.name ?? 'main',
        op.kind,
        op.name ?? '',
        op.detail ?? '',
        'access',
      );
    }
  }

  kick(_obj: number, _max?: number): void {}

  /**
   * Runs `fn` (invariant number `index`, between steps) recording the objects it reads as
   * *observed* by it: for the reduction, writes to them are visible and never commute with
   * each other (`execution-log.ts`).
   */
  observe<T>(fn: () => T, index: number): T {
    this.#observing = index + 1;
    try {
      return fn();
    } finally {
      this.#observing = 0;
    }
  }

  annotate(note: TraceNote): void {
    if (this.#trace === null || !this.#live) return;
    this.#record(this.#current?.name ?? 'main', note.kind, note.name, note.detail ?? '', 'note');
  }

  objectId(label: string): number {
    if (this.#nextId > OBJECTS_MAX) tooManyObjects(label);
    return this.#nextId++;
  }

  nonBlockStart(): void {
    this.#depth++;
  }

  nonBlockEnd(): void {
    if (this.#depth === 0) throw new StateError('nonBlockEnd without nonBlockStart');
    this.#depth--;
  }

  /** Ends the run: no task is resumed any more. Idempotent. */
  stop(): void {
    this.#live = false;
    unwatch(this);
  }

  /**
   * After `stop()`, once the host has read the tasks: lets go of the run's tasks, their
   * continuations and the host. Every primitive, model object and task of the run references
   * this scheduler, so a reference kept to any of them (by a dead object that V8 placed in the
   * old generation: see README "V8's allocation-site pretenuring") would otherwise keep the
   * whole run alive through every scavenge until a mark-compact; released, it keeps only what
   * that object itself references. Pairs with the constructor; idempotent.
   */
  release(): void {
    assertInternal(!this.#live, 'release of a live run');
    for (const task of this.#tasks) {
      task.resume = null;
      task.ready = null;
      task.op = SPAWN_OP;
    }
    this.#tasks.length = 0;
    this.#parkedAt.clear();
    this.#current = null;
    this.#resuming = null;
    this.lockdep = undefined;
    this.#host = RELEASED_HOST;
  }

  /** From the watchdog: the run was live when a macrotask ran. */
  stuck(): void {
    if (!this.#live) return;
    try {
      this.#host.stuck(this.#current);
    } catch (error) {
      this.#host.fatal(error);
    }
  }

  /** Signals the end of a step; an error there is the checker's, never the task's. */
  #stepEnded(): void {
    try {
      this.#host.stepEnded();
    } catch (error) {
      this.#host.fatal(error);
    }
  }

  /** The error for an op with no running task: in setup or finally, or a stray continuation. */
  #noTask(op: Op): StateError {
    if (this.#resuming === null) {
      return new StateError(
        `scheduling point ${op.kind} outside any task (setup and finally must not block)`,
      );
    }
    return new StateError(
      `${op.kind} from a task that is parked: it started a second operation without awaiting ` +
        'the first (Promise.all over scheduling points?); a task does one thing at a time',
    );
  }

  /** The open step (0 before the first). */
  #step(): number {
    return this.#log.steps === 0 ? 0 : this.#log.steps - 1;
  }

  /** Adds a trace event of the open step (step 0 before the first). */
  #record(task: string, op: string, obj: string, detail: string, type: TraceEvent['type']): void {
    const trace = this.#trace;
    if (trace === null || trace.length >= TRACE_EVENTS_MAX) return;
    const step = this.#step();
    if (trace.length === TRACE_EVENTS_MAX - 1) {
      const detail = `trace truncated at ${TRACE_EVENTS_MAX} events (TRACE_EVENTS_MAX)`;
      trace.push({ step, task: 'main', op: 'trace.truncated', obj: '', detail, type: 'note' });
      return;
    }
    trace.push({ step, task, op, obj, detail, type });
  }

  #ended(task: TaskRecord, failed: boolean, error: unknown): void {
    if (!this.#live) return;
    if (task.run !== this.#run) {
      this.#host.fatal(new InternalError(`task '${task.name}' of run ${task.run} ended here`));
      return;
    }
    if (this.#current !== task) {
      this.#host.strayed(task, failed ? `threw ${describeError(error)}` : 'returned');
      return;
    }
    task.status = 'done';
    this.#current = null;
    const depth = this.#depth;
    this.#depth = 0;
    if (failed) this.#host.taskFailed(task, error);
    else if (depth > 0) {
      this.#host.taskFailed(
        task,
        new SleepInAtomicError('task ended inside a non-blockable section'),
      );
    }
    if (!failed) this.lockdep?.taskEnded(task);
    this.#record(
      task.name,
      failed ? 'exit.error' : 'exit',
      '',
      failed ? String(error) : '',
      'task',
    );
    this.#stepEnded();
  }
}
