/**
 * The argument checks of `RealKernelCore` and the kernel's return codes as typed errors.
 * The module is wasm32: an `unsigned long` argument must fit in 32 bits.
 */

import { InvalidArgumentError, OverflowError, StateError } from '../errors.ts';
import { CALLBACK_BITS, KERNEL_ULONG_MAX } from './exports.ts';
import type { RealNotifierOps } from './types.ts';

/** A `-errno` of the kernel as a typed error (`-EOVERFLOW`, `-EINVAL`, else StateError). */
export function errnoError(what: string, ret: number): Error {
  if (ret === -75) return new OverflowError(`${what}: the kernel returned -EOVERFLOW`);
  if (ret === -22) return new InvalidArgumentError(`${what}: the kernel returned -EINVAL`);
  return new StateError(`${what}: the kernel returned ${ret}`);
}

/** Throws unless `value` is an integer in `[0, 2^32)`. */
export function checkUlong(value: unknown, what: string): asserts value is number {
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < 0 ||
    value > KERNEL_ULONG_MAX
  ) {
    throw new InvalidArgumentError(
      `${what} must be an integer in [0, 2^32) (wasm32), got ${String(value)}`,
    );
  }
}

/** The callback bits of `ops` for `dn_register`/`dn_get`. @throws InvalidArgumentError. */
export function maskOf(ops: RealNotifierOps | object, caller: string): number {
  if (typeof ops !== 'object' || ops === null) {
    throw new InvalidArgumentError(`${caller}: ops must be an object`);
  }
  let mask = 0;
  for (const [member, bit] of Object.entries(CALLBACK_BITS)) {
    const fn = (ops as Record<string, unknown>)[member];
    if (fn === undefined) continue;
    if (typeof fn !== 'function')
      throw new InvalidArgumentError(`${caller}: ops.${member} must be a function`);
    mask |= bit;
  }
  return mask;
}
