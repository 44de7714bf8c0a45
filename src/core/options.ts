/**
 * The options of the address space and of its subscribe calls, their limits, and their
 * validation (one error message shape: `AddressSpace: <option> must be ...`).
 */

import { InvalidArgumentError } from '../errors.ts';
import { isScheduler, type Scheduler } from '../sched/scheduler.ts';
import type { DiagnosticHook } from './diagnostics.ts';
import { checkName } from './ops.ts';
import { SEMANTICS, type Semantics } from './range.ts';

/** The kernel's limit on `subscription->users` (`UINT_MAX`). */
export const NOTIFIER_USERS_MAX = 0xffff_ffff;
/** The most list notifiers one address space holds. */
export const NOTIFIERS_MAX = 1 << 16;

/** Options of {@link AddressSpace}. */
export interface AddressSpaceOptions {
  /**
   * Which core to run; `current` by default. `linux-6.12` and `linux-6.1` follow Debian's
   * 6.12.118 and 6.1.192 `mm/mmu_notifier.c`; `kernel` is `linux-6.12` (see `SEMANTICS`).
   */
  readonly semantics?: Semantics;
  /** The scheduling seam; the event loop by default. */
  readonly scheduler?: Scheduler;
  /** A label for traces and diagnostics; `mm` by default. */
  readonly name?: string;
  /**
   * The contract monitor's hook: called synchronously once per diagnostic; must not throw
   * (see {@link DiagnosticHook}).
   */
  readonly onDiagnostic?: DiagnosticHook;
  /** The get/put limit ({@link NOTIFIER_USERS_MAX} by default; lower it to test the overflow). */
  readonly notifierUsersMax?: number;
}

/** Options of `register`, `get` and `insertInterval`. */
export interface SubscribeOptions<D> {
  /** A label for traces and diagnostics. */
  readonly name?: string;
  /** The caller's data, returned as `sub.data`. */
  readonly data?: D;
}

/** Validates the options object of `register`, `get` and `insertInterval`, and its name. */
export function checkSubscribeOptions(options: unknown, caller: string): void {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(`${caller}: options must be an object, got ${String(options)}`);
  }
  checkName((options as { readonly name?: unknown }).name, caller);
}

/** Validates {@link AddressSpaceOptions}. */
export function checkOptions(options: AddressSpaceOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('AddressSpace: options must be an object');
  }
  if (options.semantics !== undefined && !SEMANTICS.includes(options.semantics)) {
    throw new InvalidArgumentError(
      `AddressSpace: semantics must be one of ${SEMANTICS.join(', ')}, got ${String(options.semantics)}`,
    );
  }
  checkName(options.name, 'AddressSpace');
  if (options.scheduler !== undefined && !isScheduler(options.scheduler)) {
    throw new InvalidArgumentError(
      'AddressSpace: scheduler must be a Scheduler (point, access, kick, annotate, objectId, nonBlockStart, nonBlockEnd)',
    );
  }
  if (options.onDiagnostic !== undefined && typeof options.onDiagnostic !== 'function') {
    throw new InvalidArgumentError('AddressSpace: onDiagnostic must be a function');
  }
  const max = options.notifierUsersMax;
  if (max !== undefined && (!Number.isSafeInteger(max) || max < 1)) {
    throw new InvalidArgumentError('AddressSpace: notifierUsersMax must be a safe integer >= 1');
  }
}
