/**
 * The mechanism under `runJob` (`job.ts`): the run settings of a job, the probe runs that
 * measure the footprints a job's root lacks, the seed of a chunk, the strategy of a job, and
 * the translation of its outcome into a {@link JobResult}'s fields. No state of its own.
 */

import { assertInternal } from '../../errors.ts';
import { type RunSettings, runSchedule } from '../execution.ts';
import { type ExecutionLog, stepAccesses } from '../execution-log.ts';
import { LockGraph } from '../lockdep/graph.ts';
import { isLockdepFinding } from '../lockdep/report.ts';
import { PrefixChooser } from '../prefix-chooser.ts';
import type { Found } from '../search.ts';
import { DfsStrategy } from '../strategies/dfs.ts';
import type { DfsNode } from '../strategies/dfs-node.ts';
import { PctStrategy } from '../strategies/pct.ts';
import { RandomStrategy } from '../strategies/random.ts';
import type { Strategy } from '../strategy.ts';
import type { Scenario } from '../world.ts';
import type { Job, JobFinding, JobOptions, JobResult } from './job.ts';

/** A probe run's choice that cannot run: the probe follows a prefix the search ran. */
function probeDiverged(_step: number, choice: number): never {
  assertInternal(false, `probe: task ${choice} not enabled`);
}

/** The run settings of a job. */
export function runSettingsOf(options: JobOptions, dfs: boolean): RunSettings {
  return {
    maxSteps: options.maxSteps,
    seed: options.seed,
    semantics: options.semantics as RunSettings['semantics'],
    core: options.core,
    trace: false,
    fairness: dfs && options.fairness && options.reduction,
    probe: null,
    lockdep: options.lockdep ? new LockGraph() : null,
  };
}

/**
 * Fills the footprints the prefix's last node lacks for tasks done there (siblings handed
 * out in the same round): one probe run each, cut right after that step. The number of probes.
 */
export async function probeRoot(
  scenario: Scenario,
  prefix: DfsNode[],
  log: ExecutionLog,
  run: RunSettings,
): Promise<number> {
  const k = prefix.length - 1;
  const root = prefix[k]!;
  const choices = prefix.slice(0, k).map((n) => n.chosen);
  const access = [...root.access];
  let probes = 0;
  for (let rest = root.done & ~(1 << root.chosen); rest !== 0; rest &= rest - 1) {
    const t = 31 - Math.clz32(rest & -rest);
    if (access[t] != null) continue;
    await runSchedule(scenario, new PrefixChooser([...choices, t], probeDiverged), log, run);
    assertInternal(log.steps === k + 1, `probe of task ${t} at node ${k}: ${log.steps} steps`);
    access[t] = stepAccesses(log, k);
    probes++;
  }
  prefix[k] = { ...root, access };
  return probes;
}

export function seedOf(seed: number, chunk: number): number {
  if (chunk === 0) return seed;
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(chunk, 0xc2b2ae35);
  h ^= h >>> 16;
  return Math.imul(h, 0x27d4eb2f) ^ (h >>> 15);
}

export function toJobFinding(found: Found): JobFinding {
  const raw = found.outcome.finding!;
  return {
    kind: raw.kind,
    message: raw.message,
    signature: raw.signature,
    choices: found.choices,
    priors: isLockdepFinding(raw) ? raw.priors.map((p) => [...p]) : [],
    steps: found.outcome.steps,
    preemptions: found.outcome.preemptions,
  };
}

/** `timeLimitMs`; `maxSchedules` only for a subtree left unfinished; else null. */
export function stoppedBy(
  end: { found: Found | undefined; stoppedBy: 'maxSchedules' | 'timeLimitMs' | undefined },
  tree: DfsStrategy | null,
  job: Job,
): JobResult['stoppedBy'] {
  if (end.found !== undefined || end.stoppedBy === undefined) return null;
  if (end.stoppedBy === 'timeLimitMs') return 'timeLimitMs';
  return job.kind === 'subtree' && tree !== null && !tree.complete ? 'maxSchedules' : null;
}

export function strategyOf(job: Job, prefix: readonly DfsNode[]): Strategy {
  if (job.kind === 'subtree') {
    return new DfsStrategy({
      reduction: job.options.reduction,
      preemptionBound: job.options.preemptionBound ?? undefined,
      fairness: job.options.fairness,
      prefix,
    });
  }
  const seed = seedOf(job.options.seed, job.chunk);
  return job.strategy === 'random'
    ? new RandomStrategy(seed)
    : new PctStrategy(job.options.pctDepth, seed);
}
