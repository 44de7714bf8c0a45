/**
 * The `mmu-notifier` command: parses the command line, runs one command, and maps every
 * outcome to an exit code (see `options.ts`):
 *
 * | outcome                                              | exit | printed                     |
 * |------------------------------------------------------|------|-----------------------------|
 * | no finding; `--help`; `--version`                    | 0    | the result / the help       |
 * | a finding                                            | 1    | the finding and its trace   |
 * | a user's mistake (usage, unknown scenario, bad file, | 2    | one line saying what to do  |
 * | bad value, malformed schedule, unwritable output)    |      | (never a stack trace)       |
 * | a defect of mmu-notifier itself                      | 3    | the error with its stack    |
 *
 * {@link run} does no process-level I/O of its own, so tests drive it in-process; {@link main}
 * binds it to the process (the launcher `bin/mmu-notifier.js` calls it).
 */

import { readFileSync } from 'node:fs';
import { CommanderError } from 'commander';
import { InternalError, MmuNotifierError } from '../errors.ts';
import type { CliIo } from './commands.ts';
import { EXIT_INTERNAL, EXIT_OK, EXIT_USAGE } from './options.ts';
import { buildProgram, type ExitBox } from './program.ts';

function packageVersion(): string {
  const url = new URL('../../package.json', import.meta.url);
  const pkg = JSON.parse(readFileSync(url, 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
}

function exitFor(error: unknown, io: CliIo): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  if (error instanceof MmuNotifierError && !(error instanceof InternalError)) {
    io.err(`mmu-notifier: ${error.message.split('\n')[0]}\n`);
    return EXIT_USAGE;
  }
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  io.err(`mmu-notifier: internal error (a bug in mmu-notifier, please report it):\n${text}\n`);
  return EXIT_INTERNAL;
}

/**
 * Runs the command line `argv` (without `node` and the script) against `io`.
 * @returns the exit code.
 */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const box: ExitBox = { code: EXIT_OK };
  const program = buildProgram(io, box, packageVersion());
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    return exitFor(error, io);
  }
  return box.code;
}

/** The process's I/O: a progress bar only on a terminal and outside CI. */
export function processIo(): CliIo {
  const tty =
    process.stderr.isTTY === true && process.env['CI'] !== 'true' && process.env['CI'] !== '1';
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    progressStream: tty ? process.stderr : undefined,
    cwd: process.cwd(),
  };
}

/** Entry point of the `mmu-notifier` binary: runs `process.argv` and sets the exit code. */
export async function main(): Promise<void> {
  // A reader that closes the pipe early (`mmu-notifier list | head`) is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? EXIT_OK);
  });
  // The event loop drained while the command still waits: something it awaits (a scenario
  // file's top-level await, say) can never settle. Node would exit 13, silently.
  let done = false;
  const stalled = (): void => {
    if (done) return;
    process.stderr.write(
      'mmu-notifier: the command never finished: the scenario (or its file, at load) awaits something that nothing resolves\n',
    );
    process.exit(EXIT_USAGE);
  };
  process.once('beforeExit', stalled);
  process.exitCode = await run(process.argv.slice(2), processIo());
  done = true;
  process.off('beforeExit', stalled);
}
