/**
 * Which TypeScript semantics is held to which real kernel version, and the differences the
 * differential test expects between them. One entry per version: when a semantics named
 * after a version exists (`linux-6.1`, `linux-6.12`), map the version to it and its
 * expected differences become none (the test then demands 100% agreement).
 */

import type { Semantics } from '../../src/core/range.ts';
import {
  availableKernelModules,
  KERNEL_APT_COMMAND,
  KERNEL_BUILD_COMMAND,
} from '../../src/kernel/module.ts';

/** The TS semantics each real kernel series is compared with. */
export const SEMANTICS_FOR_SERIES: Readonly<Record<string, Semantics>> = {
  '6.1': 'linux-6.1',
  '6.12': 'linux-6.12',
};

/**
 * A class of disagreement the classifier knows (see `differential.ts`): each is the anchor
 * of a row of docs/semantics.md. Between the versions: `itree-on-list-failure` (the 2026
 * fix) and `secondary-tlb-at-end` (6.1's `invalidate_range` at every end); where `current`
 * (ours) differs from the kernel: `pairing-rows.ts`.
 */
export type DifferenceClass =
  | 'secondary-tlb-at-end'
  | 'failing-start-with-end'
  | 'nonblock-failure-ends'
  | 'blockable-failure'
  | 'itree-on-list-failure'
  | 'register-in-flight'
  | 'first-interval-in-flight'
  | 'secondary-tlb-exclusive';

/**
 * Expected differences per `<semantics>@<series>`; absent means none: each versioned
 * semantics (and the alias `kernel` = `linux-6.12`) must agree 100% with its version.
 */
export const EXPECTED_DIFFERENCES: Readonly<Record<string, readonly DifferenceClass[]>> = {
  // `current` keeps exact pairing where the kernel relies on rules (docs/semantics.md, ours).
  // (`nonblock-failure-ends` never shows here: a notifier with no start op counts as
  // started under `current` too, so the unwind's end of it is `current`'s end as well.)
  'current@6.1': [
    'failing-start-with-end',
    'blockable-failure',
    'itree-on-list-failure',
    'register-in-flight',
    'first-interval-in-flight',
    'secondary-tlb-at-end',
    'secondary-tlb-exclusive',
  ],
  'current@6.12': [
    'failing-start-with-end',
    'blockable-failure',
    'register-in-flight',
    'first-interval-in-flight',
    'secondary-tlb-exclusive',
  ],
};

/** The series whose modules are built, with the TS semantics each is compared with. */
export function builtSeries(): { series: string; version: string; semantics: Semantics }[] {
  return availableKernelModules().map((m) => ({
    series: m.series,
    version: m.version,
    semantics: SEMANTICS_FOR_SERIES[m.series] ?? 'kernel',
  }));
}

/** The skip reason when no module is built (node:test `skip`), or false. */
export function skipWithout(series?: string): string | false {
  const built = availableKernelModules().map((m) => m.series);
  const ok = series === undefined ? built.length > 0 : built.includes(series);
  if (ok) return false;
  const what =
    series === undefined ? 'no real kernel module' : `no real kernel module for ${series}`;
  return `${what} is built: run \`${KERNEL_APT_COMMAND}\` then \`${KERNEL_BUILD_COMMAND}\``;
}
