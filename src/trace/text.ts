/**
 * Plain-text views of a check's result, for a terminal and for logs: a one-screen summary
 * (verdict, schedule, the command that replays it, statistics) and the trace as a table, the
 * finding's step marked. No colour codes: the caller may add them.
 */

import { formatLockdepReport } from '../check/lockdep/format.ts';
import type { CheckResult, TraceEvent } from '../check/types.ts';

/** Events shown by default by {@link formatTrace}; the rest are counted, not printed. */
export const TRACE_LINES_DEFAULT = 80;

/** Options of {@link formatTrace}. */
export interface FormatTraceOptions {
  /** The most events printed (the last ones). Default {@link TRACE_LINES_DEFAULT}. */
  readonly max?: number;
  /** The step to mark with `>>` (the finding's). */
  readonly markStep?: number;
  /** Leave out `access` events (unlocks, trylocks) for a shorter view. Default false. */
  readonly pointsOnly?: boolean;
}

function eventText(e: TraceEvent): string {
  const subject = e.obj === '' ? '' : ` ${e.obj}`;
  const detail = e.detail === '' ? '' : `  ${e.detail}`;
  const prefix = e.type === 'note' ? '· ' : e.type === 'task' ? '# ' : '';
  return `${prefix}${e.op}${subject}${detail}`;
}

/**
 * The trace as aligned text lines: step, task, event. Notes are marked `·`, task
 * spawn/exit `#`, the finding's step `>>`.
 */
export function formatTrace(
  trace: readonly TraceEvent[],
  options: FormatTraceOptions = {},
): string {
  const max = options.max ?? TRACE_LINES_DEFAULT;
  const shown = options.pointsOnly === true ? trace.filter((e) => e.type !== 'access') : trace;
  const tail = shown.slice(Math.max(0, shown.length - max));
  const taskWidth = Math.min(16, Math.max(4, ...tail.map((e) => e.task.length)));
  const stepWidth = Math.max(4, String(tail[tail.length - 1]?.step ?? 0).length);
  const lines = tail.map((e) => {
    const mark = options.markStep !== undefined && e.step === options.markStep ? '>>' : '  ';
    const task = e.task.length > taskWidth ? `${e.task.slice(0, taskWidth - 1)}…` : e.task;
    return `${mark}${String(e.step).padStart(stepWidth)}  ${task.padEnd(taskWidth)}  ${eventText(e)}`;
  });
  const cut = shown.length - tail.length;
  const header = `  ${'step'.padStart(stepWidth)}  ${'task'.padEnd(taskWidth)}  event`;
  return [header, ...(cut > 0 ? [`  … ${cut} earlier events`] : []), ...lines].join('\n');
}

/** Shell-quotes one argument if it needs it. */
function shellArg(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The command that runs the CLI when none is given: the package's bin through npx. */
export const REPLAY_COMMAND_DEFAULT: readonly string[] = ['npx', 'mmu-notifier'];

/**
 * The command line that replays a finding's schedule. `scenarioArg` is what names the
 * scenario on the command line: the scenario's name by default (a library scenario), the
 * file's path for a scenario loaded from a file. `command` runs the CLI: `npx mmu-notifier`
 * by default (right inside a project that depends on the package); the CLI passes
 * `node <its own bin/mmu-notifier.js>` and an absolute file path, so that the printed line
 * runs the very copy that produced it, from any directory.
 */
export function replayCommandLine(
  result: CheckResult,
  scenarioArg: string = result.scenario,
  command: readonly string[] = REPLAY_COMMAND_DEFAULT,
): string | undefined {
  if (result.finding === undefined) return undefined;
  const semantics = result.options['semantics'];
  const args = [...command, 'replay', scenarioArg, result.finding.schedule];
  if (typeof semantics === 'string') args.push('--semantics', semantics);
  const core = result.options['core'];
  if (core === 'real') args.push('--core', core);
  // A livelock is the step bound itself: the replay must stop at the same bound.
  const maxSteps = result.options['maxSteps'];
  if (result.finding.kind === 'livelock' && typeof maxSteps === 'number') {
    args.push('--max-steps', String(maxSteps));
  }
  // A hang is stopped by the time limit only: the replay needs it too.
  const timeLimitMs = result.options['timeLimitMs'];
  if (result.finding.kind === 'hang' && typeof timeLimitMs === 'number') {
    args.push('--time-limit', `${Math.round(timeLimitMs)}ms`);
  }
  if (result.options['lockdep'] === false) args.push('--no-lockdep');
  return args.map(shellArg).join(' ');
}

/** How a clean search ended: complete, or which budget stopped it. */
function searchEnd(result: CheckResult): string {
  if (result.stats.complete) return ', search complete';
  const by = result.stats.stoppedBy;
  return by === undefined ? ', search not complete' : `, search stopped by ${by}`;
}

/** One line of statistics (for a clean run, how the search ended). */
export function formatStats(result: CheckResult): string {
  const s = result.stats;
  const rate = Math.round(s.schedulesPerSecond).toLocaleString('en-US');
  const end = result.ok ? searchEnd(result) : '';
  const schedules = `${s.schedules.toLocaleString('en-US')} schedule${s.schedules === 1 ? '' : 's'}`;
  return `${schedules}, ${s.steps.toLocaleString('en-US')} step${s.steps === 1 ? '' : 's'} in ${Math.round(s.elapsedMs)} ms (${rate}/s)${end}`;
}

/**
 * The verdict in a few lines: the finding (kind, message, schedule, replay command) or the
 * proof summary of a clean run, then statistics. `scenarioArg`, `command`: as for
 * {@link replayCommandLine}.
 */
export function formatSummary(
  result: CheckResult,
  scenarioArg?: string,
  command?: readonly string[],
): string {
  const semantics = result.options['semantics'];
  const real = result.options['core'] === 'real' ? ', core real' : '';
  const under = typeof semantics === 'string' ? ` (semantics ${semantics}${real})` : '';
  const f = result.finding;
  if (f === undefined) {
    const bound = result.options['preemptionBound'];
    const within = typeof bound === 'number' ? ` within ${bound} preemptions` : '';
    const verdict =
      result.options['strategy'] === 'replay'
        ? 'no finding in the replayed schedule'
        : result.stats.complete
          ? `PROVEN: every schedule${within} explored, no finding`
          : 'no finding in the schedules explored (not a proof: the search was not complete)';
    return [`${result.scenario}${under}: ${verdict}`, `  ${formatStats(result)}`].join('\n');
  }
  const chains = f.lockdep === undefined ? [] : formatLockdepReport(f.lockdep);
  return [
    `${result.scenario}${under}: FINDING (${f.kind}) at step ${f.step}`,
    `  ${f.message}`,
    ...chains.map((line) => `    ${line}`),
    `  schedule: ${f.schedule}  (${f.preemptions} preemption${f.preemptions === 1 ? '' : 's'})`,
    `  replay:   ${replayCommandLine(result, scenarioArg, command)}`,
    `  ${formatStats(result)}`,
  ].join('\n');
}
