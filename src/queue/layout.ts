/**
 * Where a distributed run lives in Redis: the names of bullmq's queue and of the run's own
 * keys, and the run's description (what a worker needs to load the scenario the way the
 * coordinator did). Names only; `run-store.ts` reads and writes them.
 *
 * | key                                   | type   | holds                                              |
 * |---------------------------------------|--------|----------------------------------------------------|
 * | `mmu-notifier:jobs:*`                 | bullmq | the one job queue every run shares (bullmq's keys) |
 * | `mmu-notifier:runs`                   | zset   | run ids by creation time                           |
 * | `mmu-notifier:run:<id>`               | hash   | {@link RunMeta} fields, `status`, the `verdict`    |
 * | `mmu-notifier:run:<id>:jobs`          | hash   | job key -> the job (JSON): every job ever enqueued |
 * | `mmu-notifier:run:<id>:merged`        | set    | job keys whose result the coordinator merged       |
 * | `mmu-notifier:run:<id>:results`       | hash   | job key -> its result (JSON)                       |
 * | `mmu-notifier:run:<id>:stats`         | hash   | summed counters of the merged results              |
 *
 * A bullmq job id is `<run id>.<digest of the job key>`: bullmq ignores an `add` whose id
 * exists, so enqueuing a job twice (a duplicate from two results, a coordinator that restarted
 * between enqueuing and recording) runs it once.
 */

import { createHash } from 'node:crypto';
import type { ScenarioRef } from '../check/parallel/scenario-ref.ts';
import { InvalidArgumentError } from '../errors.ts';

/** The prefix of every key (bullmq's `prefix` option too). */
export const KEY_PREFIX = 'mmu-notifier';

/** The name of the bullmq queue every run shares. */
export const JOB_QUEUE = 'jobs';

/** Version of this layout, stored in each run: a worker of another layout refuses the run. */
export const LAYOUT_VERSION = 1;

/** The longest run id accepted (it prefixes every job id). */
export const RUN_ID_MAX = 64;

/** The keys of one run. */
export interface RunKeys {
  readonly meta: string;
  readonly jobs: string;
  readonly merged: string;
  readonly results: string;
  readonly stats: string;
}

/** The sorted set of every run id. */
export const RUNS_KEY = `${KEY_PREFIX}:runs`;

/** The keys of run `runId`. */
export function runKeys(runId: string): RunKeys {
  const meta = `${KEY_PREFIX}:run:${runId}`;
  return {
    meta,
    jobs: `${meta}:jobs`,
    merged: `${meta}:merged`,
    results: `${meta}:results`,
    stats: `${meta}:stats`,
  };
}

/**
 * Checks a `--run` id: 1 to {@link RUN_ID_MAX} characters of `[A-Za-z0-9_-]` (no `:` or
 * `.`: bullmq refuses `:` in a job id, and `.` separates the run from the job's digest).
 * @throws InvalidArgumentError naming the rule.
 */
export function checkRunId(id: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(id) || id.length > RUN_ID_MAX) {
    throw new InvalidArgumentError(
      `the run id '${id}' must be 1 to ${RUN_ID_MAX} letters, digits, '-' or '_'`,
    );
  }
  return id;
}

/** bullmq's id of the job with key `key` in run `runId`. */
export function bullJobId(runId: string, key: string): string {
  return `${runId}.${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
}

/** What a worker needs to run a run's jobs: the scenario and the options, as the CLI had them. */
export interface RunMeta {
  /** {@link LAYOUT_VERSION} of the coordinator that made the run. */
  readonly layout: number;
  /** The coordinator's package version (a worker of another version refuses the run). */
  readonly version: string;
  /** The scenario as the command named it: a library name, or a file's absolute path. */
  readonly scenario: string;
  /** The scenario's name (for messages). */
  readonly name: string;
  /** Where a worker loads the scenario from (`loadScenarioRef`). */
  readonly source: ScenarioRef;
  /**
   * The checker options (JSON-safe: no callbacks), as `checkOptionsFrom` gave them, less
   * `timeLimitMs`: a run stopped by its time limit may be resumed with another.
   */
  readonly options: Readonly<Record<string, unknown>>;
}

/** The data of one bullmq job: its run and the job itself. */
export interface QueueJobData {
  /** The run the job belongs to. */
  readonly runId: string;
  /** The job's key ({@link bullJobId} digests it). */
  readonly key: string;
  /** The job, as the job API encodes it. */
  readonly job: unknown;
}
