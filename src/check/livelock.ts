/**
 * The advice of a `livelock` finding: what the last steps of a run that passed the liveness
 * bound show about its cause. Read from the run's record only (deterministic: a replay
 * gives the same words).
 *
 * | the last {@link LIVELOCK_TAIL_STEPS} steps (or half the run)  | cause named                          |
 * |---------------------------------------------------------------|--------------------------------------|
 * | one task ran, no other could                                  | it waits for something nothing will do |
 * | one task ran while another could and never did                | an unfair schedule: a loop with no yield |
 * | several tasks ran                                             | they retry in turn, or the run is long |
 */

import type { ExecutionLogView } from './execution-log.ts';
import { describeWait } from './findings.ts';
import type { TaskRecord } from './task-record.ts';

/** How many of a run's last steps the advice reads (at most half of the run). */
export const LIVELOCK_TAIL_STEPS = 1_000;

function names(tasks: readonly TaskRecord[], mask: number): string {
  return tasks
    .filter((task) => (mask & (1 << task.index)) !== 0)
    .map((task) => `'${task.name}'`)
    .join(', ');
}

/** The advice for a run that passed the bound (see the module comment). */
export function livelockAdvice(log: ExecutionLogView, tasks: readonly TaskRecord[]): string {
  const from = log.steps - Math.min(LIVELOCK_TAIL_STEPS, Math.ceil(log.steps / 2));
  let ran = 0;
  let couldRun = 0;
  for (let step = from; step < log.steps; step++) {
    ran |= 1 << log.taskAt(step);
    couldRun |= log.enabledAt(step);
  }
  const tail = log.steps - from;
  const starved = couldRun & ~ran;
  if ((ran & (ran - 1)) !== 0) {
    return (
      `${names(tasks, ran)} kept running in the last ${tail} steps without ending: they retry ` +
      'in turn (a livelock between them), or the run is just long: raise maxSteps (--max-steps)'
    );
  }
  const spinner = tasks.find((task) => (ran & (1 << task.index)) !== 0);
  const who = spinner === undefined ? 'a task' : `'${spinner.name}'`;
  if (starved !== 0) {
    return (
      `${who} ran each of the last ${tail} steps while ${names(tasks, starved)} could run and ` +
      'never did: an unfair schedule. The fair search (dfs) holds back only a task that yields: ' +
      'put world.yieldNow() in its retry loop (a loop on .value has no scheduling point at all)'
    );
  }
  const waiting = tasks
    .filter((task) => task !== spinner && task.status === 'parked')
    .map((task) => `'${task.name}' ${describeWait(task)}`);
  const others = waiting.length === 0 ? 'every other task has ended' : waiting.join(', ');
  return (
    `${who} retried alone for the last ${tail} steps (${others}): nothing will change what it ` +
    'waits for. A store or a wake that never comes? A start without its end?'
  );
}
