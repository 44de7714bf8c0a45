/**
 * What the monitors need to know about a secondary MMU (a "mirror"): the translations it
 * holds now, in the primary's address space, and which invalidations apply to it. The
 * mirrors follow `virt/kvm/kvm_main.c`, `drivers/infiniband/core/umem_odp.c` and
 * `lib/test_hmm.c`; the owner filter is `include/linux/mmu_notifier.h`'s `range->owner`.
 *
 * Every mirror of the model (KVM, the two ODP generations, the HMM dmirror) implements it,
 * so one set of coherence monitors (`monitors.ts`) covers them all.
 */

import type { MmuNotifierRange } from '../core/range.ts';

/** One translation a mirror holds: primary virtual address -> pfn. */
export interface MirrorMapping {
  /** The primary's (page-aligned) virtual address. */
  readonly addr: number;
  /** The page frame the mirror reaches through it. */
  readonly pfn: number;
  /** True when the mirror may write through it. */
  readonly writable: boolean;
}

/** A secondary MMU as the monitors see it. */
export interface Mirror {
  /** A name for findings (`kvm`, `odp`, `dmirror`). */
  readonly name: string;
  /** The mm's invalidation epoch when this mirror subscribed (earlier ones never reached it). */
  readonly attachEpoch: number;
  /** The translations held now (read without recording: monitors only). */
  mappings(): Iterable<MirrorMapping>;
  /** True when an invalidation of `range` must reach this mirror (owner filter, overlap). */
  isSubject(range: MmuNotifierRange): boolean;
  /** True while the mirror itself is moving `addr` (its own migration): coherence is its job. */
  isMigrating?(addr: number): boolean;
  /** Successful starts not yet ended, for list notifiers with an end (pairing). */
  openStarts?(): number;
  /**
   * The mirror's own counters that pair start with end (KVM's `mmu_invalidate_in_progress`),
   * checked against `idle` (no invalidation in flight on the primary): a message when broken.
   */
  balanceViolation?(idle: boolean): string | undefined;
}
