/**
 * The plain data types of the primary MMU (`mm.ts`): page table entries, device pagemaps and
 * the records of invalidations in flight that the monitors read.
 */

import type { MmuNotifierRange } from '../core/range.ts';
import type { Mm } from './mm.ts';

/** A page table entry. A `device` owner marks a device-private swap entry (`ZONE_DEVICE`). */
export interface Pte {
  /** The page frame mapped (a device page for a device-private entry). */
  readonly pfn: number;
  /** Writable by the process. */
  writable: boolean;
  /** The accessed bit. */
  young: boolean;
  /** The dirty bit. */
  dirty: boolean;
  /** The `pgmap->owner` of a device-private entry; absent for a present system page. */
  readonly device?: unknown;
}

/** A device that owns device-private pages: its `dev_pagemap_ops.migrate_to_ram`. */
export interface DevicePagemap {
  /** The `pgmap->owner`. */
  readonly owner: unknown;
  /** Called from a CPU fault on one of its device-private entries; returns the new pfn or -errno. */
  migrateToRam(mm: Mm, addr: number): Promise<number>;
}

/** One invalidation in flight, as the monitors see it. */
export interface InflightInvalidation {
  /** The range object given to the core (its end gets the same object). */
  readonly range: MmuNotifierRange;
  /** `starting` until the core's start returned; `started` until end is called; then `ending`. */
  phase: 'starting' | 'started' | 'ending';
  /** Invalidations begun on this mm before this one (to tell mirrors attached later). */
  readonly epoch: number;
  /** The operation that runs it (`munmap`, `oom_reaper`, ...). */
  readonly by: string;
}
