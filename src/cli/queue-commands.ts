/**
 * The actions of the distributed commands (`src/queue/`): `check <scenario> --queue <url>`
 * coordinates a run, `worker --queue <url>` serves runs. Loaded only when `--queue` is given
 * (bullmq and ioredis load with them).
 *
 * | command                 | stdout                        | stderr                                   | exit  |
 * |-------------------------|-------------------------------|------------------------------------------|-------|
 * | `check ... --queue`     | as `check` (or `--json`)      | the run id, how to resume, the run's jobs | 0 / 1 |
 * | `worker --queue`        | nothing                       | serving, one line per run loaded or job failed, stopping | 0 |
 *
 * The coordinator's order: everything the user typed is checked (URL, run id, scenario,
 * options, output files) before Redis is touched; then the run is opened (created, resumed,
 * or its stored verdict printed), and the verdict is stored once the search ends (unless the
 * time limit cut it: the same command with `--run <id>` then goes on).
 */

import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { type CheckOptions, describeSettings, resolveOptions } from '../check/options.ts';
import type { ScenarioRef } from '../check/parallel/scenario-ref.ts';
import { InvalidArgumentError } from '../errors.ts';
import { checkOnQueue, loadRunner, PACKAGE_VERSION } from '../queue/checker.ts';
import { connectRedis } from '../queue/connection.ts';
import { checkRunId, LAYOUT_VERSION, type RunMeta } from '../queue/layout.ts';
import { describeAddress, parseQueueUrl } from '../queue/url.ts';
import { startQueueWorker } from '../queue/worker.ts';
import { type CliIo, checkOutputPaths, printResult, writeOutputs } from './commands.ts';
import {
  type CliCheckOptions,
  type CliWorkerOptions,
  checkOptionsFrom,
  EXIT_FINDING,
  EXIT_OK,
} from './options.ts';
import { createProgress } from './progress.ts';
import { resolveScenario } from './scenario-source.ts';
import type { WorkerReady } from './worker-protocol.ts';

/** How often an idle worker looks at its idle time (`--idle-exit`). */
const IDLE_POLL_MS = 250;

/** A fresh run id: the time and 6 random hex digits (`r-lz3k9a-4f2a1c`). */
function freshRunId(): string {
  return `r-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** The effective options as `check` prints them (`key=value ...`). */
function effectiveLine(described: Record<string, unknown>): string {
  return Object.entries(described)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
}

/** `check <scenario> --queue <url> [--run <id>]` (see the module comment). */
export async function queueCheckCommand(
  io: CliIo,
  arg: string,
  cli: CliCheckOptions,
): Promise<number> {
  const address = parseQueueUrl(cli.queue!);
  if (cli.workers !== undefined) {
    throw new InvalidArgumentError(
      "--workers is for one machine: with --queue the work is done by 'mmu-notifier worker' processes (one per core)",
    );
  }
  const runId = checkRunId(cli.run ?? freshRunId());
  checkOutputPaths(io, cli);
  const source = await resolveScenario(arg, io.cwd);
  const options = checkOptionsFrom(cli, source.defaults);
  const described = describeSettings(resolveOptions(options as CheckOptions), undefined);
  const library = source.origin === 'library';
  const ref: ScenarioRef = library ? { library: arg } : { file: resolve(io.cwd, arg) };
  const { timeLimitMs: _clock, ...stored } = options;
  const meta: RunMeta = {
    layout: LAYOUT_VERSION,
    version: PACKAGE_VERSION,
    scenario: library ? arg : resolve(io.cwd, arg),
    name: source.scenario.name,
    source: ref,
    options: stored,
  };
  const description = source.scenario.description;
  const ready: WorkerReady = {
    type: 'ready',
    name: source.scenario.name,
    ...(description === undefined ? {} : { description }),
    origin: source.origin,
    options: described,
    effective: effectiveLine(described),
  };
  const redis = await connectRedis(address);
  const stream = cli.progress === false ? undefined : io.progressStream;
  const progress = createProgress(stream, Number(described['maxSchedules']));
  try {
    if (cli.json !== true) io.out(`check ${ready.name} ${ready.effective}\n`);
    io.err(`run ${runId} on ${describeAddress(address)}: start workers with\n`);
    const secret = address.password === undefined ? '' : ' (the URL with its password)';
    io.err(`  mmu-notifier worker --queue ${describeAddress(address)}${secret}\n`);
    const outcome = await checkOnQueue({
      address,
      redis,
      runId,
      scenario: source.scenario,
      meta,
      options: { ...options, onProgress: progress.onProgress } as CheckOptions,
    });
    progress.stop();
    const s = outcome.stats;
    const how = outcome.stored
      ? 'finished before: its stored verdict'
      : outcome.resumed
        ? 'resumed'
        : 'done';
    io.err(
      `run ${runId} ${how}: ${s['jobs'] ?? 0} jobs, ${s['reused'] ?? 0} results reused, ` +
        `${s['schedules'] ?? 0} schedules on the workers\n`,
    );
    printResult(io, outcome.result, ready, cli, 60);
    if (outcome.result.stats.stoppedBy === 'timeLimitMs')
      io.err(
        `the time limit stopped run ${runId}: repeat the command with --run ${runId} to go on\n`,
      );
    writeOutputs(io, outcome.result, ready, cli);
    return outcome.result.ok ? EXIT_OK : EXIT_FINDING;
  } finally {
    progress.stop();
    redis.disconnect();
  }
}

/** `worker --queue <url>`: serves runs until SIGINT/SIGTERM or `--idle-exit`. */
export async function queueWorkerCommand(io: CliIo, cli: CliWorkerOptions): Promise<number> {
  const address = parseQueueUrl(cli.queue);
  const redis = await connectRedis(address);
  const worker = await startQueueWorker({
    address,
    redis,
    ...(cli.concurrency === undefined ? {} : { concurrency: cli.concurrency }),
    ...(cli.lockDuration === undefined ? {} : { lockDurationMs: cli.lockDuration }),
    ...(cli.stalledInterval === undefined ? {} : { stalledIntervalMs: cli.stalledInterval }),
    load: loadRunner,
    log: (line) => io.err(`${line}\n`),
  });
  io.err(
    `worker ${worker.name} (mmu-notifier ${PACKAGE_VERSION}) serving ${describeAddress(address)}\n`,
  );
  const why = await untilStopped(worker.idleMs, cli.idleExit);
  io.err(`worker ${worker.name} stopping (${why}) after ${worker.completed()} jobs\n`);
  await worker.close();
  redis.disconnect();
  return EXIT_OK;
}

/** Resolves with why the worker stops: SIGINT, SIGTERM, or `idleExit` ms without a job. */
function untilStopped(idleMs: () => number, idleExit: number | undefined): Promise<string> {
  return new Promise<string>((done) => {
    let timer: ReturnType<typeof setInterval> | undefined;
    const stop = (why: string): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      clearInterval(timer);
      done(why);
    };
    const onSignal = (signal: string): void => stop(signal);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    if (idleExit !== undefined) {
      timer = setInterval(() => {
        if (idleMs() >= idleExit) stop(`idle for ${idleExit} ms`);
      }, IDLE_POLL_MS);
    }
  });
}
