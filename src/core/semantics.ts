/**
 * The semantics as strategies: which invalidation path runs (`current-path.ts`, ours, or
 * `kernel-path.ts` with one kernel version's lines) and what a subscription change during an
 * invalidation does. The interval walk (`itree-walk.ts`, two-pass included) is shared.
 * Every row where they differ, with the kernel function and version behind each cell, is in
 * `docs/semantics.md`; in short:
 *
 * | question                                   | `current` (ours)            | `linux-6.12` (6.12.118; `kernel`) | `linux-6.1` (6.1.192) | `legacy-2019` (v5.2; itree v5.5-v5.11) |
 * |--------------------------------------------|-----------------------------|-----------------------------------|-----------------------|----------------------------------------|
 * | list walk                                  | snapshot: skips unlinked    | live (`hlist_for_each_entry_rcu`) | live                  | live                                   |
 * | non-blockable start failed: who gets an end| exactly the recorded successes, now | every notifier with an end (unwind of `mn_hlist_invalidate_range_start`) | same as 6.12 | nobody: `unpaired-start` |
 * | blockable start failed                     | that one gets no end; the call succeeds | unwind, then the caller's end: ends twice | same as 6.12 | the caller's end reaches all |
 * | interval part when the list part fails     | unwound (`mn_itree_inv_end`)| unwound (the 2026 fix in `__mmu_notifier_invalidate_range_start`) | left active: leaks | left active |
 * | end                                        | the recorded successes still listed | every listed notifier with an end (`mn_hlist_invalidate_end`) | same, `invalidate_range` first | as 6.1 |
 * | secondary-TLB callback with start/end      | refused (`-EINVAL`, as 6.12)| refused (`__mmu_notifier_register`) | accepted            | accepted                               |
 * | `has_itree` at end                          | as at start (the record)    | read at end: may decrement a count its start never took | same | same |
 * | first interval inserted mid-invalidation   | open ranges counted then    | `subscribe-in-flight`; their ends underflow `active` | same | same |
 * | end with no open start                     | diagnostic only             | diagnostic, then the kernel's whole end path | same | same |
 *
 * `kernel` is an alias of the newest versioned semantics (`linux-6.12`). A strategy is a
 * small object; adding a semantics (or a kernel version) means adding one here.
 */

import { assertInternal } from '../errors.ts';
import type { CoreState } from './core-state.ts';
import { currentAdoptOpen, currentRangeEnd, currentRangeStart } from './current-path.ts';
import type { InFlight } from './in-flight.ts';
import {
  type KernelVersion,
  kernelRangeEnd,
  kernelRangeStart,
  kernelRegister,
  LEGACY_2019,
  LINUX_6_1,
  LINUX_6_12,
} from './kernel-path.ts';
import type { Semantics } from './range.ts';

/** How one semantics runs an invalidation. Internal to `src/core`. */
export interface SemanticsStrategy {
  /** The semantics' name. */
  readonly semantics: Semantics;
  /** `__mmu_notifier_invalidate_range_start` on an acquired record: 0 or the failure. */
  start(core: CoreState, rec: InFlight): number | Promise<number>;
  /** `__mmu_notifier_invalidate_range_end` for an open record in state `ending`. */
  end(core: CoreState, rec: InFlight): void | Promise<void>;
  /** The end of a range with no open record (after the diagnostic). */
  endUnknown(core: CoreState, rec: InFlight): void | Promise<void>;
  /** A list notifier is registered (`__mmu_notifier_register`). */
  onRegister(core: CoreState): void;
  /** The first interval is inserted (`register(NULL)`, then `has_itree = true`). */
  onFirstInterval(core: CoreState): void;
  /**
   * `__mmu_notifier_register` refuses ops combining the secondary-TLB callback with
   * `invalidate_range_start`/`end` (v6.6 on; not in 6.1.192 nor v5.2).
   */
  readonly secondaryTlbsExclusive: boolean;
}

const current: SemanticsStrategy = {
  semantics: 'current',
  start: currentRangeStart,
  end: currentRangeEnd,
  endUnknown() {},
  onRegister() {},
  onFirstInterval: currentAdoptOpen,
  secondaryTlbsExclusive: true,
};

/** The strategy that runs `kernel-path.ts` with the lines of version `v`. */
function kernelStrategy(semantics: Semantics, v: KernelVersion): SemanticsStrategy {
  return {
    semantics,
    start: (core, rec) => kernelRangeStart(core, rec, v),
    end: (core, rec) => kernelRangeEnd(core, rec, v),
    endUnknown: (core, rec) => kernelRangeEnd(core, rec, v),
    onRegister: (core) => kernelRegister(core, 'register'),
    onFirstInterval: (core) => kernelRegister(core, 'the first insertInterval'),
    secondaryTlbsExclusive: v.secondaryTlbsExclusive,
  };
}

const STRATEGIES: Readonly<Record<Semantics, SemanticsStrategy>> = {
  current,
  'linux-6.12': kernelStrategy('linux-6.12', LINUX_6_12),
  'linux-6.1': kernelStrategy('linux-6.1', LINUX_6_1),
  kernel: kernelStrategy('kernel', LINUX_6_12),
  'legacy-2019': kernelStrategy('legacy-2019', LEGACY_2019),
};

/** The strategy of `semantics` (already validated by the caller). */
export function strategyFor(semantics: Semantics): SemanticsStrategy {
  const strategy = STRATEGIES[semantics];
  assertInternal(strategy !== undefined, `no strategy for semantics ${semantics}`);
  return strategy;
}
