/**
 * The common stage of the library's scenarios: one process (`Mm`) on the run's core, with the
 * model's monitors watching the mirrors the scenario attaches, and small helpers to state
 * expected outcomes. Everything is built from the `World`, so it runs under the checker.
 */

import type { World } from '../check/world.ts';
import type { DiagnosticKind } from '../core/diagnostics.ts';
import { StateError } from '../errors.ts';
import type { Mirror } from '../model/mirror.ts';
import { Mm } from '../model/mm.ts';
import { installMonitors } from '../model/monitors.ts';
import { PAGE_SIZE } from '../model/page-alloc.ts';
import type { Prot } from '../model/vma.ts';

/** Where the scenarios map their buffers (page aligned, away from 0). */
export const BASE = 0x10_0000;

/** `PROT_READ | PROT_WRITE`. */
export const RW: Prot = { read: true, write: true };
/** `PROT_READ`. */
export const RO: Prot = { read: true, write: false };
/** `PROT_NONE`. */
export const NONE: Prot = { read: false, write: false };

/** The address of page `i` of the buffer at {@link BASE}. */
export function page(i: number): number {
  return BASE + i * PAGE_SIZE;
}

/** The stage: the process and the mirrors its monitors watch. */
export interface Stage {
  /** The process. */
  readonly mm: Mm;
  /** Adds a mirror to the monitors (they read this list live). */
  watch<M extends Mirror>(mirror: M): M;
}

/** Options of {@link stage}. */
export interface StageOptions {
  /** Contract diagnostics that are not findings here (see `world.addressSpace`). */
  readonly tolerate?: readonly DiagnosticKind[];
  /** Install the model's monitors (default true; tests turn them off to reach other oracles). */
  readonly monitors?: boolean;
}

/** A process on the run's core, with the model's monitors installed. */
export function stage(world: World, options: StageOptions = {}): Stage {
  // No object spread: once per run, spreads sent the checker's young generation into V8's
  // fast promotion (every run's objects promoted, then mark-compacted: `--trace-gc-nvp`).
  const tolerate = options.tolerate;
  const as = world.addressSpace(tolerate === undefined ? { name: 'mm' } : { name: 'mm', tolerate });
  const mm = new Mm(as, { scheduler: world.scheduler, name: 'mm' });
  const mirrors: Mirror[] = [];
  if (options.monitors !== false) installMonitors(world, mm, mirrors);
  return {
    mm,
    watch<M extends Mirror>(mirror: M): M {
      mirrors.push(mirror);
      return mirror;
    },
  };
}

/** Throws a {@link StateError} naming `what` unless `actual` equals `expected` (a selftest's `ASSERT_EQ`). */
export function assertEq(actual: unknown, expected: unknown, what: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new StateError(`${what}: expected ${e}, got ${a}`);
}

/** Throws unless `cond` holds (a selftest's `ASSERT_TRUE`). */
export function assertThat(cond: boolean, what: string): void {
  if (!cond) throw new StateError(`assertion failed: ${what}`);
}
