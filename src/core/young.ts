/**
 * The young-bit queries and the secondary TLB flush: the kernel's
 * `__mmu_notifier_clear_flush_young`, `__mmu_notifier_clear_young`,
 * `__mmu_notifier_test_young` and `__mmu_notifier_arch_invalidate_secondary_tlbs`.
 * Synchronous live walks of the list (the kernel holds an SRCU read section; a synchronous
 * walk cannot interleave with a grace period here, so none is needed). A callback that
 * throws is reported (`callback-threw`) and the walk goes on, so every other secondary MMU
 * still clears its bits or flushes its TLB; the error is rethrown after the walk.
 */

import { InvalidArgumentError } from '../errors.ts';
import type { CoreState } from './core-state.ts';
import { checkAddress } from './range.ts';
import type { Subscription } from './subscription.ts';

function checkSpan(start: number, end: number, caller: string): void {
  checkAddress(start, `${caller}: start`);
  checkAddress(end, `${caller}: end`);
  if (start >= end) {
    throw new InvalidArgumentError(`${caller}: start must be < end, got [${start}, ${end})`);
  }
}

/** Reports a callback's throw and adds the error to the walk's list (returned). */
function threw(
  core: CoreState,
  sub: Subscription<unknown>,
  op: string,
  errors: unknown[] | null,
  error: unknown,
): unknown[] {
  const message = error instanceof Error ? error.message : String(error);
  core.report('callback-threw', `${op} of '${sub.name}' threw: ${message}`, sub.name);
  if (errors === null) return [error];
  errors.push(error);
  return errors;
}

/** Rethrows what the walk's callbacks threw (several: an `AggregateError`). */
function rethrow(errors: unknown[] | null, op: string): void {
  if (errors === null) return;
  if (errors.length === 1) throw errors[0];
  throw new AggregateError(errors, `${errors.length} ${op} callbacks threw`);
}

/**
 * One notifier's young answer as a boolean. The kernel's callbacks return an int (non-zero:
 * young), so numbers count by truthiness; a Promise is a sleep where the kernel may not sleep
 * (`sleep-in-nonblock`) and anything else a `bad-return`; both count as not young.
 */
function youngAnswer(core: CoreState, sub: Subscription<unknown>, op: string, answer: unknown) {
  if (answer === undefined || typeof answer === 'boolean') return answer === true;
  if (typeof answer === 'number') return answer !== 0;
  if (answer instanceof Promise) {
    answer.catch(() => {});
    core.report('sleep-in-nonblock', `${op} of '${sub.name}' returned a Promise`, sub.name);
  } else {
    core.report('bad-return', `${op} of '${sub.name}' returned ${String(answer)}`, sub.name);
  }
  return false;
}

/** The OR-ing walk of `__mmu_notifier_clear_flush_young` and `__mmu_notifier_clear_young`. */
function clearWalk(
  core: CoreState,
  op: 'clearFlushYoung' | 'clearYoung',
  start: number,
  end: number,
): boolean {
  checkSpan(start, end, op);
  let young = false;
  let errors: unknown[] | null = null;
  for (let sub = core.list.head; sub !== null; sub = sub.hnext) {
    try {
      const answer: unknown = sub.ops[op]?.(sub, core.mm, start, end);
      if (youngAnswer(core, sub, op, answer)) young = true;
    } catch (error) {
      errors = threw(core, sub, op, errors, error);
    }
  }
  rethrow(errors, op);
  return young;
}

/** `__mmu_notifier_clear_flush_young`: ORs every notifier's answer. */
export function clearFlushYoung(core: CoreState, start: number, end: number): boolean {
  return clearWalk(core, 'clearFlushYoung', start, end);
}

/** `__mmu_notifier_clear_young`: ORs every notifier's answer. */
export function clearYoung(core: CoreState, start: number, end: number): boolean {
  return clearWalk(core, 'clearYoung', start, end);
}

/** `__mmu_notifier_test_young`: stops at the first notifier that answers young. */
export function testYoung(core: CoreState, address: number): boolean {
  checkAddress(address, 'testYoung: address');
  let young = false;
  let errors: unknown[] | null = null;
  for (let sub = core.list.head; sub !== null && !young; sub = sub.hnext) {
    try {
      const answer: unknown = sub.ops.testYoung?.(sub, core.mm, address);
      if (youngAnswer(core, sub, 'testYoung', answer)) young = true;
    } catch (error) {
      errors = threw(core, sub, 'testYoung', errors, error);
    }
  }
  rethrow(errors, 'testYoung');
  return young;
}

/** `__mmu_notifier_arch_invalidate_secondary_tlbs`: every notifier's flush of `[start, end)`. */
export function archInvalidateSecondaryTlbs(core: CoreState, start: number, end: number): void {
  checkSpan(start, end, 'archInvalidateSecondaryTlbs');
  let errors: unknown[] | null = null;
  for (let sub = core.list.head; sub !== null; sub = sub.hnext) {
    try {
      sub.ops.archInvalidateSecondaryTlbs?.(sub, core.mm, start, end);
    } catch (error) {
      errors = threw(core, sub, 'archInvalidateSecondaryTlbs', errors, error);
    }
  }
  rethrow(errors, 'archInvalidateSecondaryTlbs');
}
