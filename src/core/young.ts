/**
 * The young-bit queries and the secondary TLB flush: the kernel's
 * `__mmu_notifier_clear_flush_young`, `__mmu_notifier_clear_young`,
 * `__mmu_notifier_test_young` and `__mmu_notifier_arch_invalidate_secondary_tlbs`.
 * Synchronous live walks of the list (the kernel holds an SRCU read section; a synchronous
 * walk cannot interleave with a grace period here, so none is needed).
 */

import { InvalidArgumentError } from '../errors.ts';
import type { CoreState } from './core-state.ts';
import { checkAddress } from './range.ts';

function checkSpan(start: number, end: number, caller: string): void {
  checkAddress(start, `${caller}: start`);
  checkAddress(end, `${caller}: end`);
  if (start >= end) {
    throw new InvalidArgumentError(`${caller}: start must be < end, got [${start}, ${end})`);
  }
}

/** `__mmu_notifier_clear_flush_young`: ORs every notifier's answer. */
export function clearFlushYoung(core: CoreState, start: number, end: number): boolean {
  checkSpan(start, end, 'clearFlushYoung');
  let young = false;
  for (let sub = core.list.head; sub !== null; sub = sub.hnext) {
    if (sub.ops.clearFlushYoung?.(sub, core.mm, start, end)) young = true;
  }
  return young;
}

/** `__mmu_notifier_clear_young`: ORs every notifier's answer. */
export function clearYoung(core: CoreState, start: number, end: number): boolean {
  checkSpan(start, end, 'clearYoung');
  let young = false;
  for (let sub = core.list.head; sub !== null; sub = sub.hnext) {
    if (sub.ops.clearYoung?.(sub, core.mm, start, end)) young = true;
  }
  return young;
}

/** `__mmu_notifier_test_young`: stops at the first notifier that answers young. */
export function testYoung(core: CoreState, address: number): boolean {
  checkAddress(address, 'testYoung: address');
  for (let sub = core.list.head; sub !== null; sub = sub.hnext) {
    if (sub.ops.testYoung?.(sub, core.mm, address)) return true;
  }
  return false;
}

/** `__mmu_notifier_arch_invalidate_secondary_tlbs`: every notifier's flush of `[start, end)`. */
export function archInvalidateSecondaryTlbs(core: CoreState, start: number, end: number): void {
  checkSpan(start, end, 'archInvalidateSecondaryTlbs');
  for (let sub = core.list.head; sub !== null; sub = sub.hnext) {
    sub.ops.archInvalidateSecondaryTlbs?.(sub, core.mm, start, end);
  }
}
