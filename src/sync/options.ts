import { InvalidArgumentError } from '../errors.ts';
import { isScheduler, type Scheduler } from '../sched/scheduler.ts';

/** Options shared by every primitive of `sync/`. */
export interface SyncOptions {
  /** The scheduler the primitive parks through; the event loop by default. */
  readonly scheduler?: Scheduler;
  /** A label for traces and error messages (`umem_mutex`, `kvm->mmu_lock`). */
  readonly name?: string;
  /**
   * The lock class the validator records dependencies under (the kernel's `lock_class_key`);
   * the name by default. Locks only (not cells, queues or SRCU).
   */
  readonly lockClass?: string;
}

/**
 * Validates {@link SyncOptions} for the primitive `what` (`Mutex`, `SpinLock`...).
 * @throws InvalidArgumentError for a non-object, a scheduler that is not one, a non-string name.
 */
export function checkSyncOptions(options: unknown, what: string): asserts options is SyncOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(`${what}: options must be an object, got ${String(options)}`);
  }
  const { scheduler, name, lockClass } = options as {
    readonly scheduler?: unknown;
    readonly name?: unknown;
    readonly lockClass?: unknown;
  };
  if (scheduler !== undefined && !isScheduler(scheduler)) {
    throw new InvalidArgumentError(`${what}: options.scheduler must be a Scheduler`);
  }
  if (name !== undefined && typeof name !== 'string') {
    throw new InvalidArgumentError(`${what}: options.name must be a string, got ${typeof name}`);
  }
  if (lockClass !== undefined && (typeof lockClass !== 'string' || lockClass === '')) {
    throw new InvalidArgumentError(
      `${what}: options.lockClass must be a non-empty string, got ${String(lockClass)}`,
    );
  }
}
