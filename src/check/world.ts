/**
 * What a scenario sees: {@link World}, handed to `setup(world)` once per run, and
 * {@link defineScenario}. Everything the world hands out is bound to the run's controlled
 * scheduler, so `sync/` primitives and the core run under the checker unchanged.
 *
 * A scenario's `setup` must build all of its state from `world` (a fresh world per run:
 * the search is stateless, it re-runs the scenario from scratch for every schedule), must
 * not block (no scheduling point outside a task), and must be deterministic: randomness
 * comes from `world.random()`, never `Math.random`.
 */

import { AddressSpace, type AddressSpaceOptions } from '../core/address-space.ts';
import type { Diagnostic, DiagnosticKind } from '../core/diagnostics.ts';
import type { NotifierSubscriptions } from '../core/notifier-subscriptions.ts';
import type { Semantics } from '../core/range.ts';
import { InvalidArgumentError } from '../errors.ts';
import { FiberKernelCore } from '../kernel/fiber/fiber-core.ts';
import { RealAddressSpace } from '../kernel/fiber/real-address-space.ts';
import { type KernelModule, loadFiberKernelModule } from '../kernel/module.ts';

/** The fiber builds looked up so far, by the version asked (one manifest read per process). */
const fiberModules = new Map<string, KernelModule>();

import { mightSleep, type Scheduler, yieldNow } from '../sched/scheduler.ts';
import { Mutex } from '../sync/mutex.ts';
import type { SyncOptions } from '../sync/options.ts';
import { RwSemaphore } from '../sync/rwsem.ts';
import { Shared } from '../sync/shared.ts';
import { SpinLock } from '../sync/spinlock.ts';
import { Srcu } from '../sync/srcu.ts';
import { WaitQueue } from '../sync/wait-queue.ts';
import type { ControlledScheduler } from './controlled-scheduler.ts';
import {
  CORE_ENGINES,
  type CoreEngine,
  type NotifierCore,
  realSeriesOf,
  TypeScriptCore,
} from './notifier-core.ts';
import { SeededRandom } from './prng.ts';

/** A scenario: a name and a `setup` that builds the state and spawns the tasks. */
export interface Scenario {
  /** A short name, for reports (`seed-2019`, `lost-update`). */
  readonly name: string;
  /** What the scenario shows, for reports. */
  readonly description?: string;
  /** Builds the run's state from `world` and spawns its tasks; called once per run. */
  setup(world: World): void | Promise<void>;
}

/** The scenario's view of one run (see the module comment). */
export interface World {
  /** The run's controlled scheduler, for code that takes a `Scheduler`. */
  readonly scheduler: Scheduler;
  /** The semantics the check runs under (the `semantics` option, default `current`). */
  readonly semantics: Semantics;
  /**
   * Adds a task, parked at a `spawn` point until the checker first chooses it.
   * @throws InvalidArgumentError for an empty name, a name already given to a task of this
   * run, or a `fn` that is not a function.
   */
  spawn(name: string, fn: () => unknown): void;
  /**
   * A sleeping lock (`struct mutex`) under this run's scheduler. Its lock class (what the
   * lock validator records orders under) is its name unless `options.lockClass` says.
   */
  mutex(name?: string, options?: LockClassOption): Mutex;
  /** A spin lock (`spinlock_t`) under this run's scheduler (class as for `mutex`). */
  spinLock(name?: string, options?: LockClassOption): SpinLock;
  /** A wait queue (`wait_queue_head_t`) under this run's scheduler. */
  waitQueue(name?: string): WaitQueue;
  /** An SRCU domain (`struct srcu_struct`) under this run's scheduler. */
  srcu(name?: string): Srcu;
  /** A reader/writer semaphore (`struct rw_semaphore`) under this run's scheduler (class as for `mutex`). */
  rwsem(name?: string, options?: LockClassOption): RwSemaphore;
  /** A shared cell: `load()`/`store()` are scheduling points, `.value` is not. */
  shared<T>(initial: T, name?: string): Shared<T>;
  /**
   * An explicit scheduling point in a retry loop (`cpu_relax()`, `cond_resched()` in a
   * spin-wait): "I cannot progress until another task does". The fair search holds a task
   * that yields twice while another could run and did not back until that one has run.
   */
  yieldNow(): Promise<void>;
  /**
   * A scheduling point where the task may sleep while it makes progress (a device command,
   * `cond_resched()` in a long walk); fairness ignores it.
   */
  mightSleep(): Promise<void>;
  /**
   * The core under this run's scheduler: semantics default to `world.semantics`; every
   * diagnostic is a `contract` finding (and is passed on to `options.onDiagnostic`).
   * `options.core` (default {@link World.core}, the check option `core`, CLI `--core`) picks
   * the engine: `'typescript'` (an {@link AddressSpace}) or `'real'`, the compiled
   * `mm/mmu_notifier.c` of the semantics' version (`linux-6.1` → 6.1.192, `linux-6.12` and
   * `kernel` → 6.12.118) as a `RealAddressSpace`, whose WARN_ON/BUG_ON are the findings.
   * The kernel model (`new Mm(world.addressSpace())`) runs unchanged on either.
   * @throws InvalidArgumentError for `core: 'real'` with `current` or `legacy-2019`;
   * KernelModuleMissingError when the real module is not built.
   */
  addressSpace(options: WorldAddressSpaceOptions & { readonly core: 'typescript' }): AddressSpace;
  addressSpace(options?: WorldAddressSpaceOptions): NotifierSubscriptions;
  /**
   * The real `mm/mmu_notifier.c` of a Debian kernel (`6.1`, `6.12` or an exact version; the
   * fiber build of `npm run kernel`) as one address space under this run's scheduler: every
   * lock, wait, wake, SRCU section and callback of the C code is a scheduling point. Calls in
   * `setup` run without parking. A WARN_ON or BUG_ON of the kernel is a `contract` finding.
   * @throws KernelModuleMissingError naming `npm run kernel` when the fiber build is missing.
   */
  realCore(version: string, options?: { readonly name?: string }): FiberKernelCore;
  /** The engine of {@link World.notifierCore} (the check option `core`, default `typescript`). */
  readonly core: CoreEngine;
  /**
   * One address space on the run's engine (the check option `core`, CLI `--core`): the
   * TypeScript core under `world.semantics`, or the real compiled code of that semantics'
   * version (`world.realCore`). A scenario written on it runs unchanged on either.
   * @throws InvalidArgumentError for `core: 'real'` with `current` or `legacy-2019`;
   * KernelModuleMissingError when the real module is not built.
   */
  notifierCore(options?: { readonly name?: string }): NotifierCore;
  /** A float in [0, 1) from the run's seeded generator (same seed, same sequence). */
  random(): number;
  /**
   * Checks `predicate` in the initial state (after setup), after every step and at the end;
   * false or a throw is a finding.
   */
  invariant(name: string, predicate: () => boolean): void;
  /** Runs `fn` once every task has ended; a throw is a finding. */
  finally(fn: () => void | Promise<void>): void;
}

/** The lock class of a world lock: several instances sharing one class (`lock_class_key`). */
export interface LockClassOption {
  /** The class name; the lock's name by default. */
  readonly lockClass?: string;
}

/** Options of `world.addressSpace()`: the core's, without the scheduler (the run's). */
export interface WorldAddressSpaceOptions extends Omit<AddressSpaceOptions, 'scheduler'> {
  /** The engine (default: the run's, {@link World.core}). */
  readonly core?: CoreEngine;
  /**
   * Diagnostic kinds that are not findings in this scenario (they still reach the trace, as
   * the core notes them, and `onDiagnostic`): for a scenario that reproduces a subscriber the
   * kernel warns about on purpose, as the seed thread's B (a failing start with an end).
   */
  readonly tolerate?: readonly DiagnosticKind[];
}

/** An invariant registered by a scenario. */
export interface InvariantEntry {
  /** Its name, quoted in the finding. */
  readonly name: string;
  /** True while it holds. */
  readonly predicate: () => boolean;
}

/**
 * Declares a scenario (an identity function that checks its shape).
 * @throws InvalidArgumentError when `name` is empty or `setup` is not a function.
 */
export function defineScenario(scenario: Scenario): Scenario {
  if (typeof scenario?.name !== 'string' || scenario.name === '') {
    throw new InvalidArgumentError('defineScenario(): name must be a non-empty string');
  }
  if (typeof scenario.setup !== 'function') {
    throw new InvalidArgumentError(`defineScenario('${scenario.name}'): setup must be a function`);
  }
  return scenario;
}

/** The options of a bare `world.addressSpace()`. */
const EMPTY: WorldAddressSpaceOptions = Object.freeze({});

/**
 * The options of a world lock, without spreading the caller's: an object spread is a V8
 * allocation site, and every checker run makes its locks again (see `PrimitiveOp`).
 */
function syncOptions(
  scheduler: Scheduler,
  name: string,
  lockClass: string | undefined,
): SyncOptions {
  return lockClass === undefined ? { scheduler, name } : { scheduler, name, lockClass };
}

/** Where the world sends the core's contract diagnostics (a `contract` finding). */
export type ContractSink = (kind: string, message: string) => void;

/**
 * The address space's diagnostic hook: a `contract` finding unless `tolerate` lists the kind,
 * then the scenario's own `forward`. Made here (an anonymous arrow) rather than as an object
 * literal's property: under tsx (esbuild `keepNames`) a named arrow costs an
 * `Object.defineProperty`, once per run.
 */
function diagnosticSink(
  tolerate: readonly string[] | undefined,
  forward: ((diagnostic: Diagnostic) => void) | undefined,
  sink: ContractSink,
): (diagnostic: Diagnostic) => void {
  return (diagnostic) => {
    if (tolerate === undefined || !tolerate.includes(diagnostic.kind))
      sink(diagnostic.kind, diagnostic.message);
    try {
      forward?.(diagnostic);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      sink(diagnostic.kind, `${diagnostic.message} (then onDiagnostic threw: ${message})`);
    }
  };
}

/** The world of one run. */
export class RunWorld implements World {
  readonly scheduler: ControlledScheduler;
  readonly core: CoreEngine;
  readonly semantics: Semantics;
  /** Invariants registered so far. */
  readonly invariants: InvariantEntry[] = [];
  /** `finally` callbacks registered so far. */
  readonly finals: (() => void | Promise<void>)[] = [];
  readonly #random: SeededRandom;
  readonly #counts = new Map<string, number>();
  readonly #onContract: ContractSink;

  constructor(
    scheduler: ControlledScheduler,
    semantics: Semantics,
    seed: number,
    onContract: ContractSink,
    core: CoreEngine = 'typescript',
  ) {
    this.core = core;
    this.scheduler = scheduler;
    this.semantics = semantics;
    this.#random = new SeededRandom(seed);
    this.#onContract = onContract;
  }

  spawn(name: string, fn: () => unknown): void {
    if (typeof name !== 'string' || name === '') {
      throw new InvalidArgumentError('world.spawn(): name must be a non-empty string');
    }
    if (typeof fn !== 'function')
      throw new InvalidArgumentError(`world.spawn('${name}'): fn must be a function`);
    if (this.scheduler.tasks.some((task) => task.name === name)) {
      throw new InvalidArgumentError(
        `world.spawn('${name}'): a task named '${name}' exists already; traces and reports name tasks, give each its own name`,
      );
    }
    this.scheduler.spawn(name, fn);
  }

  mutex(name?: string, options: LockClassOption = {}): Mutex {
    return new Mutex(syncOptions(this.scheduler, this.label('mutex', name), options.lockClass));
  }

  spinLock(name?: string, options: LockClassOption = {}): SpinLock {
    const label = this.label('spinlock', name);
    return new SpinLock(syncOptions(this.scheduler, label, options.lockClass));
  }

  waitQueue(name?: string): WaitQueue {
    return new WaitQueue({ scheduler: this.scheduler, name: this.label('wq', name) });
  }

  srcu(name?: string): Srcu {
    return new Srcu({ scheduler: this.scheduler, name: this.label('srcu', name) });
  }

  rwsem(name?: string, options: LockClassOption = {}): RwSemaphore {
    const label = this.label('rwsem', name);
    return new RwSemaphore(syncOptions(this.scheduler, label, options.lockClass));
  }

  shared<T>(initial: T, name?: string): Shared<T> {
    return new Shared(initial, { scheduler: this.scheduler, name: this.label('cell', name) });
  }

  yieldNow(): Promise<void> {
    return yieldNow(this.scheduler);
  }

  mightSleep(): Promise<void> {
    return mightSleep(this.scheduler);
  }

  addressSpace(options: WorldAddressSpaceOptions & { readonly core: 'typescript' }): AddressSpace;
  addressSpace(options?: WorldAddressSpaceOptions): NotifierSubscriptions;
  addressSpace(options: WorldAddressSpaceOptions = EMPTY): NotifierSubscriptions {
    const engine = options.core ?? this.core;
    if (!(CORE_ENGINES as readonly unknown[]).includes(engine))
      throw new InvalidArgumentError(
        `world.addressSpace(): core must be one of ${CORE_ENGINES.join(', ')}, got ${String(engine)}`,
      );
    if (engine === 'real') {
      const series = realSeriesOf(options.semantics ?? this.semantics);
      const core = this.realCore(series, options.name === undefined ? {} : { name: options.name });
      return new RealAddressSpace(core, this.scheduler);
    }
    // Built field by field, not by spreading `options`: once per run, on the checker's hot path.
    const core: { -readonly [K in keyof AddressSpaceOptions]: AddressSpaceOptions[K] } = {
      semantics: options.semantics ?? this.semantics,
      scheduler: this.scheduler,
      onDiagnostic: diagnosticSink(options.tolerate, options.onDiagnostic, this.#onContract),
    };
    if (options.name !== undefined) core.name = options.name;
    if (options.notifierUsersMax !== undefined) core.notifierUsersMax = options.notifierUsersMax;
    return new AddressSpace(core);
  }

  realCore(version: string, options: { readonly name?: string } = {}): FiberKernelCore {
    const sink = this.#onContract;
    const scheduler = this.scheduler;
    let mod = fiberModules.get(version);
    if (mod === undefined) {
      mod = loadFiberKernelModule(version);
      fiberModules.set(version, mod);
    }
    return new FiberKernelCore(mod, {
      scheduler,
      name: this.label('mm', options.name),
      unscheduled: () => scheduler.current === null,
      onDiagnostic: (d) =>
        sink(
          `kernel-${d.kind}`,
          `${d.kind.toUpperCase()}_ON(${d.condition}) at ${d.file}:${d.line}`,
        ),
    });
  }

  notifierCore(options: { readonly name?: string } = {}): NotifierCore {
    if (this.core === 'real') return this.realCore(realSeriesOf(this.semantics), options);
    const as = this.addressSpace({
      core: 'typescript',
      ...(options.name === undefined ? {} : { name: options.name }),
    });
    return new TypeScriptCore(as, this.semantics);
  }

  random(): number {
    return this.#random.next();
  }

  invariant(name: string, predicate: () => boolean): void {
    if (typeof predicate !== 'function') {
      throw new InvalidArgumentError(`world.invariant('${name}'): predicate must be a function`);
    }
    this.invariants.push({ name, predicate });
  }

  finally(fn: () => void | Promise<void>): void {
    if (typeof fn !== 'function')
      throw new InvalidArgumentError('world.finally(): fn must be a function');
    this.finals.push(fn);
  }

  /**
   * At the end of the run (after its last invariant and `finally` callback): drops the
   * invariants and callbacks, closures over the run's objects, so that the world (which
   * every run object can reach through the scheduler) keeps none of them (see
   * {@link ControlledScheduler.release}).
   */
  release(): void {
    this.invariants.length = 0;
    this.finals.length = 0;
  }

  /** `name`, or a default label numbered per kind (`mutex1`, `mutex2`...). */
  protected label(kind: string, name: string | undefined): string {
    if (name !== undefined) return name;
    const n = (this.#counts.get(kind) ?? 0) + 1;
    this.#counts.set(kind, n);
    return `${kind}${n}`;
  }
}
