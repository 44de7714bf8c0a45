/**
 * The findings oracle's vocabulary: how each kind of violation is worded, and its
 * *signature* (what must stay equal for two runs to show "the same bug", used by the
 * minimizer: the kind plus the invariant's name, the error's class or the diagnostic).
 *
 * | kind        | detected                                             | signature               |
 * |-------------|------------------------------------------------------|-------------------------|
 * | `invariant` | a predicate false after a step or at the end; a throw in `finally` | `invariant:<name>` |
 * | `exception` | a task's function threw or rejected                   | `exception:<class>`     |
 * | `exception` | a task's function ended with a point of it pending    | `exception:stray`       |
 * | `deadlock`  | no task enabled while some are parked                 | `deadlock`              |
 * | `livelock`  | the run passed `maxSteps` (the liveness bound)        | `livelock`              |
 * | `contract`  | the core's `onDiagnostic` fired                       | `contract:<diag kind>`  |
 * | `outside`   | a task awaited something the scheduler does not own   | `outside`               |
 * | `lock-order`| the lock validator: a cycle or a recursive acquisition | see `lockdep/report.ts` |
 * | `lockdep`   | the lock validator: a lock held at task end, a bad unlock | see `lockdep/report.ts` |
 */

import { ScenarioSetupError } from '../errors.ts';
import type { ControlledScheduler } from './controlled-scheduler.ts';
import { describeHolder } from './holders.ts';
import type { TaskRecord } from './task-record.ts';
import type { FindingKind } from './types.ts';
import { userFrame } from './user-frame.ts';

/** A finding as one run detects it, before it gets a schedule and a trace. */
export interface RawFinding {
  /** What was violated. */
  readonly kind: FindingKind;
  /** One line naming the problem. */
  readonly message: string;
  /** What must stay equal for another run to show the same bug (see the module comment). */
  readonly signature: string;
}

/** `Name: message` for an Error, `String(value)` otherwise. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function errorClass(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

/** Where a task is parked: `at wq.wait on kvm.wq`. */
export function describeWait(task: TaskRecord): string {
  const on = task.op.name === undefined ? '' : ` on ${task.op.name}`;
  return `at ${task.op.kind}${on}`;
}

/** Who waits where: `'kvm' at wq.wait on kvm.wq`. */
export function describeTask(task: TaskRecord): string {
  return `'${task.name}' ${describeWait(task)}`;
}

/** A task threw. */
export function exceptionFinding(task: string, error: unknown): RawFinding {
  const message = `task '${task}' threw ${describeError(error)}`;
  return { kind: 'exception', message, signature: `exception:${errorClass(error)}` };
}

/** An invariant was false (or threw) after a step, at the end, or in `finally`. */
export function invariantFinding(name: string, error?: unknown): RawFinding {
  const why = error === undefined ? '' : `: ${describeError(error)}`;
  return {
    kind: 'invariant',
    message: `invariant '${name}' violated${why}`,
    signature: `invariant:${name}`,
  };
}

/**
 * No task can run while some wait: who waits on what, and who holds it since when (loom
 * style): `'evict' waits at mutex.lock on drv.lock, held by 'evict' itself since step 3
 * (mutex.lock at drv.ts:40:11)`.
 */
export function deadlockFinding(scheduler: ControlledScheduler): RawFinding {
  const waiting = scheduler.tasks
    .filter((task) => task.status === 'parked')
    .map((task) => {
      const holders = scheduler.holders.of(task.op.obj);
      const held =
        holders.length === 0
          ? ''
          : `, held by ${holders.map((h) => describeHolder(h, task.name)).join(' and ')}`;
      return `'${task.name}' waits ${describeWait(task)}${held}`;
    });
  return {
    kind: 'deadlock',
    message: `deadlock: no task can run: ${waiting.join('; ')}`,
    signature: 'deadlock',
  };
}

/** The run passed the liveness bound; `advice` names the likely cause (`livelock.ts`). */
export function livelockFinding(
  scheduler: ControlledScheduler,
  maxSteps: number,
  advice: string,
): RawFinding {
  const open = scheduler.tasks.filter((task) => task.status !== 'done').map(describeTask);
  const message =
    `livelock: no end after ${maxSteps} steps (the liveness bound maxSteps); ` +
    `still running: ${open.join(', ')}. ${advice}`;
  return { kind: 'livelock', message, signature: 'livelock' };
}

/** The core reported a broken contract. */
export function contractFinding(kind: string, message: string): RawFinding {
  return {
    kind: 'contract',
    message: `contract: ${kind}: ${message}`,
    signature: `contract:${kind}`,
  };
}

/** A task (or setup / finally) awaited something outside the scheduler. */
export function outsideFinding(task: TaskRecord | null, phase: string): RawFinding {
  const who = task === null ? phase : `task '${task.name}'`;
  const after = task === null ? '' : ` after its last point, ${describeWait(task)}`;
  const message =
    `${who} awaited something outside the scheduler (a timer, I/O or a promise nothing resolves)` +
    `${after}; every blocking operation must go through the Scheduler seam`;
  return { kind: 'outside', message, signature: 'outside' };
}

/**
 * A task's function ended while the task was parked (or not running): it started a
 * scheduling point without awaiting it, or went on after something outside the scheduler.
 */
export function strayFinding(task: TaskRecord, how: string): RawFinding {
  const where = task.status === 'parked' ? `while parked ${describeWait(task)}` : 'out of turn';
  const message =
    `task '${task.name}' ${how} ${where}: it left a scheduling point un-awaited (a dropped ` +
    'promise?) or went on outside the scheduler; a task does one thing at a time';
  return { kind: 'exception', message, signature: 'exception:stray' };
}

/** The error for a `setup` that threw: one line, naming where in the user's code. */
export function setupError(scenario: string, error: unknown): ScenarioSetupError {
  const frame = error instanceof Error ? userFrame(error.stack) : undefined;
  const at = frame === undefined ? '' : ` at ${frame}`;
  const what = describeError(error).split('\n')[0];
  return new ScenarioSetupError(`scenario '${scenario}': setup threw ${what}${at}`, {
    cause: error,
  });
}
