/**
 * A distributed check end to end, through the CLI, as real processes: a throw-away
 * `redis-server` on loopback, a coordinator (`check <scenario> --queue <url> --json`) and
 * three workers (`worker --queue <url>`), on a library scenario of some 7,300 schedules
 * (about 40 jobs). Checks:
 *
 * - a worker killed (SIGKILL) while it holds a job loses nothing: bullmq's stalled check
 *   (a short lock here) gives the job to another worker, and the verdict, the steps and the
 *   schedule digest equal a single-process check's (`workers: 1`: the same jobs on the
 *   calling thread, hence the schedule set of every `workers` count);
 * - a coordinator killed mid-run and started again with the same `--run` resumes: it reuses
 *   the stored results and ends with the same verdict and digest;
 * - a finding (a library scenario's, a scenario file's given by a relative path) is the
 *   single-process check's first finding, with the same minimized schedule (exit 1);
 * - a finished run's id prints its stored verdict; another scenario under that id is a typed
 *   `run-mismatch` error (exit 2).
 *
 * Needs `redis-server` (skipped visibly without it).
 */

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { check } from '../../src/check/check.ts';
import type { CheckResult } from '../../src/check/types.ts';
import { JOB_QUEUE, KEY_PREFIX, type QueueJobData, runKeys } from '../../src/queue/layout.ts';
import { findScenario } from '../../src/scenarios/index.ts';
import { LOST_UPDATE, tempFiles } from '../cli/harness.ts';
import { type RedisUnderTest, skipWithoutRedis, startRedis } from './redis-server.ts';

const SCENARIO = 'everyday-madvise-dontneed';
const BIN = fileURLToPath(new URL('../../bin/mmu-notifier.js', import.meta.url));
/** Short enough that a killed worker's job is retried within about 3 s. */
const WORKER_FLAGS = ['--lock-duration', '2s', '--stalled-interval', '1s', '--idle-exit', '120s'];
const WAIT_MAX_MS = 120_000;

interface Child {
  readonly process: ChildProcess;
  readonly exited: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

function cli(args: readonly string[], cwd = process.cwd()): Child {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => void (stdout += d));
  child.stderr!.on('data', (d: Buffer) => void (stderr += d));
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((done) =>
    child.once('close', (code) => done({ code, stdout, stderr })),
  );
  return { process: child, exited };
}

/** Polls `probe` every 50 ms until it returns a value. */
async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const started = performance.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    assert.ok(performance.now() - started < WAIT_MAX_MS, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('distributed check through the CLI', { skip: skipWithoutRedis() }, () => {
  let server: RedisUnderTest;
  let redis: Redis;
  let queue: Queue<QueueJobData>;
  let reference: CheckResult;
  const workers: Child[] = [];

  const coordinator = (runId: string, scenario = SCENARIO, cwd?: string): Child =>
    cli(['check', scenario, '--queue', server.url, '--run', runId, '--json'], cwd);
  const verdictOf = async (child: Child): Promise<CheckResult> => {
    const { code, stdout, stderr } = await child.exited;
    assert.equal(code, 0, `coordinator exit ${code}: ${stderr}`);
    return JSON.parse(stdout) as CheckResult;
  };
  const assertSameAsReference = (result: CheckResult): void => {
    assert.equal(result.ok, reference.ok);
    assert.equal(result.stats.complete, true);
    assert.equal(result.stats.scheduleDigest, reference.stats.scheduleDigest);
    assert.equal(result.stats.steps, reference.stats.steps);
  };
  const merged = async (runId: string): Promise<number> => redis.scard(runKeys(runId).merged);

  before(async () => {
    const entry = findScenario(SCENARIO);
    assert.ok(entry !== undefined);
    // One process, the jobs on the calling thread: the schedule set of every `workers` count.
    reference = await check(entry.scenario, { ...(entry.defaults ?? {}), workers: 1 });
    assert.ok(reference.ok && reference.stats.complete);
    assert.ok(reference.stats.schedules > 5_000, 'a scenario of many jobs');
    server = await startRedis();
    redis = new Redis(server.port, '127.0.0.1');
    queue = new Queue(JOB_QUEUE, { connection: { port: server.port }, prefix: KEY_PREFIX });
    for (let i = 0; i < 3; i++)
      workers.push(cli(['worker', '--queue', server.url, ...WORKER_FLAGS]));
  });

  after(async () => {
    for (const w of workers) if (w.process.exitCode === null) w.process.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exited));
    await queue?.close();
    redis?.disconnect();
    await server?.stop();
  });

  test('a worker killed while it holds a job loses nothing: same verdict and digest', async () => {
    const run = coordinator('kill-worker');
    const victim = workers[0]!;
    const name = `${hostname()}:${victim.process.pid}`;
    const held = await until('a job held by worker 0', async () => {
      const active = await queue.getActive();
      return active.find((job) => job.processedBy === name);
    });
    victim.process.kill('SIGKILL');
    const { code, stderr } = await victim.exited;
    assert.equal(code, null, `the worker was killed, not ended: ${stderr}`);
    const result = await verdictOf(run);
    assertSameAsReference(result);
    const stored = await redis.hget(runKeys('kill-worker').results, held.data.key);
    assert.ok(stored !== null, `the killed worker's job ${held.data.key} was run by another`);
  });

  test('a coordinator killed mid-run resumes with --run: results reused, same digest', async () => {
    const first = coordinator('resume');
    await until('a few merged results', async () =>
      (await merged('resume')) >= 5 ? true : undefined,
    );
    first.process.kill('SIGKILL');
    await first.exited;
    const before = await merged('resume');
    const second = coordinator('resume');
    const result = await verdictOf(second);
    const { stderr } = await second.exited;
    assertSameAsReference(result);
    const reused = Number(await redis.hget(runKeys('resume').stats, 'reused'));
    assert.equal(reused, before, `every stored result reused once: ${stderr}`);
    assert.match(stderr, /run resume resumed: \d+ jobs/);
  });

  test('a finished run prints its stored verdict; another scenario under its id is refused', async () => {
    const again = coordinator('resume');
    const { stderr } = await again.exited;
    assertSameAsReference(await verdictOf(again));
    assert.match(stderr, /finished before/);
    const other = await coordinator('resume', 'everyday-mprotect').exited;
    assert.equal(other.code, 2);
    assert.match(other.stderr, /run 'resume' exists and checks something else/);
  });

  test('a finding is the single-process first finding, for a library scenario and a file', async () => {
    const buggy = '319561669a59-buggy';
    const entry = findScenario(buggy)!;
    const single = await check(entry.scenario, { ...(entry.defaults ?? {}), workers: 1 });
    const run = await coordinator('finding', buggy).exited;
    assert.equal(run.code, 1, run.stderr);
    const result = JSON.parse(run.stdout) as CheckResult;
    assert.equal(result.finding?.schedule, single.finding?.schedule);
    assert.equal(result.finding?.message, single.finding?.message);
    const files = await tempFiles({ 'lost.ts': LOST_UPDATE });
    try {
      const local = await cli(['check', './lost.ts', '--json', '--workers', '1'], files.dir).exited;
      assert.equal(local.code, 1, local.stderr);
      const queued = await coordinator('file', './lost.ts', files.dir).exited;
      assert.equal(queued.code, 1, queued.stderr);
      const a = JSON.parse(local.stdout) as CheckResult;
      const b = JSON.parse(queued.stdout) as CheckResult;
      assert.equal(b.finding?.schedule, a.finding?.schedule);
    } finally {
      await files.cleanup();
    }
  });
});
