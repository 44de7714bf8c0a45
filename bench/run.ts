/**
 * `npm run bench [-- --quick] [-- --only tree,invalidate,checker,real,scaling,queue] [-- --no-write]`
 *
 * Runs every benchmark side by side in one process, prints the table of ratios and the
 * verdict on each target of issue 6, and writes `bench/results/<date>-<machine>.json` (raw
 * figures, cores, Node) and `bench/results/chart.svg` (`chart-quick.svg` and a `-quick` JSON
 * in quick mode, `-only-checker` with `--only checker`: a smoke run or a run of some
 * benchmarks never overwrites the figures of a full one). The effective
 * options are logged first. Needs `node --expose-gc` for the heap figures (the npm script
 * passes it); without it those rows are left out and say so.
 */

import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chartSvg } from './chart.ts';
import { runCheckerBench } from './checker.bench.ts';
import { type Effort, gcAvailable, type Row } from './harness.ts';
import { runIntervalTreeBench } from './interval-tree.bench.ts';
import { runInvalidateBench } from './invalidate.bench.ts';
import { type KernelDriver, kernelDriver } from './kernel-c/build.ts';
import { runQueueBench } from './queue.bench.ts';
import { runRealCoreBench } from './real-core.bench.ts';
import { machine, resultSuffix, table, verdictLines, writeResults } from './report.ts';
import { runScalingBench } from './scaling.bench.ts';
import { verdicts } from './verdicts.ts';

const BENCHES = ['tree', 'invalidate', 'checker', 'real', 'scaling', 'queue'] as const;
type BenchName = (typeof BENCHES)[number];

interface Args {
  readonly quick: boolean;
  readonly only: readonly BenchName[];
  readonly write: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  let quick = false;
  let write = true;
  let only: BenchName[] = [...BENCHES];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') quick = true;
    else if (a === '--no-write') write = false;
    else if (a === '--only' || a.startsWith('--only=')) {
      const list = a === '--only' ? (argv[++i] ?? '') : a.slice('--only='.length);
      only = list.split(',').filter((x) => x !== '') as BenchName[];
      const bad = only.find((x) => !BENCHES.includes(x));
      if (bad !== undefined)
        throw new Error(`--only: unknown benchmark '${bad}' (${BENCHES.join(', ')})`);
    } else throw new Error(`unknown argument '${a}' (--quick, --only LIST, --no-write)`);
  }
  return { quick, only, write };
}

/** Sizes and effort of each mode. */
function plan(quick: boolean, driver: KernelDriver) {
  const effort: Effort = quick ? { warmup: 1, samples: 3 } : { warmup: 2, samples: 7 };
  return {
    effort,
    tree: quick
      ? { n: 20_000, queries: 5_000, effort, driver }
      : { n: 100_000, queries: 100_000, effort: { warmup: 1, samples: 5 }, driver },
    invalidate: {
      sizes: quick ? [1e3, 1e4, 1e5] : [1e3, 1e4, 1e5, 1e6],
      ks: [1, 16],
      ops: quick ? 5_000 : 20_000,
      flatRuns: quick ? 100_000 : 1_000_000,
      memoryCount: quick ? 10_000 : 100_000,
      effort,
      driver,
    },
    checker: quick ? { warmup: 1, samples: 3 } : { warmup: 1, samples: 5 },
    scaling: quick ? { warmup: 0, samples: 1 } : { warmup: 0, samples: 3 },
    realPairs: quick ? 5_000 : 20_000,
    queue: quick ? { warmup: 0, samples: 2 } : { warmup: 1, samples: 3 },
    realLibrary: quick ? 50 : 300,
  };
}

async function runOne(name: BenchName, p: ReturnType<typeof plan>): Promise<Row[]> {
  switch (name) {
    case 'tree':
      return runIntervalTreeBench(p.tree);
    case 'invalidate':
      return runInvalidateBench(p.invalidate);
    case 'checker':
      return runCheckerBench(p.checker);
    case 'real':
      return runRealCoreBench(p.checker, p.realPairs, p.realLibrary);
    case 'scaling':
      return runScalingBench(p.scaling);
    case 'queue':
      return runQueueBench(p.queue);
  }
}

/**
 * Runs one benchmark, failing it (instead of the process) when code under test throws from a
 * detached promise or a callback: an uncaught exception or unhandled rejection meanwhile.
 */
async function guarded(work: Promise<Row[]>): Promise<Row[]> {
  let onCrash: (error: unknown) => void = () => {};
  const crashed = new Promise<never>((_, reject) => {
    onCrash = reject;
  });
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  try {
    return await Promise.race([work, crashed]);
  } finally {
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
  }
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const driver = kernelDriver();
  const p = plan(args.quick, driver);
  const m = machine();
  console.log(
    `mmu-notifier bench: mode=${args.quick ? 'quick' : 'full'} only=${args.only.join(',')}`,
  );
  console.log(
    `  ${m.cpu} x${m.cores}, node ${m.node} (v8 ${m.v8}), ${m.platform}, gc exposed: ${gcAvailable()}`,
  );
  console.log(
    driver.ok
      ? `  kernel C: lib/interval_tree.c + lib/rbtree.c of Linux ${driver.version} (${driver.tarball}), gcc -O2`
      : `  kernel C: NOT AVAILABLE (${driver.reason}); the C column is left out`,
  );
  const shown = {
    ...p,
    tree: { ...p.tree, driver: undefined },
    invalidate: { ...p.invalidate, driver: undefined },
  };
  console.log(
    `  plan: ${JSON.stringify({ tree: shown.tree, invalidate: shown.invalidate, checker: p.checker })}`,
  );
  const started = Date.now();
  const rows: Row[] = [];
  const unavailable: string[] = [];
  let failed = 0;
  for (const name of args.only) {
    const t0 = Date.now();
    try {
      rows.push(...(await guarded(runOne(name, p))));
      console.log(`  ${name}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      failed++;
      unavailable.push(`${name}: not available (${message.split('\n')[0]})`);
      console.error(`  ${name}: FAILED, reported as not available\n${message}`);
    }
  }
  if (!driver.ok) unavailable.push(`kernel C column: not available (${driver.reason})`);
  if (!gcAvailable()) unavailable.push('heap figures: not available (run node with --expose-gc)');
  const judged = verdicts(rows);
  console.log(`\n${table(rows)}\n\nTargets (issues 6, 15 and 16):\n${verdictLines(judged)}`);
  for (const u of unavailable) console.log(`NOT AVAILABLE  ${u}`);
  console.log(`\ntotal ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (args.write) {
    const dir = join(dirname(fileURLToPath(import.meta.url)), 'results');
    // A run of some benchmarks writes under its own name: it never overwrites a full run's.
    const partial = BENCHES.some((b) => !args.only.includes(b));
    const only = partial ? `only-${args.only.join('-')}` : '';
    const mode = [args.quick ? 'quick' : '', only].filter((x) => x !== '').join('-') || 'full';
    const path = writeResults(dir, { mode, rows, verdicts: judged, unavailable }, new Date());
    const caption = `mmu-notifier bench (${mode}), ${m.cpu} x${m.cores}, node ${m.node}, ${new Date().toISOString().slice(0, 10)}`;
    const chart = join(dir, `chart${resultSuffix(mode)}.svg`);
    writeFileSync(chart, chartSvg(rows, caption));
    console.log(`wrote ${path}\nwrote ${chart}`);
  }
  return failed > 0 ? 1 : 0;
}

process.exitCode = await main();
