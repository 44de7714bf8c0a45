/**
 * The options of `check()`, their defaults and their validation. One error shape for every
 * bad option: `check(): option 'NAME' must be ..., got VALUE` (an InvalidArgumentError).
 */

import { SEMANTICS, type Semantics } from '../core/range.ts';
import { InvalidArgumentError } from '../errors.ts';
import {
  PCT_DEPTH_DEFAULT,
  PCT_DEPTH_MAX,
  SCHEDULES_DFS_DEFAULT,
  SCHEDULES_RANDOM_DEFAULT,
  STEPS_DEFAULT,
  STEPS_MAX,
  TIME_LIMIT_DEFAULT_MS,
} from './limits.ts';
import { CORE_ENGINES, type CoreEngine } from './notifier-core.ts';
import type { ScenarioRef } from './parallel/scenario-ref.ts';
import { decodeSchedule, type Schedule } from './schedule.ts';
import { REDUCTION_WITH_BOUND } from './strategies/dfs.ts';
import type { StrategyName } from './strategy.ts';

/** Progress of a search, passed to `onProgress`. */
export interface CheckProgress {
  /** The strategy running. */
  readonly strategy: StrategyName;
  /** Schedules run so far. */
  readonly schedules: number;
  /** Steps run so far. */
  readonly steps: number;
  /** Wall time so far, in milliseconds. */
  readonly elapsedMs: number;
}

/** Options of `check()`. Every field is optional. */
export interface CheckOptions {
  /** `dfs` (exhaustive, default), `random`, `pct` or `replay` (needs `schedule`). */
  readonly strategy?: StrategyName;
  /** Seed of the random and PCT strategies and of `world.random()` (default 0). */
  readonly seed?: number;
  /** The schedule string to replay (`v1:0.1.1.2`), for `strategy: 'replay'` only. */
  readonly schedule?: string;
  /** At most this many preemptions per schedule (CHESS style); unbounded by default. */
  readonly preemptionBound?: number;
  /** DPOR with sleep sets, for `dfs` (default true, false with a `preemptionBound`). */
  readonly reduction?: boolean;
  /**
   * Fair schedules only, for `dfs` (default true): a task that yields twice while another
   * task could run and did not is held back until that task has run (Musuvathi & Qadeer,
   * PLDI 2008), so a retry loop is not a `livelock` merely because the search never ran the
   * task it waits for. Assumes every yield is a "cannot progress yet" point (see the README).
   */
  readonly fairness?: boolean;
  /** Budget of schedules (default 1,000,000 for dfs, 1,000 for random and pct). */
  readonly maxSchedules?: number;
  /** Steps per schedule, the liveness bound: a run past it is a `livelock` (default 10,000). */
  readonly maxSteps?: number;
  /** Wall-time budget in milliseconds (default 60,000). */
  readonly timeLimitMs?: number;
  /** Called every 1,000 schedules and once at the end. */
  readonly onProgress?: (progress: CheckProgress) => void;
  /**
   * `world.semantics` and the default of `world.addressSpace()` (default `current`): one of
   * `SEMANTICS` (`linux-6.12` follows 6.12.118, `linux-6.1` 6.1.192, `kernel` = `linux-6.12`).
   */
  readonly semantics?: Semantics;
  /**
   * The engine of `world.notifierCore()` (default `typescript`): the TypeScript core under
   * `semantics`, or `real`, the compiled `mm/mmu_notifier.c` of the semantics' version
   * (`linux-6.1`: 6.1.192; `linux-6.12`, `kernel`: 6.12.118; the fiber build of `npm run kernel`).
   */
  readonly core?: CoreEngine;
  /** Bug depth of PCT (default 3). */
  readonly pctDepth?: number;
  /** Minimize a finding before returning it (default true; not for replay). */
  readonly minimize?: boolean;
  /**
   * Validate lock usage as the kernel's lockdep does (default true): a lock-order cycle seen
   * across any runs of the check, recursive locking, a lock held at task end, a bad unlock.
   */
  readonly lockdep?: boolean;
  /**
   * Threads that explore, 1 to {@link WORKERS_MAX}. Unset: the one-thread search of the
   * calling thread, as always. Set: the search is cut into jobs (`dfs`: subtrees of the
   * schedule tree; `random`, `pct`: chunks of the seed) run on a pool of that many
   * `node:worker_threads` (1: on the calling thread), with the same verdict, first finding
   * and (for `dfs`) the same set of schedules for every count. That set may differ from the
   * unset one's (the reduction's choices are taken in another order), the verdict does not.
   * See README "Parallel checking".
   */
  readonly workers?: number;
  /**
   * Where other threads load the scenario from, for `workers` > 1 (default: the library's
   * scenario of that name, when it is this very object): `{ library: name }`, `{ file: path }`
   * (loaded as the CLI loads it) or `{ module: url, export: name, args?: [...] }` (an
   * exported scenario, or a function building one from JSON arguments).
   */
  readonly source?: ScenarioRef;
}

/** The options with every default applied. */
export interface Settings {
  /** The strategy `check()` builds; `dfs` when unset. */
  readonly strategy: StrategyName;
  /** The seed actually used: for `replay`, the schedule's own seed (the option is ignored). */
  readonly seed: number;
  /** The decoded `schedule` option (required, so always set, for `replay`). */
  readonly schedule: Schedule | undefined;
  /** Preemptions allowed per schedule; `undefined` is unbounded. Excludes `reduction`. */
  readonly preemptionBound: number | undefined;
  /** DPOR with sleep sets; by default true for `dfs` without a preemption bound, else false. */
  readonly reduction: boolean;
  /** Fair schedules only (`dfs` and the minimizer); true unless turned off. */
  readonly fairness: boolean;
  /** Schedules the search loop may run before it stops with `stoppedBy: 'schedules'`. */
  readonly maxSchedules: number;
  /** Steps per run, at most {@link STEPS_MAX}; a run past it is a `livelock` finding. */
  readonly maxSteps: number;
  /** Wall-time budget of the search loop (and the minimizer), in milliseconds; > 0. */
  readonly timeLimitMs: number;
  /** The caller's progress callback, checked to be a function. */
  readonly onProgress: ((progress: CheckProgress) => void) | undefined;
  /** The semantics every `world.addressSpace()` of the run defaults to. */
  readonly semantics: Semantics;
  /** The engine of `world.notifierCore()`. */
  readonly core: CoreEngine;
  /** PCT's bug depth `d`, in `[1, {@link PCT_DEPTH_MAX}]`. */
  readonly pctDepth: number;
  /** Minimize a finding before the traced replay; false for `replay` unless set. */
  readonly minimize: boolean;
  /** Run the lock validator (`src/check/lockdep/`). */
  readonly lockdep: boolean;
  /** Threads that explore, in [1, {@link WORKERS_MAX}]; 0: unset (the one-thread search). */
  readonly workers: number;
  /** Where other threads load the scenario from (checked for shape only). */
  readonly source: ScenarioRef | undefined;
}

/** At most this many `workers`. */
export const WORKERS_MAX = 64;

function sourceOf(value: unknown): ScenarioRef | undefined {
  if (value === undefined) return undefined;
  const v = value as Record<string, unknown>;
  const text = (k: string): boolean => typeof v[k] === 'string' && v[k] !== '';
  const ok =
    typeof value === 'object' &&
    value !== null &&
    (text('library') ||
      text('file') ||
      (text('module') && text('export') && (v['args'] === undefined || Array.isArray(v['args']))));
  if (!ok)
    bad('source', '{ library }, { file } or { module, export, args? }', JSON.stringify(value));
  return value as ScenarioRef;
}

const STRATEGIES: readonly StrategyName[] = ['dfs', 'random', 'pct', 'replay'];

function bad(name: string, what: string, value: unknown): never {
  throw new InvalidArgumentError(`check(): option '${name}' must be ${what}, got ${String(value)}`);
}

function integer(name: string, value: unknown, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    bad(name, `an integer in [${min}, ${max}]`, value);
  }
  return value;
}

function oneOf<T extends string>(
  name: string,
  value: unknown,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) bad(name, `one of ${allowed.join(', ')}`, value);
  return value as T;
}

function flag(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') bad(name, 'a boolean', value);
  return value;
}

/** Validates `options` and applies the defaults. @throws InvalidArgumentError */
export function resolveOptions(options: CheckOptions = {}): Settings {
  if (typeof options !== 'object' || options === null) bad('options', 'an object', options);
  const strategy = oneOf('strategy', options.strategy, STRATEGIES, 'dfs');
  if (strategy === 'replay' && typeof options.schedule !== 'string') {
    bad(
      'schedule',
      "a schedule string (like 'v1:0.1.1.2') with strategy 'replay'",
      options.schedule,
    );
  }
  if (strategy !== 'replay' && options.schedule !== undefined) {
    bad('schedule', "absent unless strategy is 'replay'", options.schedule);
  }
  const schedule = options.schedule === undefined ? undefined : decodeSchedule(options.schedule);
  const seedDefault = schedule?.seed ?? 0;
  const seed = integer(
    'seed',
    options.seed,
    -Number.MAX_SAFE_INTEGER,
    Number.MAX_SAFE_INTEGER,
    seedDefault,
  );
  const exhaustive = strategy === 'dfs';
  const timeLimitMs = options.timeLimitMs ?? TIME_LIMIT_DEFAULT_MS;
  if (typeof timeLimitMs !== 'number' || !(timeLimitMs > 0))
    bad('timeLimitMs', 'a positive number', timeLimitMs);
  if (options.reduction === true && options.preemptionBound !== undefined) {
    bad('reduction', `false with a preemptionBound (${REDUCTION_WITH_BOUND})`, options.reduction);
  }
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
    bad('onProgress', 'a function', options.onProgress);
  }
  return {
    strategy,
    seed: strategy === 'replay' ? seedDefault : seed,
    schedule,
    preemptionBound:
      options.preemptionBound === undefined
        ? undefined
        : integer('preemptionBound', options.preemptionBound, 0, 1000, 0),
    reduction: flag(
      'reduction',
      options.reduction,
      exhaustive && options.preemptionBound === undefined,
    ),
    fairness: flag('fairness', options.fairness, true),
    maxSchedules: integer(
      'maxSchedules',
      options.maxSchedules,
      1,
      Number.MAX_SAFE_INTEGER,
      exhaustive ? SCHEDULES_DFS_DEFAULT : SCHEDULES_RANDOM_DEFAULT,
    ),
    maxSteps: integer('maxSteps', options.maxSteps, 1, STEPS_MAX, STEPS_DEFAULT),
    timeLimitMs,
    onProgress: options.onProgress,
    semantics: oneOf('semantics', options.semantics, SEMANTICS, 'current'),
    core: oneOf('core', options.core, CORE_ENGINES, 'typescript'),
    pctDepth: integer('pctDepth', options.pctDepth, 1, PCT_DEPTH_MAX, PCT_DEPTH_DEFAULT),
    minimize: flag('minimize', options.minimize, strategy !== 'replay'),
    lockdep: flag('lockdep', options.lockdep, true),
    workers: integer('workers', options.workers, 1, WORKERS_MAX, 0),
    source: sourceOf(options.source),
  };
}

/** The effective options as plain data, for `CheckResult.options` (logged first). */
export function describeSettings(
  settings: Settings,
  scheduleText: string | undefined,
): Record<string, unknown> {
  return {
    strategy: settings.strategy,
    seed: settings.seed,
    ...(scheduleText === undefined ? {} : { schedule: scheduleText }),
    preemptionBound: settings.preemptionBound ?? null,
    reduction: settings.reduction,
    fairness: settings.fairness,
    maxSchedules: settings.maxSchedules,
    maxSteps: settings.maxSteps,
    timeLimitMs: settings.timeLimitMs,
    semantics: settings.semantics,
    core: settings.core,
    pctDepth: settings.pctDepth,
    minimize: settings.minimize,
    lockdep: settings.lockdep,
    ...(settings.workers === 0 ? {} : { workers: settings.workers }),
  };
}
