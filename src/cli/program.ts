/**
 * The command line's grammar (commander): commands, options, value parsers, and the help of
 * each command with an example. Parsing only: the actions live in `commands.ts`.
 */

import { Command, InvalidArgumentError as CommanderArgumentError, Option } from 'commander';
import { MmuNotifierError } from '../errors.ts';
import { type CliIo, checkCommand, listCommand, replayCommand, workerCommand } from './commands.ts';
import { initCommand } from './init.ts';
import {
  CLI_CORES,
  type CliCheckOptions,
  type CliWorkerOptions,
  parseCount,
  parseDuration,
  parsePreemptionBound,
  parseSeed,
  parseWorkers,
  SEMANTICS,
  STRATEGIES,
} from './options.ts';

/** Where an action leaves its exit code (commander's actions return nothing). */
export interface ExitBox {
  /** The exit code of the action that ran (`EXIT_*` of `options.ts`); `EXIT_OK` until then. */
  code: number;
}

/** Adapts a parser that throws our error to commander's (which names the option). */
function parser<T>(parse: (text: string) => T): (text: string) => T {
  return (text) => {
    try {
      return parse(text);
    } catch (error) {
      if (error instanceof MmuNotifierError) throw new CommanderArgumentError(error.message);
      throw error;
    }
  };
}

function examples(lines: readonly string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}

const semanticsOption = (): Option =>
  new Option(
    '--semantics <name>',
    'the core semantics to run under (linux-6.12: 6.12.118, linux-6.1: 6.1.192, kernel = linux-6.12)',
  ).choices(SEMANTICS);
const coreOption = (): Option =>
  new Option(
    '--core <engine>',
    'the notifier core every address space runs: typescript (under --semantics), linux-6.1 or linux-6.12 ' +
      "(the real compiled mm/mmu_notifier.c of 6.1.192 / 6.12.118), real (that of --semantics' version)",
  ).choices(CLI_CORES);
const traceOption = (): Option =>
  new Option('--trace <file>', 'write a Chrome trace (Perfetto, chrome://tracing)');
const ftraceOption = (): Option =>
  new Option('--ftrace <file>', 'write the trace as ftrace text (trace-cmd style)');
const reportOption = (): Option =>
  new Option('--report <file>', 'write a self-contained HTML report');
const timeLimitOption = (): Option =>
  new Option(
    '--time-limit <duration>',
    'wall-time budget: 500ms, 30s, 2m, 24h (holds even against a task that never yields)',
  ).argParser(parser(parseDuration));
const jsonOption = (): Option =>
  new Option('--json', 'print the result object as JSON (and nothing else)');

function checkCommandSpec(io: CliIo, box: ExitBox): Command {
  return new Command('check')
    .description('explore the interleavings of a scenario (a library name or a .ts file)')
    .argument('<scenario>', "a name from 'mmu-notifier list', or a path to a scenario file")
    .addOption(semanticsOption())
    .addOption(coreOption())
    .addOption(new Option('--strategy <name>', 'how to explore').choices(STRATEGIES))
    .addOption(
      new Option('--seed <n>', 'seed of random and pct, and of world.random()').argParser(
        parser(parseSeed),
      ),
    )
    .addOption(
      new Option('--preemption-bound <n>', 'at most n preemptions per schedule').argParser(
        parser(parsePreemptionBound),
      ),
    )
    .addOption(
      new Option('--max-schedules <n>', 'budget of schedules').argParser(
        parser(parseCount('--max-schedules')),
      ),
    )
    .addOption(
      new Option('--max-steps <n>', 'steps per schedule (the liveness bound)').argParser(
        parser(parseCount('--max-steps')),
      ),
    )
    .addOption(timeLimitOption())
    .addOption(
      new Option(
        '--workers <n>',
        "threads that explore (default: the machine's cores; 1: one thread, as before)",
      ).argParser(parser(parseWorkers)),
    )
    .option('--no-fairness', 'dfs: explore unfair schedules too (a spin-wait may then livelock)')
    .addOption(jsonOption())
    .addOption(traceOption())
    .addOption(ftraceOption())
    .addOption(reportOption())
    .option('--no-progress', 'no progress bar (there is none anyway off a terminal or in CI)')
    .option(
      '--no-lockdep',
      'no lock validation (lock-order cycles, recursive locking, held at exit)',
    )
    .addOption(
      new Option(
        '--queue <url>',
        "coordinate a distributed run on this Redis (redis://host:port): 'mmu-notifier worker' processes do the work",
      ),
    )
    .addOption(
      new Option(
        '--run <id>',
        'with --queue: the run id to create or resume (default: a new one, printed)',
      ),
    )
    .addHelpText(
      'after',
      examples([
        'mmu-notifier check seed-2019 --semantics legacy-2019 --report report.html',
        'mmu-notifier check ./my-scenario.ts --strategy random --seed 7 --max-schedules 5000',
        'mmu-notifier check seed-2019 --ftrace seed.ftrace.txt',
        'mmu-notifier check everyday-munmap --queue redis://10.0.0.5:6379 --time-limit 1h',
      ]),
    )
    .action(async (scenario: string, options: CliCheckOptions) => {
      box.code = await checkCommand(io, scenario, options);
    });
}

function replayCommandSpec(io: CliIo, box: ExitBox): Command {
  return new Command('replay')
    .description(
      're-run one schedule of a scenario and print its trace (exit 1 if it ends in a finding)',
    )
    .argument('<scenario>', "a name from 'mmu-notifier list', or a path to a scenario file")
    .argument('<schedule>', "a schedule string from a finding, like 'v1:0.1.1.0'")
    .addOption(semanticsOption())
    .addOption(coreOption())
    .addOption(
      new Option('--max-steps <n>', 'steps per schedule').argParser(
        parser(parseCount('--max-steps')),
      ),
    )
    .addOption(timeLimitOption())
    .addOption(jsonOption())
    .addOption(traceOption())
    .addOption(ftraceOption())
    .addOption(reportOption())
    .option(
      '--no-lockdep',
      'no lock validation (lock-order cycles, recursive locking, held at exit)',
    )
    .addHelpText(
      'after',
      examples([
        "mmu-notifier replay seed-2019 'v1:0.1.1.0' --semantics legacy-2019 --trace seed.trace.json",
        "mmu-notifier replay seed-2019 'v1:0.1.1.0' --semantics legacy-2019 --ftrace seed.ftrace.txt",
      ]),
    )
    .action(async (scenario: string, schedule: string, options: CliCheckOptions) => {
      box.code = await replayCommand(io, scenario, schedule, options);
    });
}

function workerCommandSpec(io: CliIo, box: ExitBox): Command {
  const duration = (flag: string, what: string): Option =>
    new Option(`${flag} <duration>`, what).argParser(parser(parseDuration));
  return new Command('worker')
    .description(
      "do the jobs of distributed runs ('check --queue') on this machine, until stopped (Ctrl-C)",
    )
    .requiredOption('--queue <url>', 'the Redis of the runs (redis://host:port)')
    .addOption(
      new Option(
        '--concurrency <n>',
        'jobs at once in this process (default 1; they share one thread: for more cores, start more workers)',
      ).argParser(parser(parseCount('--concurrency'))),
    )
    .addOption(
      duration(
        '--lock-duration',
        "a job's lock, renewed while it runs: a killed worker's job is retried after it (default 10s)",
      ),
    )
    .addOption(duration('--stalled-interval', 'how often to look for stalled jobs (default 5s)'))
    .addOption(duration('--idle-exit', 'exit after this long without a job (default: never)'))
    .addHelpText(
      'after',
      examples([
        'mmu-notifier worker --queue redis://10.0.0.5:6379',
        'mmu-notifier worker --queue redis://127.0.0.1:6379 --concurrency 2 --idle-exit 5m',
      ]),
    )
    .action(async (options: CliWorkerOptions) => {
      box.code = await workerCommand(io, options);
    });
}

function listCommandSpec(io: CliIo, box: ExitBox): Command {
  return new Command('list')
    .description('list the scenarios of the library')
    .addOption(new Option('--json', 'print an array of { name, description, expect }'))
    .addHelpText('after', examples(['mmu-notifier list', 'mmu-notifier list --json']))
    .action(async (options: { json?: boolean }) => {
      box.code = await listCommand(io, options.json === true);
    });
}

function initCommandSpec(io: CliIo, box: ExitBox): Command {
  return new Command('init')
    .description("write <name>.ts, a starting scenario for your driver (then 'check' it)")
    .argument('<name>', 'the scenario name (also the file name)')
    .addHelpText(
      'after',
      examples(['mmu-notifier init my-driver', 'mmu-notifier check my-driver.ts']),
    )
    .action((name: string) => {
      box.code = initCommand(io, name);
    });
}

/** The whole program, writing to `io`, with commander's exits turned into exceptions. */
export function buildProgram(io: CliIo, box: ExitBox, version: string): Command {
  const program = new Command('mmu-notifier')
    .description('Check the interleavings of Linux MMU notifier scenarios, and show what breaks.')
    .version(version, '-V, --version')
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: io.out,
      writeErr: io.err,
      outputError: (text, write) => {
        const line = text.trim().split('\n')[0] ?? text;
        write(`mmu-notifier: ${line} (see 'mmu-notifier --help')\n`);
      },
    })
    .exitOverride()
    .addHelpText(
      'after',
      examples([
        'mmu-notifier list',
        'mmu-notifier check seed-2019 --semantics legacy-2019',
        "mmu-notifier replay seed-2019 'v1:0.1.1.0' --semantics legacy-2019",
      ]),
    );
  for (const spec of [
    checkCommandSpec(io, box),
    replayCommandSpec(io, box),
    workerCommandSpec(io, box),
    listCommandSpec(io, box),
    initCommandSpec(io, box),
  ]) {
    program.addCommand(spec.exitOverride().configureOutput(program.configureOutput()));
  }
  return program;
}
