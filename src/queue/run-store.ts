/**
 * One distributed run's state in Redis (keys in `layout.ts`): the run's description, every
 * job enqueued and every result, so a coordinator that restarts with the same run id replays
 * its (deterministic) search against the stored results and goes on where the last one
 * stopped.
 *
 * | operation        | writes                                        | idempotent because                      |
 * |------------------|-----------------------------------------------|-----------------------------------------|
 * | `open`           | meta (HSETNX each field), runs zset            | an existing run is compared, not written |
 * | `recordJob`      | jobs hash (HSETNX)                             | an existing key is left as it is        |
 * | `merge`          | merged set, results hash, stats (one script)   | the script does nothing once merged     |
 * | `count`          | stats (jobs, reused)                           | not: bookkeeping, not part of a verdict |
 * | `finish`         | meta `status`, `verdict`                       | last writer wins, same value            |
 *
 * A job is recorded before it is enqueued and its result merged before the search sees it,
 * so a coordinator stopped anywhere re-enqueues what was lost (bullmq drops the copy if the
 * job is there) and never counts a result twice.
 */

import type { Redis } from 'ioredis';
import { QueueError } from '../errors.ts';
import { RUNS_KEY, type RunKeys, type RunMeta, runKeys } from './layout.ts';

/** Merges one result unless it was merged: KEYS merged, results, stats; ARGV key, json, (field, n)*. */
const MERGE_SCRIPT = `
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
for i = 3, #ARGV, 2 do redis.call('HINCRBY', KEYS[3], ARGV[i], ARGV[i + 1]) end
return 1`;

/** A run's status as stored. */
export type RunStatus = 'running' | 'done';

/** What opening a run found. */
export interface OpenedRun {
  /** True when the run did not exist and was created. */
  readonly created: boolean;
  /** The stored status. */
  readonly status: RunStatus;
  /** The stored verdict (JSON) of a finished run. */
  readonly verdict: string | undefined;
}

/** The stored state of run `runId` (see the module comment). */
export class RunStore {
  readonly #redis: Redis;
  readonly #keys: RunKeys;
  /** The run's id. */
  readonly runId: string;

  constructor(redis: Redis, runId: string) {
    this.#redis = redis;
    this.runId = runId;
    this.#keys = runKeys(runId);
  }

  /**
   * Creates the run with `meta`, or opens the stored one.
   * @throws QueueError (`run-mismatch`) when the stored run checks another scenario or options.
   */
  async open(meta: RunMeta, nowMs: number): Promise<OpenedRun> {
    const encoded = JSON.stringify(meta);
    const created = (await this.#redis.hsetnx(this.#keys.meta, 'meta', encoded)) === 1;
    if (created) {
      await this.#redis.hset(this.#keys.meta, 'status', 'running');
      await this.#redis.zadd(RUNS_KEY, nowMs, this.runId);
      return { created, status: 'running', verdict: undefined };
    }
    const [stored, status, verdict] = await this.#redis.hmget(
      this.#keys.meta,
      'meta',
      'status',
      'verdict',
    );
    if (stored !== encoded) {
      throw new QueueError(
        'run-mismatch',
        `run '${this.runId}' exists and checks something else (stored: ${stored}); ` +
          'start a new run (leave out --run) or repeat the command that made it',
      );
    }
    return {
      created,
      status: status === 'done' ? 'done' : 'running',
      verdict: verdict ?? undefined,
    };
  }

  /** The run's description, or undefined when there is no such run. */
  async meta(): Promise<RunMeta | undefined> {
    const text = await this.#redis.hget(this.#keys.meta, 'meta');
    return text === null ? undefined : (JSON.parse(text) as RunMeta);
  }

  /** The stored status (undefined: no such run). */
  async status(): Promise<RunStatus | undefined> {
    const status = await this.#redis.hget(this.#keys.meta, 'status');
    return status === null ? undefined : (status as RunStatus);
  }

  /** Records job `key` (JSON `job`); true when it is new. */
  async recordJob(key: string, job: string): Promise<boolean> {
    return (await this.#redis.hsetnx(this.#keys.jobs, key, job)) === 1;
  }

  /** Every recorded job, by key. */
  async jobs(): Promise<Map<string, string>> {
    return new Map(Object.entries(await this.#redis.hgetall(this.#keys.jobs)));
  }

  /** The keys of the merged results. */
  async mergedKeys(): Promise<Set<string>> {
    return new Set(await this.#redis.smembers(this.#keys.merged));
  }

  /**
   * Merges job `key`'s result (JSON) and adds `counters` to the run's stats, once.
   * @returns false when it was merged already (a duplicate: nothing changed).
   */
  async merge(key: string, result: string, counters: Readonly<Record<string, number>>) {
    const args: (string | number)[] = [key, result];
    for (const [field, n] of Object.entries(counters)) args.push(field, Math.trunc(n));
    const keys = [this.#keys.merged, this.#keys.results, this.#keys.stats];
    return (await this.#redis.eval(MERGE_SCRIPT, keys.length, ...keys, ...args)) === 1;
  }

  /** The stored result (JSON) of job `key`, if any. */
  async result(key: string): Promise<string | undefined> {
    return (await this.#redis.hget(this.#keys.results, key)) ?? undefined;
  }

  /** Every merged result (JSON), by job key. */
  async results(): Promise<Map<string, string>> {
    return new Map(Object.entries(await this.#redis.hgetall(this.#keys.results)));
  }

  /** The run's summed counters. */
  async stats(): Promise<Record<string, number>> {
    const raw = await this.#redis.hgetall(this.#keys.stats);
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Number(v)]));
  }

  /** Adds `n` to one counter (not tied to a result: duplicates seen, restarts). */
  async count(field: string, n: number): Promise<void> {
    await this.#redis.hincrby(this.#keys.stats, field, n);
  }

  /** Marks the run finished with `verdict` (JSON). */
  async finish(verdict: string): Promise<void> {
    await this.#redis.hset(this.#keys.meta, 'status', 'done', 'verdict', verdict);
  }

  /** Removes every key of the run (not its bullmq jobs: the coordinator removes those). */
  async drop(): Promise<void> {
    const k = this.#keys;
    await this.#redis.del(k.meta, k.jobs, k.merged, k.results, k.stats);
    await this.#redis.zrem(RUNS_KEY, this.runId);
  }
}
