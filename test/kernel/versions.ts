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

/** A class of disagreement the classifier knows (see `differential.ts`). */
export type DifferenceClass =
  | 'nonblock-list-failure-ends-itree'
  | 'secondary-tlbs-at-end'
  // rows of docs/semantics.md where `current` (ours) differs from the kernel: pairing-rows.ts
  | 'failing-start-with-end'
  | 'nonblock-failure-ends'
  | 'blockable-failure'
  | 'itree-on-list-failure'
  | 'register-in-flight'
  | 'first-interval-in-flight'
  | 'secondary-tlb-exclusive';

/**
 * Expected differences per `<semantics>@<series>`; absent means none. `kernel` follows
 * v6.17-rc3, which lacks the stable fix "mm/mmu_notifier: finish non-blockable interval
 * invalidation on error" that Debian's 6.12.118 carries; and 6.1 still has the
 * `invalidate_range` callback (v6.6 replaced it by `arch_invalidate_secondary_tlbs`), which
 * every range end calls as well.
 */
export const EXPECTED_DIFFERENCES: Readonly<Record<string, readonly DifferenceClass[]>> = {
  // `current` keeps exact pairing where the kernel relies on rules (docs/semantics.md, ours).
  // (`nonblock-failure-ends` shows only through its failing notifiers here: a notifier with
  // no start op counts as started under `current` too.)
  'current@6.1': [
    'failing-start-with-end',
    'blockable-failure',
    'itree-on-list-failure',
    'register-in-flight',
    'first-interval-in-flight',
    'secondary-tlbs-at-end',
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
