/**
 * Goal: every benchmark function produces well-formed rows, and the report, chart and verdict
 * code accept them. Method: tiny sizes, one sample, no repetition. No timing is asserted (the
 * figures are whatever this machine gives); heap rows are absent without `--expose-gc`.
 * Where gcc and the kernel tarball are present, the kernel-C column runs too (its checksums
 * must agree with ours: the harness fails the comparison otherwise); where not, it is absent.
 */

import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, it } from 'node:test';
import { chartSvg } from '../../bench/chart.ts';
import type { Effort, Row } from '../../bench/harness.ts';
import { compare, summarize } from '../../bench/harness.ts';
import { runIntervalTreeBench } from '../../bench/interval-tree.bench.ts';
import { runInvalidateBench } from '../../bench/invalidate.bench.ts';
import { kernelDriver } from '../../bench/kernel-c/build.ts';
import { runRealCoreBench } from '../../bench/real-core.bench.ts';
import { runRealLibraryBench } from '../../bench/real-library.bench.ts';
import { table, writeResults } from '../../bench/report.ts';
import { runScalingBench } from '../../bench/scaling.bench.ts';
import { verdicts } from '../../bench/verdicts.ts';
import { availableKernelModules } from '../../src/kernel/module.ts';

const TINY: Effort = { warmup: 0, samples: 1, sampleMinMs: 0 };
/** One warm-up round and eight sample rounds, one batch each. */
const TINY_ROUNDS: Effort = { warmup: 1, samples: 8, sampleMinMs: 0 };
const driver = kernelDriver();
/** The subject every ratio divides by. */
const BASE = driver.ok ? 'kernel C' : 'mmu-notifier';

function assertWellFormed(rows: readonly Row[]): void {
  assert.ok(rows.length > 0);
  for (const r of rows) {
    assert.ok(
      r.bench.length > 0 && r.workload.length > 0 && r.subject.length > 0,
      JSON.stringify(r),
    );
    assert.ok(Number.isFinite(r.value), `${r.workload} ${r.subject}: value ${r.value}`);
    if (r.ratio !== undefined) {
      assert.ok(Number.isFinite(r.ratio) && r.ratio > 0, `${r.workload}: ratio ${r.ratio}`);
      assert.ok(rows.some((b) => b.workload === r.workload && b.subject === r.baseline));
    }
  }
}

describe('bench smoke', () => {
  it('the interval-tree benchmark gives one row per subject and workload', () => {
    const rows = runIntervalTreeBench({ n: 300, queries: 40, effort: TINY, driver });
    assertWellFormed(rows);
    const queries = rows.filter((r) => r.workload.includes(' query '));
    const subjects = driver.ok ? 4 : 3; // (kernel C,) ours, two peers
    assert.equal(queries.length, 6 * subjects); // six workloads
    assert.ok(queries.every((r) => r.baseline === BASE));
    assert.equal(
      rows.some((r) => r.subject === 'kernel C'),
      driver.ok,
    );
    // Build rows: ours twice, allocating (`insert`) and linking made nodes (`insertNode`).
    const builds = rows.filter((r) => r.workload.includes(' build '));
    assert.equal(builds.length, 6 * (subjects + 1));
    assert.equal(builds.filter((r) => r.subject === 'mmu-notifier insertNode').length, 6);
  });

  it('compare runs every subject once a round, in an order that changes', () => {
    const runs: string[] = [];
    const subject = (name: string) => ({
      name,
      run: () => {
        runs.push(name);
        return 1;
      },
    });
    const timings = compare(1, ['c', 'a', 'b', 'd'].map(subject), TINY_ROUNDS);
    assert.deepEqual(
      timings.map((t) => t.samples.length),
      [8, 8, 8, 8],
    );
    const rounds = Array.from({ length: 9 }, (_, r) => runs.slice(r * 4, r * 4 + 4).join(''));
    for (const round of rounds) assert.deepEqual([...round].sort(), ['a', 'b', 'c', 'd']);
    // A rotation would keep c's successor (cyclically) the same in every round.
    const after = new Set(rounds.map((round) => round[(round.indexOf('c') + 1) % 4]));
    assert.ok(after.size > 1, `always the same subject after c: ${rounds.join(' ')}`);
  });

  it('the invalidation benchmark compares the core with its limit', () => {
    const rows = runInvalidateBench({
      sizes: [40],
      ks: [1, 16],
      ops: 20,
      flatRuns: 20,
      memoryCount: 20,
      effort: TINY,
      driver,
    });
    assertWellFormed(rows);
    const timed = rows.filter((r) => r.bench === 'invalidate');
    // per k: nonblock ((kernel C,) callbacks only, ours, tree walk) + blockable (the same less the walk)
    const c = driver.ok ? 1 : 0;
    assert.equal(timed.length, 2 * (3 + c + 2 + c));
    const visits = rows.filter((r) => r.bench === 'tree-walk');
    assert.equal(visits.length, 2); // one per k
    assert.ok(visits.every((r) => r.value >= 1 && r.unit === 'nodes'));
    assert.ok(
      verdicts(rows).some((v) => v.target.startsWith('tree nodes touched') && v.met !== 'n/a'),
    );
  });

  it('table, chart and verdicts accept the rows', () => {
    const rows = runIntervalTreeBench({ n: 200, queries: 20, effort: TINY, driver });
    assert.match(table(rows), /mmu-notifier/);
    const svg = chartSvg(rows, 'smoke');
    assert.match(svg, /^<svg [^>]*>/);
    assert.match(svg, /<\/svg>\n$/);
    const judged = verdicts(rows);
    assert.ok(judged.some((v) => v.met === 'n/a')); // no checker rows here
    assert.ok(judged.some((v) => v.target.startsWith('tree faster') && v.met !== 'n/a'));
  });

  const fibers = availableKernelModules().some((m) => m.fiberPath !== undefined);
  it(
    'the real-core benchmark gives TypeScript and real rows with ratios, and the park cost',
    fibers ? {} : { skip: 'no fiber build: apt-get install binaryen; npm run kernel' },
    async () => {
      const rows = await runRealCoreBench(TINY, 200);
      assertWellFormed(rows);
      assert.ok(rows.some((r) => r.subject.startsWith('real ') && r.baseline === 'typescript'));
      assert.ok(rows.some((r) => r.subject === 'callback parks' && r.baseline === 'no park'));
      assert.match(table(rows), /core-races bound 1/);
      assert.match(chartSvg(rows, 'smoke'), /<\/svg>\n$/);
    },
  );

  it('the scaling benchmark times 1 and 2 workers on one schedule set, and the speed-up', async () => {
    const rows = await runScalingBench(TINY, 'everyday-oom-reap');
    assertWellFormed(rows);
    // The command in a child process, then check() in this process: two timings and a ratio each.
    assert.deepEqual(
      rows.map((r) => r.unit),
      ['ms', 'ms', 'x', 'ms', 'ms', 'x'],
    );
    assert.equal(rows[0]!.subject, 'mmu-notifier (the command)');
    assert.match(rows[3]!.subject, /in-process/);
    assert.match(rows[2]!.note ?? '', /load average before/);
    assert.equal(
      rows[0]!.note?.match(/digest (\w+)/)?.[1],
      rows[3]!.note?.match(/digest (\w+)/)?.[1],
    );
    // The verdicts judge scale-munmap-3-1-1 only: a smaller scenario's speed-up is not it.
    const scaling = verdicts(rows).filter((v) => v.target.includes('1.7x'));
    assert.equal(scaling.length, 2);
    assert.ok(scaling.every((v) => v.met === 'n/a'));
  });

  it(
    'the real-library rows: a scenario on each real core against the same version in TypeScript',
    fibers ? {} : { skip: 'no fiber build: apt-get install binaryen; npm run kernel' },
    async () => {
      const rows = await runRealLibraryBench(5, ['everyday-page-aging', 'two-pass-multi-gpu']);
      assertWellFormed(rows);
      assert.ok(
        rows.length >= 1 && rows.every((r) => r.workload.startsWith('everyday-page-aging')),
      );
      const real = rows.filter((r) => r.subject.startsWith('real '));
      assert.equal(real.length * 2, rows.length);
      for (const r of rows) {
        assert.equal(r.unit, 'schedules/s');
        assert.ok(r.value > 0);
        assert.match(r.note ?? '', /steps\/s/);
      }
      for (const r of real) {
        assert.match(r.subject, /^real 6\.\d+\.\d+$/);
        assert.match(r.baseline ?? '', /^typescript linux-6\.\d+$/);
      }
    },
  );

  it('summarize gives the median and the inter-quartile spread', () => {
    assert.deepEqual(summarize([4, 1, 3, 2, 5]), { median: 3, spreadPct: (100 * 2) / 3 });
  });
});

describe('writeResults', () => {
  it('names a quick run and a run of some benchmarks apart from a full run', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mmu-bench-'));
    try {
      const write = (mode: string) =>
        basename(writeResults(dir, { mode, rows: [], verdicts: [], unavailable: [] }, new Date()));
      const full = write('full');
      assert.match(full, /^\d{4}-\d\d-\d\d-\d+core-.*-node[\d.]+\.json$/);
      assert.equal(write('quick'), full.replace(/\.json$/, '-quick.json'));
      assert.equal(write('only-checker'), full.replace(/\.json$/, '-only-checker.json'));
      assert.equal((await readdir(dir)).length, 3, 'three files: none overwrote another');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
