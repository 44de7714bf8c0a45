/**
 * The command line's option values: their parsers (each rejects a bad value with a one-line
 * {@link InvalidArgumentError} that says what is expected) and the names the checker takes.
 */

import { availableParallelism } from 'node:os';
import { WORKERS_MAX } from '../check/options.ts';
import { SEMANTICS as CORE_SEMANTICS } from '../core/range.ts';
import { InvalidArgumentError } from '../errors.ts';

/** Exit code: no finding. */
export const EXIT_OK = 0;
/** Exit code: a finding (a bug in the scenario's code, shown with its schedule). */
export const EXIT_FINDING = 1;
/** Exit code: a user's mistake (bad usage, unknown scenario, unreadable file, bad value). */
export const EXIT_USAGE = 2;
/** Exit code: a defect of mmu-notifier itself (an internal error, printed with its stack). */
export const EXIT_INTERNAL = 3;

/** The `--semantics` values: every core semantics. */
export const SEMANTICS = CORE_SEMANTICS;
/**
 * The `--core` values: `typescript` (the TypeScript core under `--semantics`), `linux-6.1`
 * and `linux-6.12` (the real compiled `mm/mmu_notifier.c` of 6.1.192 / 6.12.118, with the
 * TypeScript semantics of that version for anything the scenario pins), and `real` (the
 * real code of `--semantics`' version, as before).
 */
export const CLI_CORES = ['typescript', 'linux-6.1', 'linux-6.12', 'real'] as const;
/** A `--core` value. */
export type CliCore = (typeof CLI_CORES)[number];

/** The `--strategy` values of `check` (replay has its own command). */
export const STRATEGIES = ['dfs', 'random', 'pct'] as const;

/** Largest value accepted for a count option. */
export const COUNT_MAX = 1_000_000_000;

/** What the options of `check` and `replay` parse to (all optional: unset means default). */
export interface CliCheckOptions {
  /** `--semantics`: the core every address space of the scenario runs. */
  readonly semantics?: (typeof SEMANTICS)[number];
  /** `--core`: the engine of every address space ({@link CLI_CORES}; `typescript` when unset). */
  readonly core?: CliCore;
  /** `--strategy` (`check` only): how to explore; `dfs` when unset. */
  readonly strategy?: (typeof STRATEGIES)[number];
  /** `--seed`, parsed by {@link parseSeed}: the checker's `seed`. */
  readonly seed?: number;
  /** `--preemption-bound`, parsed by {@link parsePreemptionBound}. */
  readonly preemptionBound?: number;
  /** `--max-schedules`, parsed by {@link parseCount}: the checker's `maxSchedules`. */
  readonly maxSchedules?: number;
  /** `--max-steps`, parsed by {@link parseCount}: the checker's `maxSteps`. */
  readonly maxSteps?: number;
  /** `--time-limit` in milliseconds, parsed by {@link parseDuration}: `timeLimitMs`. */
  readonly timeLimit?: number;
  /** False with `--no-fairness` (`check` only): the checker's `fairness`. */
  readonly fairness?: boolean;
  /** `--json`: standard output carries the result object and nothing else. */
  readonly json?: boolean;
  /** `--trace <file>`: where to write the Chrome trace of the finding (or the replay). */
  readonly trace?: string;
  /** `--ftrace <file>`: where to write the same trace as ftrace text (`trace-cmd report`). */
  readonly ftrace?: string;
  /** `--report <file>`: where to write the self-contained HTML report. */
  readonly report?: string;
  /** False with `--no-progress`; the bar shows only on a TTY outside CI anyway. */
  readonly progress?: boolean;
  /** False with `--no-lockdep`: the checker's `lockdep` option. */
  readonly lockdep?: boolean;
  /** `--workers <n>` (`check` only), parsed by {@link parseWorkers}; unset: the machine's cores. */
  readonly workers?: number;
  /** `--queue <url>` (`check` only): coordinate a distributed run on this Redis (`src/queue/`). */
  readonly queue?: string;
  /** `--run <id>` (with `--queue`): the run to create or resume; a fresh id when unset. */
  readonly run?: string;
}

/** What the options of `worker` parse to. */
export interface CliWorkerOptions {
  /** `--queue <url>`: the Redis of the runs to serve. */
  readonly queue: string;
  /** `--concurrency <n>`: jobs at once in this process (default 1). */
  readonly concurrency?: number;
  /** `--lock-duration <duration>` in ms: bullmq's job lock (a dead worker's job waits this long). */
  readonly lockDuration?: number;
  /** `--stalled-interval <duration>` in ms: how often the stalled-job check runs. */
  readonly stalledInterval?: number;
  /** `--idle-exit <duration>` in ms: exit after this long without a job. */
  readonly idleExit?: number;
}

function integer(text: string, what: string, min: number, max: number): number {
  const trimmed = text.trim();
  if (!/^-?\d+$/.test(trimmed))
    throw new InvalidArgumentError(`${what} must be an integer, got '${text}'`);
  const n = Number(trimmed);
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new InvalidArgumentError(`${what} must be between ${min} and ${max}, got '${text}'`);
  }
  return n;
}

/** `--seed <n>`: any safe integer >= 0. */
export function parseSeed(text: string): number {
  return integer(text, 'the seed', 0, Number.MAX_SAFE_INTEGER);
}

/** `--preemption-bound <n>`: 0 or more. */
export function parsePreemptionBound(text: string): number {
  return integer(text, 'the preemption bound', 0, 1000);
}

/** `--workers <n>`: threads that explore, 1 (the exploration thread alone) to 64. */
export function parseWorkers(text: string): number {
  return integer(text, 'the number of workers', 1, WORKERS_MAX);
}

/** The default of `--workers`: the machine's cores (`os.availableParallelism()`), at most 64. */
export function defaultWorkers(): number {
  return Math.max(1, Math.min(WORKERS_MAX, availableParallelism()));
}

/** `--max-schedules <n>`, `--max-steps <n>`: 1 or more. */
export function parseCount(what: string): (text: string) => number {
  return (text) => integer(text, what, 1, COUNT_MAX);
}

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `--time-limit <duration>`: milliseconds, or a number with `ms`, `s`, `m` or `h` (`30s`, `24h`). */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (match === null) {
    throw new InvalidArgumentError(
      `the time limit must be a duration like 500ms, 30s, 2m or 1h, got '${text}'`,
    );
  }
  const ms = Math.round(Number(match[1]) * UNITS[match[2] ?? 'ms']!);
  if (ms < 1 || ms > 24 * 3_600_000) {
    throw new InvalidArgumentError(`the time limit must be between 1ms and 24h, got '${text}'`);
  }
  return ms;
}

/**
 * The checker's options from the command line's, over a scenario's defaults: what the user
 * typed wins, then the library entry's defaults, then the checker's own.
 */
export function checkOptionsFrom(
  cli: CliCheckOptions,
  defaults: Readonly<Record<string, unknown>> = {},
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...defaults };
  const set = (key: string, value: unknown): void => {
    if (value !== undefined) out[key] = value;
  };
  set('semantics', cli.semantics);
  if (cli.core === 'linux-6.1' || cli.core === 'linux-6.12') {
    // The real code of that version: its semantics too, unless the user typed another.
    if (cli.semantics !== undefined && cli.semantics !== cli.core && cli.semantics !== 'kernel')
      throw new InvalidArgumentError(
        `--core ${cli.core} runs the real ${cli.core === 'linux-6.1' ? '6.1.192' : '6.12.118'} code: ` +
          `--semantics ${cli.semantics} contradicts it (leave --semantics out)`,
      );
    if (cli.semantics === 'kernel' && cli.core === 'linux-6.1')
      throw new InvalidArgumentError(
        '--core linux-6.1 runs the real 6.1.192 code: --semantics kernel (linux-6.12) contradicts it',
      );
    out['semantics'] = cli.core;
    out['core'] = 'real';
  } else set('core', cli.core);
  set('strategy', cli.strategy);
  set('seed', cli.seed);
  set('preemptionBound', cli.preemptionBound);
  set('maxSchedules', cli.maxSchedules);
  set('maxSteps', cli.maxSteps);
  set('timeLimitMs', cli.timeLimit);
  if (cli.fairness === false) out['fairness'] = false;
  if (cli.lockdep === false) out['lockdep'] = false;
  set('workers', cli.workers);
  return out;
}
