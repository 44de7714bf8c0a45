/**
 * Benchmark 3b: the checker's speed on kernel-model scenarios (issue 16 part 4): schedules/s
 * and steps/s of a complete search under the reduction (the library defaults, as
 * `mmu-notifier check NAME` runs it) on `everyday-munmap`, `everyday-madvise-dontneed` and
 * `everyday-oom-reaper`.
 *
 * Each scenario is measured by `scripts/checker-speed.ts` in a child process (CPU time of the
 * `check()` calls, median of `samples` after `warmup`), twice: with Node's default V8 flags
 * (what a program embedding `check()` gets) and with `--no-allocation-site-pretenuring`
 * (what the `mmu-notifier` command sets at startup: allocation-site pretenuring allocates some
 * per-run objects in the old generation; README "V8's allocation-site pretenuring"). The flag is a
 * process-wide V8 setting, hence the child processes: the other benchmarks of this process
 * keep the defaults.
 */

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Effort, Row } from './harness.ts';

/** The model scenarios measured. */
export const MODEL_SCENARIOS = [
  'everyday-munmap',
  'everyday-madvise-dontneed',
  'everyday-oom-reaper',
] as const;

const SCRIPT = fileURLToPath(new URL('../scripts/checker-speed.ts', import.meta.url));
const NO_PRETENURING = '--no-allocation-site-pretenuring';

interface Summary {
  readonly name: string;
  readonly verdict: string;
  readonly schedules: number;
  readonly steps: number;
  readonly cpuMs: number;
  readonly schedulesPerSecond: number;
  readonly stepsPerSecond: number;
}

/** Runs the script in a child with `flags`; its summaries (one JSON line each). */
function measure(flags: readonly string[], effort: Effort): Summary[] {
  const args = ['--samples', String(effort.samples), '--warmup', String(effort.warmup)];
  const text = execFileSync(
    process.execPath,
    [...flags, '--import', 'tsx', SCRIPT, ...args, ...MODEL_SCENARIOS],
    { encoding: 'utf8', maxBuffer: 1 << 24, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Summary);
}

/** The rows: schedules/s per scenario and flag setting, steps/s and counts in the note. */
export function runCheckerModelBench(effort: Effort): Row[] {
  const rows: Row[] = [];
  for (const [subject, flags] of [
    ['mmu-notifier (V8 defaults)', []],
    ['mmu-notifier (CLI: no pretenuring)', [NO_PRETENURING]],
  ] as const) {
    for (const s of measure(flags, effort)) {
      rows.push({
        bench: 'checker',
        workload: `${s.name}: proof, DPOR (model scenario)`,
        subject,
        unit: 'schedules/s',
        value: s.schedulesPerSecond,
        note: `${s.verdict}; ${s.schedules} schedules, ${s.steps} steps in ${s.cpuMs} ms CPU: ${s.stepsPerSecond} steps/s`,
      });
    }
  }
  return rows;
}
