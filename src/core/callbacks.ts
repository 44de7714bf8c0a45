/**
 * How the walks treat what a callback did: a throw, a Promise where none may be, a failure.
 * Each helper reports the matching diagnostic and records the outcome in the in-flight
 * record; none of them throws. Internal to `src/core`.
 */

import type { CoreState } from './core-state.ts';
import type { InFlight } from './in-flight.ts';
import { describeRange, EAGAIN } from './range.ts';

/** True for a Promise or any thenable a callback returned. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** A callback threw: keep the error for the invalidator and report `callback-threw`. */
export function callbackThrew(
  core: CoreState,
  rec: InFlight,
  who: string,
  op: string,
  error: unknown,
): void {
  rec.addError(error);
  const message = error instanceof Error ? error.message : String(error);
  core.report('callback-threw', `${op} of '${who}' threw: ${message}`, who, rec.range);
}

/**
 * A callback returned a Promise in non-blockable mode: report `sleep-in-nonblock`, and make
 * sure its rejection is never unhandled (a late rejection is reported as `callback-threw`).
 */
export function sleepInNonblock(
  core: CoreState,
  rec: InFlight,
  who: string,
  op: string,
  promise: PromiseLike<unknown>,
): void {
  const range = rec.range;
  core.report(
    'sleep-in-nonblock',
    `${op} of '${who}' returned a Promise in non-blockable ${describeRange(range)}`,
    who,
    range,
  );
  Promise.resolve(promise).catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    core.report('callback-threw', `${op} of '${who}' rejected late: ${message}`, who, range);
  });
}

/**
 * A list notifier's start failed with `value` (EAGAIN, another value, or a Promise already
 * reported): mark the record failed and report what rule it broke.
 */
export function startFailed(
  core: CoreState,
  rec: InFlight,
  who: string,
  hasEnd: boolean,
  value: unknown,
  promise: boolean,
): void {
  const range = rec.range;
  rec.failed = true;
  // `ret = _ret`: an integer is passed through as the kernel's int; anything else is EAGAIN.
  rec.ret = !promise && typeof value === 'number' && Number.isInteger(value) ? value : EAGAIN;
  if (core.noting) core.note('notifier.fail', who, `${describeRange(range)}: ${String(value)}`);
  if (!promise && value !== EAGAIN) {
    core.report(
      'bad-return',
      `invalidateRangeStart of '${who}' returned ${String(value)} (only 0 or EAGAIN)`,
      who,
      range,
    );
  } else if (!promise && range.blockable) {
    core.report(
      'fail-in-blockable',
      `invalidateRangeStart of '${who}' returned EAGAIN in blockable ${describeRange(range)}`,
      who,
      range,
    );
  }
  if (hasEnd) {
    core.report(
      'failing-start-with-end',
      `'${who}' failed its start but has an invalidateRangeEnd (the kernel requires none)`,
      who,
      range,
    );
  }
}

/** Opens the list walk's SRCU read section once per record. Pairs with {@link srcuExit}. */
export function srcuEnter(core: CoreState, rec: InFlight): void {
  if (rec.srcuToken < 0) rec.srcuToken = core.srcu.readLock();
}

/** Closes the record's SRCU read section, if open. Pairs with {@link srcuEnter}. */
export function srcuExit(core: CoreState, rec: InFlight): void {
  if (rec.srcuToken >= 0) {
    const token = rec.srcuToken;
    rec.srcuToken = -1;
    core.srcu.readUnlock(token);
  }
}
