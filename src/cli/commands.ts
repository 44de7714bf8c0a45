/**
 * The actions of the three commands. Each returns its exit code; a user's mistake is thrown
 * as an `InvalidArgumentError` (the caller turns it into one line and exit code 2).
 *
 * | command                      | prints                                        | exit  |
 * |------------------------------|-----------------------------------------------|-------|
 * | `check <scenario or file>`   | effective options, verdict, finding's trace   | 0 / 1 |
 * | `check ... --queue <url>`    | the same, from a distributed run (`queue-commands.ts`) | 0 / 1 |
 * | `replay <scenario> <sched>`  | the run's trace, verdict                      | 0 / 1 |
 * | `worker --queue <url>`       | a line per run served; runs until stopped     | 0     |
 * | `list`                       | the library's scenarios                       | 0     |
 * | `init <name>`                | writes `<name>.ts` (`init.ts`)                | 0     |
 *
 * `check` and `replay` explore in a worker thread (`worker-host.ts`), so the time limit
 * holds even against a task that never reaches a scheduling point (a `hang` finding).
 *
 * With `--json` standard output carries only the JSON document.
 */

import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TIME_LIMIT_DEFAULT_MS } from '../check/limits.ts';
import { realSeriesOf } from '../check/notifier-core.ts';
import { decodeSchedule } from '../check/schedule.ts';
import type { CheckResult } from '../check/types.ts';
import type { Semantics } from '../core/range.ts';
import { InvalidArgumentError } from '../errors.ts';
import { describeRealCore } from '../kernel/module.ts';
import { chromeTraceJson } from '../trace/chrome-trace.ts';
import { toFtrace } from '../trace/ftrace.ts';
import { renderHtmlReport } from '../trace/report.ts';
import { formatSummary, formatTrace } from '../trace/text.ts';
import { type CliCheckOptions, type CliWorkerOptions, EXIT_FINDING, EXIT_OK } from './options.ts';
import { createProgress, type ProgressSink } from './progress.ts';
import { libraryEntries } from './scenario-source.ts';
import { runInWorker } from './worker-host.ts';
import { probeBuffer } from './worker-probe.ts';
import type { WorkerReady, WorkerRequest } from './worker-protocol.ts';

/** Where the commands write, and what they may show. */
export interface CliIo {
  /** Writes to standard output (text includes its newline). */
  readonly out: (text: string) => void;
  /** Writes to standard error (text includes its newline). */
  readonly err: (text: string) => void;
  /** A TTY stream for the progress bar, or undefined for none (not a TTY, or CI). */
  readonly progressStream: NodeJS.WritableStream | undefined;
  /** The directory that relative paths are relative to. */
  readonly cwd: string;
}

/** Checks, before a long run, that an output file can be created. */
function outputPath(io: CliIo, path: string | undefined, what: string): string | undefined {
  if (path === undefined) return undefined;
  if (path === '') throw new InvalidArgumentError(`the ${what} file name is empty`);
  const full = resolve(io.cwd, path);
  const dir = dirname(full);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new InvalidArgumentError(
      `cannot write the ${what} to '${path}': directory '${dirname(path)}' does not exist`,
    );
  }
  if (existsSync(full) && statSync(full).isDirectory()) {
    throw new InvalidArgumentError(`cannot write the ${what} to '${path}': it is a directory`);
  }
  return full;
}

/** Checks, before a long run, that the `--trace`, `--ftrace` and `--report` files can be created. */
export function checkOutputPaths(io: CliIo, cli: CliCheckOptions): void {
  outputPath(io, cli.trace, 'trace');
  outputPath(io, cli.ftrace, 'ftrace text');
  outputPath(io, cli.report, 'report');
}

/**
 * What names the scenario in a replay command: a file's absolute path (so that the printed
 * command works from any directory), else the library name.
 */
function scenarioArg(io: CliIo, ready: WorkerReady): string | undefined {
  return ready.origin === 'library' ? undefined : resolve(io.cwd, ready.origin);
}

/**
 * The command that runs this very copy of the CLI: `node <abs>/bin/mmu-notifier.js`. Not
 * `npx mmu-notifier`: outside a project that depends on the package, npx would fetch
 * whatever the public registry holds under that name (issue 14).
 */
export function selfCommand(): readonly string[] {
  return ['node', fileURLToPath(new URL('../../bin/mmu-notifier.js', import.meta.url))];
}

/** Writes the `--trace`, `--ftrace` and `--report` files of a result. */
export function writeOutputs(
  io: CliIo,
  result: CheckResult,
  ready: WorkerReady,
  cli: CliCheckOptions,
): void {
  const trace = outputPath(io, cli.trace, 'trace');
  const ftrace = outputPath(io, cli.ftrace, 'ftrace text');
  const report = outputPath(io, cli.report, 'report');
  const write = (file: string, text: string, shown: string, what: string): void => {
    try {
      writeFileSync(file, text);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new InvalidArgumentError(`cannot write the ${what} to '${shown}': ${why}`);
    }
    io.err(`${what} written to ${shown}\n`);
  };
  if (trace !== undefined) write(trace, chromeTraceJson(result), cli.trace!, 'trace');
  if (ftrace !== undefined) write(ftrace, toFtrace(result), cli.ftrace!, 'ftrace text');
  if (report !== undefined) {
    const arg = scenarioArg(io, ready);
    const html = renderHtmlReport(result, {
      command: selfCommand(),
      ...(ready.description === undefined ? {} : { description: ready.description }),
      ...(arg === undefined ? {} : { scenarioArg: arg }),
    });
    write(report, html, cli.report!, 'report');
  }
}

/** Prints a result as `check` does: the finding's trace (or `--json`), then the summary. */
export function printResult(
  io: CliIo,
  result: CheckResult,
  ready: WorkerReady,
  cli: CliCheckOptions,
  traceMax: number,
): void {
  if (cli.json === true) {
    io.out(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const trace = result.finding?.trace ?? (traceMax > 0 ? result.trace : undefined);
  if (trace !== undefined && trace.length > 0) {
    const markStep = result.finding?.step;
    const options = markStep === undefined ? { max: traceMax } : { max: traceMax, markStep };
    io.out(`${formatTrace(trace, options)}\n\n`);
  }
  io.out(`${formatSummary(result, scenarioArg(io, ready), selfCommand())}\n`);
}

/**
 * Runs one command's exploration in a worker (`worker-host.ts`): prints the effective
 * options once the worker has resolved them, then the result; writes the output files.
 */
async function explore(
  io: CliIo,
  command: 'check' | 'replay',
  arg: string,
  cli: CliCheckOptions,
  schedule?: string,
): Promise<number> {
  checkOutputPaths(io, cli);
  const stream = cli.progress === false || command === 'replay' ? undefined : io.progressStream;
  let progress: ProgressSink | undefined;
  const request: WorkerRequest = {
    command,
    arg,
    cwd: io.cwd,
    cli,
    ...(schedule === undefined ? {} : { schedule }),
    progress: stream !== undefined,
    probe: probeBuffer(),
  };
  try {
    const { ready, result } = await runInWorker(request, cli.timeLimit ?? TIME_LIMIT_DEFAULT_MS, {
      onReady: (ready) => {
        if (cli.json !== true) {
          io.out(`${command} ${ready.name} ${ready.effective}\n`);
          const note = realCoreNote(ready.options);
          if (note !== undefined) io.out(`${note}\n`);
        }
        const budget = Number(ready.options['maxSchedules']);
        progress = createProgress(stream, budget);
      },
      onProgress: (report) => progress?.onProgress?.(report),
    });
    progress?.stop();
    progress = undefined;
    printResult(io, result, ready, cli, command === 'replay' ? 10_000 : 60);
    if (schedule !== undefined) {
      const note = scheduleNote(decodeSchedule(schedule).choices.length, result);
      if (note !== undefined) io.err(`note: ${note}\n`);
    }
    writeOutputs(io, result, ready, cli);
    return result.ok ? EXIT_OK : EXIT_FINDING;
  } finally {
    progress?.stop();
  }
}

/**
 * The line on the real core a run uses (`--core linux-6.1|linux-6.12|real`): its version and
 * what the reduction sees; undefined on the TypeScript core, or when the build is missing
 * (the run then fails with the error naming `npm run kernel`).
 */
function realCoreNote(options: Readonly<Record<string, unknown>>): string | undefined {
  if (options['core'] !== 'real') return undefined;
  try {
    const series = realSeriesOf(options['semantics'] as Semantics);
    return describeRealCore(series, options['reduction'] === true);
  } catch {
    return undefined;
  }
}

/**
 * `check <scenario | file>`: explores the scenario's schedules (in a worker thread), or with
 * `--queue` coordinates a distributed run whose `worker` processes explore them.
 */
export async function checkCommand(io: CliIo, arg: string, cli: CliCheckOptions): Promise<number> {
  if (arg.trim() === '')
    throw new InvalidArgumentError("the scenario name is empty: run 'mmu-notifier list'");
  if (cli.run !== undefined && cli.queue === undefined)
    throw new InvalidArgumentError('--run names a distributed run: it needs --queue <url>');
  if (cli.queue === undefined) return explore(io, 'check', arg, cli);
  const { queueCheckCommand } = await import('./queue-commands.ts');
  return queueCheckCommand(io, arg, cli);
}

/** `worker --queue <url>`: does the jobs of distributed runs until stopped. */
export async function workerCommand(io: CliIo, cli: CliWorkerOptions): Promise<number> {
  const { queueWorkerCommand } = await import('./queue-commands.ts');
  return queueWorkerCommand(io, cli);
}

/** `replay <scenario> <schedule>`: re-runs one schedule and prints its trace. */
export function replayCommand(
  io: CliIo,
  arg: string,
  schedule: string,
  cli: CliCheckOptions,
): Promise<number> {
  decodeSchedule(schedule);
  if (arg.trim() === '')
    throw new InvalidArgumentError("the scenario name is empty: run 'mmu-notifier list'");
  return explore(io, 'replay', arg, { ...cli, progress: false }, schedule);
}

/**
 * What a replay did that the schedule did not say (issue 14: a partial schedule such as
 * `v1:` was extended silently): steps past its end were chosen by the default rule, or the
 * run ended before using all of it.
 */
function scheduleNote(listed: number, result: CheckResult): string | undefined {
  const steps = result.finding === undefined ? result.stats.steps : result.finding.step + 1;
  const s = (n: number): string => `${n} step${n === 1 ? '' : 's'}`;
  if (steps > listed) {
    const full =
      result.finding === undefined ? '' : `; the full schedule is ${result.finding.schedule}`;
    return (
      `the schedule lists ${s(listed)} but the run took ${steps}: steps ${listed} to ${steps - 1} ` +
      `were chosen by the default rule (keep the running task, else the lowest runnable one)${full}`
    );
  }
  if (steps < listed) {
    return `the run ended after ${s(steps)}: the last ${listed - steps} choices of the schedule were not used`;
  }
  return undefined;
}

/**
 * The per-semantics (and per-real-core) verdicts of `npm run matrix` (docs/matrix.json, from the source tree or
 * from `dist/`), by scenario name; empty when the file is not there (an installed package).
 */
function matrixVerdicts(): Map<string, unknown> {
  for (const rel of ['../../docs/matrix.json', '../../../docs/matrix.json']) {
    const file = new URL(rel, import.meta.url);
    if (!existsSync(file)) continue;
    const doc = JSON.parse(readFileSync(file, 'utf8')) as {
      rows?: { name: string; verdicts: object; real?: object }[];
    };
    // The real-core cells (`real 6.1.192`, ...) next to the semantics', when the matrix has them.
    return new Map((doc.rows ?? []).map((r) => [r.name, { ...r.verdicts, ...r.real }]));
  }
  return new Map();
}

/** `list`: the library's scenarios, as a table or as JSON (with the matrix's verdicts). */
export async function listCommand(io: CliIo, json: boolean): Promise<number> {
  const verdicts = json ? matrixVerdicts() : new Map<string, unknown>();
  const rows = (await libraryEntries()).map((e) => ({
    name: e.scenario.name,
    description: e.scenario.description ?? '',
    expect: e.expect,
    ...(json ? { verdicts: verdicts.get(e.scenario.name) ?? null } : {}),
  }));
  if (json) {
    io.out(`${JSON.stringify(rows, null, 2)}\n`);
    return EXIT_OK;
  }
  const width = Math.max(4, ...rows.map((r) => r.name.length));
  io.out(`${'name'.padEnd(width)}  expect   description\n`);
  for (const r of rows)
    io.out(`${r.name.padEnd(width)}  ${r.expect.padEnd(7)}  ${r.description}\n`);
  return EXIT_OK;
}
