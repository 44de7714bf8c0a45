/**
 * The three semantics as strategies: which invalidation path runs (`current-path.ts`, ours,
 * or `kernel-path.ts`, v6.17 / v5.2 as they are) and what a subscription change during an
 * invalidation does. The interval walk (`itree-walk.ts`, two-pass included) is shared.
 * Every row where they differ, with the kernel function behind each cell, is in
 * `docs/semantics.md`; in short:
 *
 * | question                                   | `current` (ours)            | `kernel` (v6.17)                  | `legacy-2019` (v5.2; itree as v5.5-v5.11) |
 * |--------------------------------------------|-----------------------------|-----------------------------------|-------------------------------------|
 * | list walk                                  | snapshot: skips unlinked    | live (`hlist_for_each_entry_rcu`) | live                                |
 * | non-blockable start failed: who gets an end| exactly the recorded successes, now | every notifier with an end (unwind of `mn_hlist_invalidate_range_start`) | nobody: `unpaired-start` |
 * | blockable start failed                     | that one gets no end; the call succeeds | unwind, then the caller's end: ends twice | the caller's end reaches all |
 * | interval part when the list part fails     | unwound (`mn_itree_inv_end`)| left active: leaks (`__mmu_notifier_invalidate_range_start` returns) | left active |
 * | end                                        | the recorded successes still listed | every listed notifier with an end (`mn_hlist_invalidate_end`) | same as kernel |
 * | `has_itree` at end                          | as at start (the record)    | read at end: may decrement a count its start never took | same as kernel |
 * | first interval inserted mid-invalidation   | open ranges counted then    | `subscribe-in-flight`; their ends underflow `active` | same as kernel |
 * | end with no open start                     | diagnostic only             | diagnostic, then the kernel's whole end path | same as kernel                |
 *
 * A strategy is a small object; adding a semantics means adding one here.
 */

import { assertInternal } from '../errors.ts';
import type { CoreState } from './core-state.ts';
import { currentAdoptOpen, currentRangeEnd, currentRangeStart } from './current-path.ts';
import type { InFlight } from './in-flight.ts';
import { kernelRangeEnd, kernelRangeStart, kernelRegister } from './kernel-path.ts';
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
}

const current: SemanticsStrategy = {
  semantics: 'current',
  start: currentRangeStart,
  end: currentRangeEnd,
  endUnknown() {},
  onRegister() {},
  onFirstInterval: currentAdoptOpen,
};

const kernel: SemanticsStrategy = {
  semantics: 'kernel',
  start: (core, rec) => kernelRangeStart(core, rec, true),
  end: kernelRangeEnd,
  endUnknown: kernelRangeEnd,
  onRegister: (core) => kernelRegister(core, 'register'),
  onFirstInterval: (core) => kernelRegister(core, 'the first insertInterval'),
};

const legacy2019: SemanticsStrategy = {
  ...kernel,
  semantics: 'legacy-2019',
  start: (core, rec) => kernelRangeStart(core, rec, false),
};

const STRATEGIES: Readonly<Record<Semantics, SemanticsStrategy>> = {
  current,
  kernel,
  'legacy-2019': legacy2019,
};

/** The strategy of `semantics` (already validated by the caller). */
export function strategyFor(semantics: Semantics): SemanticsStrategy {
  const strategy = STRATEGIES[semantics];
  assertInternal(strategy !== undefined, `no strategy for semantics ${semantics}`);
  return strategy;
}

/** Every semantics, for validation. */
export const SEMANTICS: readonly Semantics[] = ['current', 'kernel', 'legacy-2019'];
