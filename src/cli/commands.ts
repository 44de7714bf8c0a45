/**
 * The actions of the three commands. Each returns its exit code; a user's mistake is thrown
 * as an `InvalidArgumentError` (the caller turns it into one line and exit code 2).
 *
 * | command                      | prints                                        | exit  |
 * |------------------------------|-----------------------------------------------|-------|
 * | `check <scenario or file>`   | effective options, verdict, finding's trace   | 0 / 1 |
 * | `replay <scenario> <sched>`  | the run's trace, verdict                      | 0 / 1 |
 * | `list`                       | the library's scenarios                       | 0     |
 *
 * With `--json` standard output carries only the JSON document.
 */

import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { check } from '../check/check.ts';
import { type CheckOptions, describeSettings, resolveOptions } from '../check/options.ts';
import { decodeSchedule } from '../check/schedule.ts';
import type { CheckResult } from '../check/types.ts';
import { InvalidArgumentError } from '../errors.ts';
import { chromeTraceJson } from '../trace/chrome-trace.ts';
import { toFtrace } from '../trace/ftrace.ts';
import { renderHtmlReport } from '../trace/report.ts';
import { formatSummary, formatTrace } from '../trace/text.ts';
import { type CliCheckOptions, checkOptionsFrom, EXIT_FINDING, EXIT_OK } from './options.ts';
import { createProgress } from './progress.ts';
import { libraryEntries, resolveScenario, type ScenarioSource } from './scenario-source.ts';

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

function writeOutputs(
  io: CliIo,
  result: CheckResult,
  source: ScenarioSource,
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
    const description = source.scenario.description;
    const arg = scenarioArg(source);
    const html = renderHtmlReport(result, {
      ...(description === undefined ? {} : { description }),
      ...(arg === undefined ? {} : { scenarioArg: arg }),
    });
    write(report, html, cli.report!, 'report');
  }
}

/**
 * The effective options as one line, logged before the run so that it can be repeated;
 * resolving them also rejects a bad combination before any work is done.
 */
function describeOptions(options: Readonly<Record<string, unknown>>): string {
  const settings = resolveOptions(options as CheckOptions);
  const schedule = typeof options['schedule'] === 'string' ? options['schedule'] : undefined;
  return Object.entries(describeSettings(settings, schedule))
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
}

/** What names the scenario in a replay command: a file's path as given, else its name. */
function scenarioArg(source: ScenarioSource): string | undefined {
  return source.origin === 'library' ? undefined : source.origin;
}

function printResult(
  io: CliIo,
  result: CheckResult,
  source: ScenarioSource,
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
  io.out(`${formatSummary(result, scenarioArg(source))}\n`);
}

async function runChecked(
  io: CliIo,
  source: ScenarioSource,
  options: Record<string, unknown>,
  cli: CliCheckOptions,
): Promise<CheckResult> {
  const budget = resolveOptions(options as CheckOptions).maxSchedules;
  const progress = createProgress(cli.progress === false ? undefined : io.progressStream, budget);
  try {
    const withProgress =
      progress.onProgress === undefined ? options : { ...options, onProgress: progress.onProgress };
    return await check(source.scenario, withProgress as CheckOptions);
  } finally {
    progress.stop();
  }
}

/** `check <scenario | file>`: explores the scenario's schedules. */
export async function checkCommand(io: CliIo, arg: string, cli: CliCheckOptions): Promise<number> {
  const source = await resolveScenario(arg, io.cwd);
  const options = checkOptionsFrom(cli, source.defaults);
  outputPath(io, cli.trace, 'trace');
  outputPath(io, cli.ftrace, 'ftrace text');
  outputPath(io, cli.report, 'report');
  const effective = describeOptions(options);
  if (cli.json !== true) io.out(`check ${source.scenario.name} ${effective}\n`);
  const result = await runChecked(io, source, options, cli);
  printResult(io, result, source, cli, 60);
  writeOutputs(io, result, source, cli);
  return result.ok ? EXIT_OK : EXIT_FINDING;
}

/** `replay <scenario> <schedule>`: re-runs one schedule and prints its trace. */
export async function replayCommand(
  io: CliIo,
  arg: string,
  schedule: string,
  cli: CliCheckOptions,
): Promise<number> {
  decodeSchedule(schedule);
  const source = await resolveScenario(arg, io.cwd);
  const base = checkOptionsFrom({ ...cli, strategy: undefined }, source.defaults);
  const options: Record<string, unknown> = {
    ...(base['semantics'] === undefined ? {} : { semantics: base['semantics'] }),
    ...(base['maxSteps'] === undefined ? {} : { maxSteps: base['maxSteps'] }),
    ...(base['lockdep'] === false ? { lockdep: false } : {}),
    strategy: 'replay',
    schedule,
  };
  outputPath(io, cli.trace, 'trace');
  outputPath(io, cli.ftrace, 'ftrace text');
  outputPath(io, cli.report, 'report');
  const effective = describeOptions(options);
  if (cli.json !== true) io.out(`replay ${source.scenario.name} ${effective}\n`);
  const result = await runChecked(io, source, options, { ...cli, progress: false });
  printResult(io, result, source, cli, 10_000);
  writeOutputs(io, result, source, cli);
  return result.ok ? EXIT_OK : EXIT_FINDING;
}

/**
 * The per-semantics verdicts of `npm run matrix` (docs/matrix.json, from the source tree or
 * from `dist/`), by scenario name; empty when the file is not there (an installed package).
 */
function matrixVerdicts(): Map<string, unknown> {
  for (const rel of ['../../docs/matrix.json', '../../../docs/matrix.json']) {
    const file = new URL(rel, import.meta.url);
    if (!existsSync(file)) continue;
    const doc = JSON.parse(readFileSync(file, 'utf8')) as {
      rows?: { name: string; verdicts: unknown }[];
    };
    return new Map((doc.rows ?? []).map((r) => [r.name, r.verdicts]));
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
