/**
 * A schedule as data: the task chosen at every step of a run, and the seed of
 * `world.random()`. It has a compact, versioned, printable encoding:
 *
 * | string                | choices                  | seed |
 * |-----------------------|--------------------------|------|
 * | `v1:`                 | none                     | 0    |
 * | `v1:0.1.1.2`          | 0, 1, 1, 2               | 0    |
 * | `v1:0.1.1.2;seed=7`   | 0, 1, 1, 2               | 7    |
 * | `v2:0.1*2.2`          | 0, 1, 1, 2               | 0    |
 * | `v2:2.(0.1)*3;seed=7` | 2, 0, 1, 0, 1, 0, 1      | 7    |
 * | `v1:0.1;prior=1.0`    | 0, 1 after a run of 1, 0 | 0    |
 *
 * A `prior` (repeatable) is another run whose lock dependencies a `lock-order` finding uses:
 * a replay first re-runs each prior's choices (and stops there) to rebuild the lock graph,
 * then the schedule itself.
 * A task is named by its index in spawn order. Every step is listed (even a step with a
 * single runnable task), so a replay that diverges is detected at the step it diverges.
 * `v2` folds repeats (`schedule-v2.ts`): {@link encodeSchedule} writes it only for a
 * schedule whose `v1` string is longer than {@link SCHEDULE_FOLD_FROM} characters (a
 * livelock's) and shorter for it; both versions decode. `decodeSchedule(encodeSchedule(s))`
 * equals `s` (tested).
 */

import { InvalidArgumentError } from '../errors.ts';
import { STEPS_MAX, TASKS_MAX } from './limits.ts';
import { decodeBody, encodeBody } from './schedule-v2.ts';

/** The version prefix of the plain encoding (every choice listed). */
export const SCHEDULE_VERSION = 'v1';

/** The version prefix of the run-length encoding (repeats folded). */
export const SCHEDULE_VERSION_FOLDED = 'v2';

/** Past this many characters, a `v1` string is written as `v2` when that is shorter. */
export const SCHEDULE_FOLD_FROM = 120;

/** A schedule: the task index chosen at each step, and the seed of `world.random()`. */
export interface Schedule {
  /** The task index (spawn order) chosen at each step, from step 0. */
  readonly choices: readonly number[];
  /** The seed of `world.random()` for the run. */
  readonly seed: number;
  /** Runs replayed first, for the lock graph only (see the module comment); none by default. */
  readonly priors?: readonly (readonly number[])[];
}

/**
 * Encodes a schedule as `v1:<choices joined by '.'>[;seed=<n>]`, or, past
 * {@link SCHEDULE_FOLD_FROM} characters, as the shorter `v2:<run-length body>[;seed=<n>]`.
 * Pairs with {@link decodeSchedule}.
 * @throws InvalidArgumentError for a choice outside `[0, TASKS_MAX)` or a seed that is not a
 * safe integer (a string that {@link decodeSchedule} would refuse).
 */
export function encodeSchedule(schedule: Schedule): string {
  const bad = (why: string): never => {
    throw new InvalidArgumentError(`encodeSchedule: ${why}`);
  };
  if (typeof schedule !== 'object' || schedule === null || !Array.isArray(schedule.choices)) {
    bad('schedule must be an object with a choices array');
  }
  checkChoices(schedule.choices, bad);
  if (!Number.isSafeInteger(schedule.seed))
    bad(`seed ${String(schedule.seed)} is not a safe integer`);
  if ((schedule.priors?.length ?? 0) > PRIORS_MAX) bad(`more than ${PRIORS_MAX} priors`);
  for (const prior of schedule.priors ?? []) checkChoices(prior, bad);
  let body = `${SCHEDULE_VERSION}:${schedule.choices.join('.')}`;
  if (body.length > SCHEDULE_FOLD_FROM) {
    const folded = `${SCHEDULE_VERSION_FOLDED}:${encodeBody(schedule.choices)}`;
    if (folded.length < body.length) body = folded;
  }
  const seeded = schedule.seed === 0 ? body : `${body};seed=${schedule.seed}`;
  return (schedule.priors ?? []).reduce((text, p) => `${text};prior=${p.join('.')}`, seeded);
}

/**
 * Decodes a schedule string. Pairs with {@link encodeSchedule}.
 * @throws InvalidArgumentError for a malformed string or an unknown version.
 */
export function decodeSchedule(text: string): Schedule {
  const bad = (why: string): never => {
    throw new InvalidArgumentError(
      `schedule '${text}': ${why} (expected e.g. 'v1:0.1.1.2' or 'v2:0.1*2.2')`,
    );
  };
  if (typeof text !== 'string') {
    throw new InvalidArgumentError(`schedule must be a string, got ${String(text)}`);
  }
  const colon = text.indexOf(':');
  if (colon < 0) bad('no version prefix');
  const version = text.slice(0, colon);
  if (version !== SCHEDULE_VERSION && version !== SCHEDULE_VERSION_FOLDED)
    bad(`unknown version '${version}' (known: v1, v2)`);
  const [body = '', ...suffixes] = text.slice(colon + 1).split(';');
  let seed = 0;
  const priors: number[][] = [];
  for (const suffix of suffixes) {
    if (suffix.startsWith('prior=')) {
      if (priors.length >= PRIORS_MAX) bad(`more than ${PRIORS_MAX} priors`);
      priors.push(decodeChoices(suffix.slice('prior='.length), bad));
      continue;
    }
    if (!suffix.startsWith('seed='))
      bad(`unknown suffix '${suffix}' (known: ';seed=<n>', ';prior=<choices>')`);
    const value = suffix.slice('seed='.length);
    if (!/^-?\d+$/.test(value)) bad(`seed '${value}' is not an integer`);
    seed = Number(value);
    if (!Number.isSafeInteger(seed)) bad(`seed '${value}' is not a safe integer`);
  }
  const choices =
    version === SCHEDULE_VERSION_FOLDED
      ? decodeBody(body, STEPS_MAX, TASKS_MAX, bad)
      : decodeChoices(body, bad);
  return priors.length === 0 ? { choices, seed } : { choices, seed, priors };
}

/** Priors a schedule may name (the runs a lock-order cycle spans, less one). */
export const PRIORS_MAX = 16;

function checkChoices(choices: readonly number[], bad: (why: string) => never): void {
  if (choices.length > STEPS_MAX) bad(`more than ${STEPS_MAX} steps`);
  for (const choice of choices) {
    if (!Number.isInteger(choice) || choice < 0 || choice >= TASKS_MAX) {
      bad(`${String(choice)} is not a task index in [0, ${TASKS_MAX})`);
    }
  }
}

function decodeChoices(body: string, bad: (why: string) => never): number[] {
  const parts = body === '' ? [] : body.split('.');
  if (parts.length > STEPS_MAX) bad(`more than ${STEPS_MAX} steps`);
  const choices: number[] = [];
  for (const part of parts) {
    const choice = /^\d{1,2}$/.test(part) ? Number(part) : -1;
    if (choice < 0 || choice >= TASKS_MAX)
      bad(`'${part}' is not a task index in [0, ${TASKS_MAX})`);
    choices.push(choice);
  }
  return choices;
}
