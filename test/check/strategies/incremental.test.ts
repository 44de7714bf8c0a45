/**
 * Goal: the search's two shortcuts on a replayed prefix change nothing. (1) The race detector
 * keeps the analysis of the steps a run replays from the previous one (`dpor.ts`): the races
 * it reports, in order, must be the whole-run analysis of the detector before the change
 * (`race-oracle.ts`, main at 311bff6). (2) A run does not evaluate the invariants in the states
 * DFS's branch point says an earlier run passed (`execution.ts`): every run must end the same
 * (choices, status, finding, steps) as when they are evaluated everywhere, findings included.
 * Method: random programs of the soundness differential (with invariants, cut runs, deadlocks)
 * and model scenarios, through the internal search loop with a strategy wrapper that checks
 * each run's record before DFS reads it.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExecutionLog, type ExecutionLogView } from '../../../src/check/execution-log.ts';
import { search, startCounters } from '../../../src/check/search.ts';
import { DfsStrategy } from '../../../src/check/strategies/dfs.ts';
import { RaceDetector } from '../../../src/check/strategies/dpor.ts';
import type { Strategy } from '../../../src/check/strategy.ts';
import { defineScenario, type Scenario } from '../../../src/check/world.ts';
import type { Semantics } from '../../../src/core/range.ts';
import { seed2019 } from '../../../src/scenarios/seed.ts';
import { generate } from '../differential/program.ts';
import { toScenario } from '../differential/run-program.ts';
import { lostUpdate } from '../fixtures.ts';
import { OracleRaceDetector } from './race-oracle.ts';

/** DFS with the reduction, observed: `onEnd` sees each run's log first. */
class Observed implements Strategy {
  readonly name = 'dfs';
  readonly #inner = new DfsStrategy({ reduction: true, preemptionBound: undefined });
  readonly #hideChecked: boolean;
  readonly #onEnd: (log: ExecutionLogView) => void;

  constructor(hideChecked: boolean, onEnd: (log: ExecutionLogView) => void = () => {}) {
    this.#hideChecked = hideChecked;
    this.#onEnd = onEnd;
  }

  get complete(): boolean {
    return this.#inner.complete;
  }

  get checkedStates(): number {
    return this.#hideChecked ? -1 : this.#inner.checkedStates;
  }

  newExecution(): boolean {
    return this.#inner.newExecution();
  }

  nextTask(step: number, enabled: number, previous: number, log: ExecutionLogView): number {
    return this.#inner.nextTask(step, enabled, previous, log);
  }

  endExecution(log: ExecutionLogView): void {
    this.#onEnd(log);
    this.#inner.endExecution(log);
  }
}

/** Runs every schedule of `scenario`, going on past findings (`onFinding` sees each). */
async function runs(
  scenario: Scenario,
  strategy: Observed,
  semantics: Semantics = 'current',
  onFinding: (line: string) => void = () => {},
): Promise<void> {
  const settings = { maxSteps: 200, seed: 0, semantics, trace: false, fairness: true };
  await search(scenario, strategy, new ExecutionLog(), settings, startCounters(), {
    maxSchedules: 20_000,
    timeLimitMs: 600_000,
    onProgress: undefined,
    onFinding: (found) => {
      const f = found.outcome.finding!;
      onFinding(`${found.choices.join('.')}|${f.kind}|${f.message}|${found.outcome.steps}`);
      return false;
    },
  });
  assert.ok(strategy.complete, `${scenario.name}: the search completes`);
}

/** The choices of the run in `log`. */
function choicesOf(log: ExecutionLogView): number[] {
  const choices: number[] = [];
  for (let j = 0; j < log.steps; j++) choices.push(log.taskAt(j));
  return choices;
}

/** The races of `analyze`, as `i:task` strings. */
function races(analyze: (sink: (i: number, task: number) => void) => void): string[] {
  const out: string[] = [];
  analyze((i, task) => out.push(`${i}:${task}`));
  return out;
}

/** Checks the incremental detector against the oracle on every run of `scenario`. */
async function compareRaces(scenario: Scenario): Promise<{ runs: number; resumed: number }> {
  const incremental = new RaceDetector();
  let previous: number[] = [];
  let count = 0;
  let resumed = 0;
  const onEnd = (log: ExecutionLogView): void => {
    const choices = choicesOf(log);
    let from = 0;
    while (from < choices.length && from < previous.length && choices[from] === previous[from])
      from++;
    previous = choices;
    const expected = races((sink) => new OracleRaceDetector().analyze(log, sink));
    const got = races((sink) => incremental.analyze(log, sink, from));
    assert.deepEqual(got, expected, `${scenario.name}, run ${count} (from ${from})`);
    // A fresh detector told to resume cannot: it analyses the whole run.
    assert.deepEqual(
      races((sink) => new RaceDetector().analyze(log, sink, from)),
      expected,
    );
    count++;
    if (from > 0) resumed++;
  };
  await runs(scenario, new Observed(false, onEnd));
  return { runs: count, resumed };
}

describe('incremental race analysis', () => {
  it('reports the races of the whole-run analysis, in order, on 60 random programs', async () => {
    let total = 0;
    let resumed = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const { scenario } = toScenario(generate(seed), () => {});
      const r = await compareRaces(scenario);
      total += r.runs;
      resumed += r.resumed;
    }
    assert.ok(resumed > total / 2, `most runs resume (${resumed} of ${total})`);
  });

  it('does so on the seed-2019 model scenario and on the lost update', async () => {
    const r = await compareRaces(seed2019);
    assert.ok(r.runs > 100 && r.resumed > 100, `${r.runs} runs, ${r.resumed} resumed`);
    await compareRaces(lostUpdate(false, 3));
  });
});

/**
 * Every run of `scenario` (its choices, whether it was cut, its pending ops) and every
 * finding, in order, with the shortcut or without it (`hideChecked`).
 */
async function outcomes(
  scenario: Scenario,
  hideChecked: boolean,
  semantics: Semantics = 'current',
): Promise<string[]> {
  const lines: string[] = [];
  const onEnd = (log: ExecutionLogView): void => {
    lines.push(`${choicesOf(log).join('.')}|${log.cut}|${log.pendingCount}`);
  };
  await runs(scenario, new Observed(hideChecked, onEnd), semantics, (line) => lines.push(line));
  return lines;
}

/**
 * Two cells written in turn by three tasks; the invariant fails in the middle of some runs
 * (both cells 1), and counts its evaluations.
 */
function midRunViolation(counter: { n: number }): Scenario {
  return defineScenario({
    name: 'mid-run-violation',
    setup(world) {
      const a = world.shared(0, 'a');
      const b = world.shared(0, 'b');
      world.spawn('t0', async () => {
        await a.store(1);
        await a.store(2);
      });
      world.spawn('t1', async () => {
        await b.store(1);
        await b.store(2);
      });
      world.spawn('t2', async () => {
        await a.store(0);
        await b.store(0);
      });
      world.invariant('not both 1', () => {
        counter.n++;
        return !(a.value === 1 && b.value === 1);
      });
    },
  });
}

describe('invariants in replayed states', () => {
  it('are skipped, and every run ends the same: findings in the middle of runs', async () => {
    const skipped = { n: 0 };
    const everywhere = { n: 0 };
    const got = await outcomes(midRunViolation(skipped), false);
    const expected = await outcomes(midRunViolation(everywhere), true);
    const findings = expected.filter((line) => line.includes('invariant')).length;
    assert.ok(findings > 3, `${findings} findings`);
    assert.deepEqual(got, expected);
    assert.ok(skipped.n < everywhere.n, `${skipped.n} evaluations < ${everywhere.n}`);
  });

  it('change no run of 60 random programs with invariants, or of seed-2019 (6.1)', async () => {
    let programs = 0;
    for (let seed = 1; programs < 60; seed++) {
      const program = generate(seed);
      if (program.invariants.length === 0) continue;
      programs++;
      const a = toScenario(program, () => {}).scenario;
      const b = toScenario(program, () => {}).scenario;
      assert.deepEqual(await outcomes(a, false), await outcomes(b, true), `program ${seed}`);
    }
    const old = await outcomes(seed2019, true, 'linux-6.1');
    assert.ok(old.some((line) => line.includes('|invariant|')));
    assert.deepEqual(await outcomes(seed2019, false, 'linux-6.1'), old);
  });
});
