/**
 * The measuring harness shared by every benchmark.
 *
 * Method: the subjects of one comparison run *side by side* in the same process, interleaved
 * round by round (warm-up rounds first, then sample rounds; each round runs the subjects in a
 * seeded shuffled order, so that no subject always runs first, nor always right after the
 * same one), with a full GC before each sample when `--expose-gc` is on.
 * One sample times one batch of `ops` operations; we quote the median ns/op and the spread
 * (inter-quartile range over the median), and keep the raw samples for the JSON file.
 * Every subject returns a checksum of the work it did; subjects of one comparison must agree,
 * or the comparison is void (a faster wrong answer is not faster).
 *
 * The forced GC must be over when the clock starts. V8 sweeps the heap on a background
 * thread after a full GC returns; with a 10^6-notifier heap (about 300 MB) that sweep lasts
 * longer than a whole sample and, on a 2-core machine, slows the timed thread by 3x to 40x
 * (issue 6: the n = 10^6 invalidation rows). Importing this module therefore turns
 * concurrent sweeping off (`--no-concurrent-sweeping`): `gc()` sweeps before it returns,
 * untimed. The code under test allocates nothing on its hot paths, so nothing else changes.
 */

import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--no-concurrent-sweeping');

/** One line of the results table and of the JSON file. */
export interface Row {
  /** The benchmark: `interval-tree`, `invalidate`, `memory`, `checker`. */
  readonly bench: string;
  /** What was run: the workload and its sizes. */
  readonly workload: string;
  /** Who ran it: `mmu-notifier`, `limit`, a peer package. */
  readonly subject: string;
  /** The unit of `value`: `ns/op`, `B/interval`, `ms`, `schedules`, ... */
  readonly unit: string;
  /** The median (or the single figure, for counts). */
  readonly value: number;
  /** Inter-quartile range over the median, in percent (timings only). */
  readonly spreadPct?: number;
  /** `value` over the baseline's `value` in the same workload. */
  readonly ratio?: number;
  /** The subject the ratio divides by. */
  readonly baseline?: string;
  /** Raw per-sample figures, in `unit`. */
  readonly samples?: readonly number[];
  /** Anything the figure needs to be read right. */
  readonly note?: string;
}

/** How hard to measure. */
export interface Effort {
  /** Rounds run and thrown away before sampling. */
  readonly warmup: number;
  /** Rounds sampled. */
  readonly samples: number;
  /** A batch shorter than this is repeated within its sample (default 20 ms; 0 for tests). */
  readonly sampleMinMs?: number;
}

/** One contestant: an optional untimed setup, then the timed batch. */
export interface Subject<S = unknown> {
  readonly name: string;
  /** Builds the state a sample starts from (untimed). */
  readonly setup?: () => S;
  /** Runs one batch of `ops` operations; returns a checksum of the work done. */
  readonly run: (state: S) => number;
  /**
   * For a subject timed outside this process (the kernel-C driver): runs one sample and
   * returns its own ns per operation and checksum; `setup` and `run` are then not used.
   */
  readonly measure?: () => { readonly nsPerOp: number; readonly checksum: number };
}

/** Erases a subject's state type so that subjects of different states share one list. */
export function subject<S>(s: Subject<S>): Subject<never> {
  return s as unknown as Subject<never>;
}

/** A subject's timing over the sample rounds. */
export interface Timing {
  readonly subject: string;
  readonly nsPerOp: number;
  readonly spreadPct: number;
  readonly samples: readonly number[];
  readonly checksum: number;
}

const gc: (() => void) | undefined = (globalThis as { gc?: () => void }).gc;

/** True when node runs with `--expose-gc` (heap figures need it). */
export function gcAvailable(): boolean {
  return gc !== undefined;
}

/** Runs a full GC (twice, for finalizers) when exposed; otherwise does nothing. */
export function collect(): void {
  if (gc === undefined) return;
  gc();
  gc();
}

/** Heap bytes in use after a full GC. */
export function heapUsed(): number {
  collect();
  return process.memoryUsage().heapUsed;
}

function quantile(sorted: readonly number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

/** Median and spread (IQR / median, percent) of some samples. */
export function summarize(samples: readonly number[]): { median: number; spreadPct: number } {
  if (samples.length === 0) throw new Error('summarize: no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const median = quantile(sorted, 0.5);
  const iqr = quantile(sorted, 0.75) - quantile(sorted, 0.25);
  return { median, spreadPct: median > 0 ? (100 * iqr) / median : 0 };
}

/** A sample shorter than this is repeated (subjects without setup) to beat timer and GC noise. */
const SAMPLE_MIN_MS = 20;
/** The seed of the per-round subject order of {@link compare}: the same order every run. */
const ORDER_SEED = 0x5eed;
/** The most batches one sample repeats. */
const REPS_MAX = 10_000;

function timeOnce<S>(subject: Subject<S>, reps: number): { ns: number; checksum: number } {
  if (subject.measure !== undefined) {
    const m = subject.measure();
    return { ns: m.nsPerOp, checksum: m.checksum };
  }
  const state = subject.setup?.() as S;
  collect();
  let checksum = 0;
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < reps; r++) checksum = subject.run(state);
  const ns = Number(process.hrtime.bigint() - t0) / reps;
  return { ns, checksum };
}

/** Batches per sample: 1 with a setup (its state is used up), else enough for `minMs`. */
function calibrate<S>(subject: Subject<S>, minMs: number): number {
  if (subject.measure !== undefined || subject.setup !== undefined || minMs <= 0) return 1;
  const { ns } = timeOnce(subject, 1);
  return Math.max(1, Math.min(REPS_MAX, Math.ceil((minMs * 1e6) / Math.max(ns, 1))));
}

/**
 * Times `subjects` side by side, `ops` operations per batch, and checks that their checksums
 * agree. Returns one {@link Timing} per subject, in the order given.
 */
export function compare(
  ops: number,
  subjects: readonly Subject<never>[],
  effort: Effort,
): Timing[] {
  const list = subjects as unknown as readonly Subject<unknown>[];
  const reps = list.map((s) => calibrate(s, effort.sampleMinMs ?? SAMPLE_MIN_MS));
  const raw = list.map(() => [] as number[]);
  const sums = list.map(() => Number.NaN);
  const rounds = effort.warmup + effort.samples;
  const next = rng(ORDER_SEED);
  const order = list.map((_, i) => i);
  for (let round = 0; round < rounds; round++) {
    // A fresh order each round. A fixed rotation kept each subject's predecessor: the one
    // after the kernel-C driver (a child process) always ran right after it, and measured
    // up to 2x slower than an identical subject elsewhere in the order (issue 16).
    for (let k = order.length - 1; k > 0; k--) {
      const j = next(k + 1);
      [order[k], order[j]] = [order[j]!, order[k]!];
    }
    for (let k = 0; k < list.length; k++) {
      const i = order[k]!;
      const { ns, checksum } = timeOnce(list[i]!, reps[i]!);
      sums[i] = checksum;
      const measured = list[i]!.measure !== undefined; // already per operation
      if (round >= effort.warmup) raw[i]!.push(measured ? ns : ns / ops);
    }
  }
  const disagree = sums.findIndex((s) => s !== sums[0]);
  if (disagree >= 0) {
    throw new Error(
      `checksums differ: ${list[0]!.name}=${sums[0]} but ${list[disagree]!.name}=${sums[disagree]}`,
    );
  }
  return list.map((s, i) => {
    const { median, spreadPct } = summarize(raw[i]!);
    return { subject: s.name, nsPerOp: median, spreadPct, samples: raw[i]!, checksum: sums[i]! };
  });
}

/** Turns timings into rows, each with its ratio to `baseline` (a subject's name). */
export function timingRows(
  bench: string,
  workload: string,
  timings: readonly Timing[],
  baseline: string,
): Row[] {
  const base = timings.find((t) => t.subject === baseline);
  if (base === undefined) throw new Error(`no baseline ${baseline} in ${workload}`);
  return timings.map((t) => ({
    bench,
    workload,
    subject: t.subject,
    unit: 'ns/op',
    value: t.nsPerOp,
    spreadPct: t.spreadPct,
    ratio: t.nsPerOp / base.nsPerOp,
    baseline,
    samples: t.samples,
  }));
}

/** A seeded xorshift32 generator: uniform integers in [0, bound). Deterministic per seed. */
export function rng(seed: number): (bound: number) => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return (bound: number): number => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return Math.floor((x / 0x1_0000_0000) * bound);
  };
}
