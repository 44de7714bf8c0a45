/**
 * Typed errors of the library. Every error the library throws for a caller's mistake or a
 * broken contract is a {@link MmuNotifierError} with a stable `code`, so callers and the CLI
 * can tell them apart without parsing messages.
 *
 * Two families are kept apart on purpose (TigerBeetle style): errors that blame the caller
 * or the model (`EINVAL`, `ESTATE`, `EATOMIC`, ...) and {@link InternalError}, which says
 * the library itself is wrong.
 */

/** Codes carried by {@link MmuNotifierError}. */
export type ErrorCode =
  | 'EINVAL'
  | 'ESTATE'
  | 'EATOMIC'
  | 'ELOCK'
  | 'EOVERFLOW'
  | 'ERELEASED'
  | 'EOUTSIDE'
  | 'ESETUP'
  | 'ENOKERNEL'
  | 'ESLEEP'
  | 'EBUG'
  | 'EQUEUE'
  | 'EINTERNAL';

/** Base class of every error the library throws on purpose. */
export class MmuNotifierError extends Error {
  /** A stable code naming the kind of problem. */
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A bad argument: a malformed range, an op that is not a function, a bad option value. */
export class InvalidArgumentError extends MmuNotifierError {
  constructor(message: string) {
    super('EINVAL', message);
  }
}

/** An operation that is not allowed in the object's current state (e.g. unregistering twice). */
export class StateError extends MmuNotifierError {
  constructor(message: string) {
    super('ESTATE', message);
  }
}

/**
 * Sleeping in atomic context: a scheduling point reached inside a non-blockable section
 * (the kernel's `non_block_start()`) or while a spin lock is held. The TypeScript form of
 * the kernel's "BUG: sleeping function called from invalid context".
 */
export class SleepInAtomicError extends MmuNotifierError {
  constructor(message: string) {
    super('EATOMIC', message);
  }
}

/** Misuse of a lock: unlocking a lock that is not held, holding a spin lock across an await. */
export class LockStateError extends MmuNotifierError {
  constructor(message: string) {
    super('ELOCK', message);
  }
}

/** A count or a size past its limit (the kernel's `-EOVERFLOW`). */
export class OverflowError extends MmuNotifierError {
  constructor(message: string) {
    super('EOVERFLOW', message);
  }
}

/** Using an address space after its `release()` (exit_mmap): the mm is gone. */
export class ReleasedError extends MmuNotifierError {
  constructor(message: string) {
    super('ERELEASED', message);
  }
}

/**
 * A scenario's `setup` threw (or blocked): a mistake in the scenario itself, not a finding
 * about the code it checks. `check()` rejects with it; the CLI prints its one line (which
 * names the file and line of the scenario that threw) and exits 2. The original error is
 * the `cause`.
 */
export class ScenarioSetupError extends MmuNotifierError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ESETUP', message, options);
  }
}

/**
 * The real kernel module of a version is not built (`npm run kernel` builds it from Debian's
 * `linux-source-<v>` package), or cannot be loaded.
 */
export class KernelModuleMissingError extends MmuNotifierError {
  constructor(message: string) {
    super('ENOKERNEL', message);
  }
}

/** Where the real kernel code reported something: its file and line (`mm/mmu_notifier.c:201`). */
export interface KernelSite {
  /** The kernel source file, relative to the tree (`mm/mmu_notifier.c`). */
  readonly file: string;
  /** The line in that file. */
  readonly line: number;
  /** The condition or the wait, as written in the source. */
  readonly condition: string;
}

/**
 * The real kernel code reached a wait whose condition is false (`wait_event` in
 * `mmu_interval_read_begin` / `mmu_interval_notifier_remove`, `synchronize_srcu` inside a read
 * section, `mm_take_all_locks` inside an invalidation): with one thread it can never be woken.
 * The call stopped there; the module stays usable (see `RealKernelCore`).
 */
export class KernelWouldSleepError extends MmuNotifierError {
  /** The wait's site. */
  readonly site: KernelSite;
  constructor(message: string, site: KernelSite) {
    super('ESLEEP', message);
    this.site = site;
  }
}

/** The real kernel code hit a `BUG_ON` (it would oops); the module is dead after it. */
export class KernelBugError extends MmuNotifierError {
  /** The BUG_ON's site. */
  readonly site: KernelSite;
  constructor(message: string, site: KernelSite) {
    super('EBUG', message);
    this.site = site;
  }
}

/** What went wrong with a distributed run's queue (`mmu-notifier check --queue`, `worker`). */
export type QueueErrorReason =
  | 'bad-url'
  | 'unreachable'
  | 'run-mismatch'
  | 'worker-load'
  | 'job-failed';

/**
 * A distributed run (`src/queue/`) cannot go on: a `--queue` URL that is not a Redis URL
 * (`bad-url`), a Redis server that does not answer (`unreachable`), a `--run` id whose stored
 * scenario or options differ from the command's (`run-mismatch`), a worker that cannot load
 * the run's scenario (`worker-load`, naming the worker), a job that failed for good
 * (`job-failed`). The message says which and what to do; `reason` says it to a program.
 */
export class QueueError extends MmuNotifierError {
  /** Which of the failures above. */
  readonly reason: QueueErrorReason;
  constructor(reason: QueueErrorReason, message: string, options?: { cause?: unknown }) {
    super('EQUEUE', message, options);
    this.reason = reason;
  }
}

/** A defect of this library, not of its caller. Please report it. */
export class InternalError extends MmuNotifierError {
  constructor(message: string) {
    super('EINTERNAL', `internal error (a bug in mmu-notifier, not in your code): ${message}`);
  }
}

/** Asserts an internal invariant; a failure is an {@link InternalError}. */
export function assertInternal(condition: unknown, message: string): asserts condition {
  if (!condition) throw new InternalError(message);
}
