/**
 * The coordinator of a parallel check: hands jobs (`job.ts`) to an {@link Executor} (a pool
 * of threads, `pool.ts`; the calling thread, for tests; a queue, elsewhere) and merges their
 * results, in rounds.
 *
 * A round: every job ready is handed out at once; when all of their results are in, they
 * are applied in DFS order (the jobs' keys), and the next round's jobs are taken, also in
 * DFS order. Nothing depends on which result came first, nor on how many threads ran the
 * round, so a check explores the same schedules with any number of workers, and reports the
 * same first finding: the first in the tree's DFS order (the jobs' keys), found by running
 * on only the jobs that come before the best finding so far. (The rounds cost some idle time
 * at each barrier: jobs are kept short, {@link JOB_SCHEDULES} runs, so it stays small; the
 * first rounds, with fewer jobs than threads, run smaller jobs, {@link RAMP_ROUNDS}.)
 *
 * DFS: the first round is the root job; a job whose budget runs out returns its frontier,
 * whose nodes join the tree (`tree.ts`); a job's `above` requests add choices at nodes of its
 * path. Each choice a node hands out is a new job, whose prefix ends at that node with `done`
 * as it was when the choice was taken: siblings handed out earlier sleep in it (if
 * independent), later ones do not, so the siblings of a node are in one total order, as in a
 * one-thread search (whose soundness argument, docs/architecture.md "Reduction", holds for
 * any order of taking a node's backtrack choices: see "Parallel checking" there).
 *
 * Random and PCT: the budget is cut in chunks of {@link SEED_CHUNK} runs, chunk `j` seeded
 * from (seed, j); chunk 0 runs the seed itself, so it repeats a one-thread check's first runs.
 * Chunks run in rounds of {@link SEED_ROUND}, in chunk order; the first finding is the one of
 * the lowest chunk, and no round starts after a round that found one. Neither the chunks nor
 * the rounds depend on the number of workers.
 *
 * Budgets: `maxSchedules` is shared out among a round's jobs in DFS order, so the search never
 * runs more (probe runs aside); `timeLimitMs` is checked between rounds, and each job gets its end
 * as a wall-clock deadline (a job stopped by it ends the search, incomplete; a job that
 * starts late does not run past it).
 */

import { InternalError } from '../../errors.ts';
import type { Settings } from '../options.ts';
import { type DfsNode, mergeDigest, type ScheduleDigest } from '../strategies/dfs-node.ts';
import { JOB_PROTOCOL, type Job, type JobFinding, type JobOptions, type JobResult } from './job.ts';
import type { ScenarioRef } from './scenario-ref.ts';
import { addTask, compareKeys, pathTo, TreeNode } from './tree.ts';

/** Runs of one DFS job (its budget). */
export const JOB_SCHEDULES = 1_000;

/**
 * The first rounds whose jobs get a smaller budget, each a quarter of the next one's (the
 * root job runs {@link JOB_SCHEDULES} / 4^3 = 15 runs): the tree fans out before the jobs
 * grow, so the first rounds, with fewer jobs than threads, are short.
 */
export const RAMP_ROUNDS = 3;

/** Runs of one random or PCT job. */
export const SEED_CHUNK = 250;

/** Random and PCT chunks per round (the search stops after the round of a finding). */
export const SEED_ROUND = 16;

/** Runs jobs somewhere. */
export interface Executor {
  /** Resolves with the job's result; rejects when the job fails. */
  run(job: Job): Promise<JobResult>;
}

/** Merged counters and the first finding of a parallel search. */
export interface ParallelEnd {
  /** The first finding in DFS order (seed order for random and PCT), not minimized. */
  readonly finding: JobFinding | undefined;
  /** Runs of the jobs' searches. */
  readonly schedules: number;
  /** Probe runs (footprints a job's root lacked). */
  readonly probes: number;
  /** Steps of all runs. */
  readonly steps: number;
  /** Runs cut by the strategy. */
  readonly pruned: number;
  /** Jobs handed out. */
  readonly jobs: number;
  /** Rounds (barriers). */
  readonly rounds: number;
  /** The digest of the schedules the jobs ran. */
  readonly digest: ScheduleDigest;
  /** True when every job ran to its end (no budget stopped the search). */
  readonly complete: boolean;
  /** The budget that ended the search early, if one did. */
  readonly stoppedBy: 'maxSchedules' | 'timeLimitMs' | undefined;
}

/** Progress of a parallel search, after each result. */
export type ParallelProgress = (schedules: number, steps: number) => void;

/** A job ready to hand out: the node and the choice it takes there (null: the root job). */
interface Ready {
  readonly node: TreeNode | null;
  readonly choice: number;
  /** The node as it was when the choice was taken (its `done` then). */
  readonly last: DfsNode | null;
  readonly key: readonly number[];
}

/** The job options of resolved settings. */
export function jobOptionsOf(settings: Settings): JobOptions {
  return {
    reduction: settings.reduction,
    preemptionBound: settings.preemptionBound ?? null,
    fairness: settings.fairness,
    maxSteps: settings.maxSteps,
    seed: settings.seed,
    semantics: settings.semantics,
    core: settings.core,
    pctDepth: settings.pctDepth,
    lockdep: settings.lockdep,
  };
}

/** One parallel search (see the module comment). */
export class Coordinator {
  readonly #settings: Settings;
  readonly #ref: ScenarioRef;
  readonly #executor: Executor;
  readonly #onProgress: ParallelProgress | undefined;
  readonly #startedMs = performance.now();
  /** The jobs' deadline: the wall-clock time the time limit ends (see `job.ts`). */
  readonly #deadlineMs: number;
  readonly #bound: number;
  readonly #jobSchedules: number;
  readonly #digest: ScheduleDigest = { a: 0, b: 0 };
  #schedules = 0;
  #probes = 0;
  #steps = 0;
  #pruned = 0;
  #jobs = 0;
  #rounds = 0;
  #best: { finding: JobFinding; key: readonly number[] } | undefined;
  #stoppedBy: ParallelEnd['stoppedBy'];

  /**
   * @param jobSchedules the runs of one DFS job (default {@link JOB_SCHEDULES}); it changes
   * how the tree is cut, so the schedules explored (the guarantee is per value).
   */
  constructor(
    settings: Settings,
    ref: ScenarioRef,
    executor: Executor,
    onProgress?: ParallelProgress,
    jobSchedules: number = JOB_SCHEDULES,
  ) {
    this.#jobSchedules = jobSchedules;
    this.#settings = settings;
    // An unbounded limit (Infinity) stays a number through JSON (the queue's jobs).
    this.#deadlineMs = Math.min(Date.now() + settings.timeLimitMs, Number.MAX_SAFE_INTEGER);
    this.#ref = ref;
    this.#executor = executor;
    this.#onProgress = onProgress;
    this.#bound = settings.preemptionBound ?? Number.POSITIVE_INFINITY;
  }

  /** Runs the search to its end. */
  async run(): Promise<ParallelEnd> {
    if (this.#settings.strategy === 'dfs') await this.#dfs();
    else await this.#seeds();
    return {
      finding: this.#best?.finding,
      schedules: this.#schedules,
      probes: this.#probes,
      steps: this.#steps,
      pruned: this.#pruned,
      jobs: this.#jobs,
      rounds: this.#rounds,
      digest: { ...this.#digest },
      complete: this.#stoppedBy === undefined,
      stoppedBy: this.#stoppedBy,
    };
  }

  async #dfs(): Promise<void> {
    let ready: Ready[] = [{ node: null, choice: -1, last: null, key: [] }];
    while (ready.length > 0) {
      const sorted = ready
        .filter((r) => this.#before(r.key))
        .sort((a, b) => compareKeys(a.key, b.key));
      if (sorted.length === 0 || this.#outOfBudget()) break;
      // The budget left is shared out in DFS order: the search never runs past maxSchedules;
      // jobs left without budget wait for the next round (the budget a round's jobs do not
      // use comes back), or end the search when there is none.
      let left = this.#settings.maxSchedules - this.#schedules;
      const round: Ready[] = [];
      const jobs: Job[] = [];
      const waiting: Ready[] = [];
      const size = this.#jobSize();
      for (const r of sorted) {
        const budget = Math.min(size, left);
        if (budget <= 0) waiting.push(r);
        else {
          left -= budget;
          round.push(r);
          jobs.push(this.#subtreeJob(r, budget));
        }
      }
      const results = await this.#runRound(jobs);
      const touched = new Set<TreeNode>();
      const next: Ready[] = waiting;
      for (let i = 0; i < round.length; i++) this.#apply(round[i]!, results[i]!, touched, next);
      const nodes = [...touched].sort((a, b) => compareKeys(a.key, b.key));
      for (const node of nodes) this.#takeAll(node, next);
      ready = next;
    }
  }

  /** The budget of this round's jobs: ramped up over the first rounds (see the module comment). */
  #jobSize(): number {
    const shift = Math.max(0, RAMP_ROUNDS - this.#rounds) * 2;
    return Math.max(1, Math.floor(this.#jobSchedules / 2 ** shift));
  }

  /** Random and PCT: rounds of {@link SEED_ROUND} chunks, up to the first with a finding. */
  async #seeds(): Promise<void> {
    const total = this.#settings.maxSchedules;
    const chunks = Math.ceil(total / SEED_CHUNK);
    const strategy = this.#settings.strategy as 'random' | 'pct';
    for (let first = 0; first < chunks && this.#best === undefined; first += SEED_ROUND) {
      if (this.#outOfBudget()) return;
      const jobs: Job[] = [];
      for (let j = first; j < Math.min(chunks, first + SEED_ROUND); j++) {
        jobs.push({
          ...this.#base(`s:${j}`, Math.min(SEED_CHUNK, total - j * SEED_CHUNK)),
          kind: 'seeds',
          strategy,
          chunk: j,
        });
      }
      const results = await this.#runRound(jobs);
      results.forEach((result, i) => {
        this.#count(result);
        const key = [first + i];
        if (result.finding !== null && this.#before(key))
          this.#best = { finding: result.finding, key };
      });
    }
    if (this.#best === undefined) this.#stoppedBy ??= 'maxSchedules';
  }

  #base(id: string, maxSchedules: number): Omit<Job, 'kind'> & { protocol: number } {
    return {
      protocol: JOB_PROTOCOL,
      id,
      scenario: this.#ref,
      options: jobOptionsOf(this.#settings),
      maxSchedules,
      deadlineMs: this.#deadlineMs,
    };
  }

  #subtreeJob(ready: Ready, budget: number): Job {
    const prefix: DfsNode[] = [];
    if (ready.node !== null) {
      const path = pathTo(ready.node);
      for (let d = 0; d + 1 < path.length; d++) prefix.push(path[d]!.export(path[d + 1]!.choice));
      prefix.push(ready.last!);
    }
    const id = `d:${prefix.map((n) => n.chosen).join('.')}`;
    return { ...this.#base(id, budget), kind: 'subtree', prefix };
  }

  /** Runs a round's jobs; a failed job fails the round (with its id). */
  async #runRound(jobs: readonly Job[]): Promise<JobResult[]> {
    this.#rounds++;
    this.#jobs += jobs.length;
    // Progress counts results as they come; the round applies them in DFS order later.
    let schedules = this.#schedules;
    let steps = this.#steps;
    return Promise.all(
      jobs.map(async (job) => {
        const result = await this.#executor.run(job);
        if (result.id !== job.id || result.protocol !== JOB_PROTOCOL)
          throw new InternalError(
            `job ${job.id}: a result for ${result.id} (protocol ${result.protocol})`,
          );
        schedules += result.schedules;
        steps += result.steps;
        this.#onProgress?.(schedules, steps);
        return result;
      }),
    );
  }

  #count(result: JobResult): void {
    this.#schedules += result.schedules;
    this.#probes += result.probes;
    this.#steps += result.steps;
    this.#pruned += result.pruned;
    mergeDigest(this.#digest, result.digest);
    if (result.stoppedBy === 'timeLimitMs') this.#stoppedBy = 'timeLimitMs';
  }

  /** Applies one result (see the module comment); nodes that may have choices to hand out. */
  #apply(ready: Ready, result: JobResult, touched: Set<TreeNode>, next: Ready[]): void {
    this.#count(result);
    if (result.finding !== null) {
      if (this.#before(ready.key)) this.#best = { finding: result.finding, key: ready.key };
      return;
    }
    const path = ready.node === null ? [] : pathTo(ready.node);
    const root = path.at(-1);
    if (root !== undefined && result.rootAccess !== null)
      root.access[ready.choice] ??= result.rootAccess;
    for (const [i, task] of result.above) {
      const changed = addTask(path, i, task);
      if (changed !== null) touched.add(changed);
    }
    let parent = root ?? null;
    let choice = ready.choice;
    for (const node of result.frontier) {
      parent = new TreeNode(node, parent, choice);
      touched.add(parent);
      choice = node.chosen;
    }
    if (parent !== null && result.frontier.length > 0) {
      const key = [...parent.key, parent.order.indexOf(choice)];
      next.push({ node: parent, choice, last: parent.export(choice), key });
    }
  }

  /** Hands out every unexplored choice of `node`, each with `done` as it is when taken. */
  #takeAll(node: TreeNode, next: Ready[]): void {
    for (let choice = node.take(this.#bound); choice >= 0; choice = node.take(this.#bound)) {
      next.push({
        node,
        choice,
        last: node.export(choice),
        key: [...node.key, node.order.length - 1],
      });
    }
  }

  /** True when a job at `key` comes before the best finding so far (or there is none). */
  #before(key: readonly number[]): boolean {
    return this.#best === undefined || compareKeys(key, this.#best.key) < 0;
  }

  #outOfBudget(): boolean {
    if (this.#stoppedBy !== undefined) return true;
    if (this.#schedules >= this.#settings.maxSchedules) this.#stoppedBy = 'maxSchedules';
    else if (performance.now() - this.#startedMs >= this.#settings.timeLimitMs)
      this.#stoppedBy = 'timeLimitMs';
    return this.#stoppedBy !== undefined;
  }
}
