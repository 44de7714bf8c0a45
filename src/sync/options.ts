import type { Scheduler } from '../sched/scheduler.ts';

/** Options shared by every primitive of `sync/`. */
export interface SyncOptions {
  /** The scheduler the primitive parks through; the event loop by default. */
  readonly scheduler?: Scheduler;
  /** A label for traces and error messages (`umem_mutex`, `kvm->mmu_lock`). */
  readonly name?: string;
}
