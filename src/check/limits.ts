/**
 * The checker's limits, as named constants (loom style): every budget has one, and blowing
 * one is a named outcome with a diagnosis, never a hang.
 */

import { OverflowError } from '../errors.ts';

/** Tasks per run: the enabled set is a 31-bit mask. */
export const TASKS_MAX = 31;

/** Object ids per run (mutexes, cells, queues...). */
export const OBJECTS_MAX = 1_000_000;

/** Default steps per schedule: the liveness bound; a run past it is a `livelock` finding. */
export const STEPS_DEFAULT = 10_000;

/** The largest `maxSteps` accepted. */
export const STEPS_MAX = 1_000_000;

/** Default schedule budget of an exhaustive search. */
export const SCHEDULES_DFS_DEFAULT = 1_000_000;

/** Default schedule budget of the random and PCT strategies. */
export const SCHEDULES_RANDOM_DEFAULT = 1_000;

/** Default wall-time budget of one `check()` call, in milliseconds. */
export const TIME_LIMIT_DEFAULT_MS = 60_000;

/** Schedules the minimizer may run after a finding. */
export const MINIMIZE_SCHEDULES_MAX = 2_000;

/** Default bug depth `d` of PCT (d - 1 priority change points per run). */
export const PCT_DEPTH_DEFAULT = 3;

/** The largest PCT depth accepted. */
export const PCT_DEPTH_MAX = 64;

/** Schedules between two `onProgress` calls. */
export const PROGRESS_EVERY_SCHEDULES = 1_000;

/** Wall time between two yields of the search loop to the event loop (outside runs). */
export const YIELD_EVERY_MS = 50;

/** Trace events kept per run (a livelocked run stops at this many). */
export const TRACE_EVENTS_MAX = 200_000;

/** Throws the diagnosis for a run that spawned more than {@link TASKS_MAX} tasks. */
export function tooManyTasks(name: string): never {
  throw new OverflowError(
    `spawn('${name}'): more than ${TASKS_MAX} tasks in one run; the checker explores ` +
      'interleavings of a few tasks: model the others as one task or as data',
  );
}

/** Throws the diagnosis for a run that created more than {@link OBJECTS_MAX} objects. */
export function tooManyObjects(label: string): never {
  throw new OverflowError(
    `objectId('${label}'): more than ${OBJECTS_MAX} objects in one run; ` +
      'is a primitive created inside a loop that never ends?',
  );
}
