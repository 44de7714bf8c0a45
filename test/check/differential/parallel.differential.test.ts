/**
 * Goal: the reduction stays sound when the search is cut into jobs (issue 15): a backtrack
 * point found above a job's root becomes a new job, never a lost branch. Method: the soundness
 * differential's random programs (`program.ts`), explored by plain DFS on one thread and by
 * the parallel coordinator with the default search (DPOR + sleep sets), its jobs cut to a
 * few runs each (so nearly every node is split off and every race crosses a job boundary),
 * run in-process through `runJob` (the scenario's outcomes are seen through a closure: a
 * pool thread could not report them). The outcome sets must be equal. A second pass with 3
 * runs per job must give the same digest whatever order the executor answers in.
 *
 * Runs: MMU_PAR_DIFF_PROGRAMS programs (default 150) of <= 7 scheduling points.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveOptions } from '../../../src/check/options.ts';
import { Coordinator, type Executor } from '../../../src/check/parallel/coordinator.ts';
import { type Job, runJob } from '../../../src/check/parallel/job.ts';
import { formatDigest } from '../../../src/check/strategies/dfs-node.ts';
import { explore } from './explore.ts';
import { generate, type Program, print } from './program.ts';
import { toScenario } from './run-program.ts';

const PROGRAMS = Number(process.env['MMU_PAR_DIFF_PROGRAMS'] ?? 150);
const POINTS = 7;
const PLAIN_BUDGET = 20_000;

/** Every outcome of `program` through the coordinator, jobs of `perJob` runs. */
async function exploreParallel(
  program: Program,
  perJob: number,
  shuffle: boolean,
): Promise<{ outcomes: string[]; complete: boolean; digest: string }> {
  const seen = new Set<string>();
  const { scenario, describe } = toScenario(program, (o) => seen.add(o));
  const settings = resolveOptions({ maxSteps: 200, lockdep: false });
  // One job at a time (runs of one thread must not interleave), in the order they come, or
  // (shuffle) every other one delayed: results then arrive out of order.
  let turn = 0;
  let chain: Promise<unknown> = Promise.resolve();
  const executor: Executor = {
    run: async (job: Job) => {
      if (shuffle && turn++ % 2 === 0)
        for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
      const mine = chain.then(async () => {
        const all = { ...job, options: { ...job.options, allFindings: true } };
        const result = await runJob(all, scenario, (found) => {
          const f = found.outcome.finding!;
          if (f.kind === 'deadlock') seen.add(`deadlock ${describe()}`);
          else if (f.kind === 'invariant') seen.add('invariant');
          else seen.add(`${f.kind} ${f.message}`);
        });
        return { ...result, finding: null };
      });
      chain = mine.catch(() => undefined);
      return mine;
    },
  };
  const coordinator = new Coordinator(settings, { library: 'unused' }, executor, undefined, perJob);
  const end = await coordinator.run();
  return { outcomes: [...seen].sort(), complete: end.complete, digest: formatDigest(end.digest) };
}

describe('soundness differential through the parallel search', () => {
  it(`${PROGRAMS} random programs, jobs of 2 runs: the outcomes of plain DFS`, async () => {
    let compared = 0;
    for (let seed = 0; seed < PROGRAMS; seed++) {
      const program = generate(seed, POINTS);
      const plain = await explore(program, false, PLAIN_BUDGET);
      if (!plain.complete) continue;
      const parallel = await exploreParallel(program, 2, false);
      assert.ok(parallel.complete, `seed ${seed}: the parallel search did not complete`);
      const lost = plain.outcomes.filter((o) => !parallel.outcomes.includes(o));
      const extra = parallel.outcomes.filter((o) => !plain.outcomes.includes(o));
      assert.deepEqual(
        { lost, extra },
        { lost: [], extra: [] },
        `seed ${seed}:\n${print(program)}`,
      );
      compared++;
    }
    assert.ok(compared >= PROGRAMS * 0.95, `${compared} of ${PROGRAMS} compared`);
  });

  it('the same schedules whatever order the results arrive in', async () => {
    for (let seed = 0; seed < 40; seed++) {
      const program = generate(seed, POINTS);
      const inOrder = await exploreParallel(program, 3, false);
      const shuffled = await exploreParallel(program, 3, true);
      assert.equal(shuffled.digest, inOrder.digest, `seed ${seed}`);
      assert.deepEqual(shuffled.outcomes, inOrder.outcomes, `seed ${seed}`);
    }
  });
});
