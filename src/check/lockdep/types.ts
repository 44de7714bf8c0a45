/**
 * The public shape of a lock-validation report (`Finding.lockdep`): what lockdep prints as
 * "the existing dependency chain", "held locks" and the lock being acquired, as data.
 */

/** The reports of the lock validator. */
export type LockdepReportKind =
  /** A cycle in the dependency graph: lockdep's "possible circular locking dependency". */
  | 'circular'
  /** A class acquired while a lock of it is held: "possible recursive locking". */
  | 'recursive'
  /** A task ended holding locks: "lock held when returning to user space" / at exit. */
  | 'held-at-exit'
  /** A release of a lock the task does not hold: "bad unlock balance detected". */
  | 'bad-unlock';

/** One acquisition as a report names it. */
export interface LockdepLock {
  /** The class (`lock_class_key`): the name, or the primitive's `lockClass` option. */
  readonly lockClass: string;
  /** The instance's name. */
  readonly name: string;
  /** The operation (`mutex.lock`, `rwsem.down_read`, `lock_map_acquire`). */
  readonly op: string;
  /** The step of its run during which it was taken. */
  readonly step: number;
  /** Where it was taken: `file:line` of the first frame outside the library, or ''. */
  readonly site: string;
}

/** One dependency: `task` held `held` while acquiring `acquired`, in the run `schedule`. */
export interface LockdepLink {
  /** The task. */
  readonly task: string;
  /** The lock it held. */
  readonly held: LockdepLock;
  /** The lock it acquired. */
  readonly acquired: LockdepLock;
  /**
   * The schedule that replays the run where it was seen: the finding's own schedule, or (for
   * a dependency of another run) that run's choices up to the acquiring step.
   */
  readonly schedule: string;
}

/** A lock-validation report, attached to a `lock-order` or `lockdep` finding. */
export interface LockdepReport {
  /** Which report. */
  readonly kind: LockdepReportKind;
  /** The task the report is about (the one acquiring, ending or releasing). */
  readonly task: string;
  /** The classes of the cycle, from the lock acquired back to it (circular, recursive). */
  readonly cycle: readonly string[];
  /**
   * For `circular`: chain 0 is the new dependency (this run), chain 1 the existing one that
   * it closes (each link with the schedule of its run). Empty for the other kinds.
   */
  readonly chains: readonly (readonly LockdepLink[])[];
  /** The locks the task held at the report, outermost first. */
  readonly held: readonly LockdepLock[];
  /** The lock acquired or released (recursive, bad-unlock, circular), if any. */
  readonly lock?: LockdepLock;
}
