/**
 * The interval-tree workloads of issue 16: n intervals and q queries at user-space addresses
 * (from `0x7f00_0000_0000`, page-aligned, every coordinate above 2^31 as real addresses are),
 * from seeded generators, each written to a workload file that every side reads back.
 *
 * | name           | intervals                                             | queries            |
 * |----------------|-------------------------------------------------------|--------------------|
 * | uniform-sparse | 64 KiB, uniform in 2^36                               | 4 KiB (~0.1 hit)   |
 * | uniform-3      | same                                                  | 2 MiB (~3 hits)    |
 * | uniform-16     | same                                                  | ~10.9 MB (~16)     |
 * | uniform-128    | same                                                  | ~88 MB (~128)      |
 * | clustered      | 64 KiB on 7,323 distinct starts in ~800 MB (~14 each) | 64 KiB (~16)       |
 * | nested         | 64 buffers of 64 MiB, each tiled by 1,024 MRs of 64 KiB, the rest single pages inside | 64 KiB (~3.6) |
 */

import { rng } from './harness.ts';
import { shareWorkload } from './workload.ts';

/** Where every workload's addresses start: a typical x86-64 mmap address. */
export const BASE = 0x7f00_0000_0000;
const PAGE = 0x1000;
const MR = 64 * 1024;

/** One workload as every side sees it (read back from its file). */
export interface TreeWorkload {
  readonly name: string;
  /** The file the kernel-C driver reads. */
  readonly file: string;
  /** n intervals (n + q for the mix workload, the extra ones inserted by the mix rounds). */
  readonly starts: Float64Array;
  readonly lasts: Float64Array;
  readonly qStarts: Float64Array;
  readonly qLasts: Float64Array;
  /** For the mix: which interval each round removes (a permutation of 0..n-1). */
  readonly order: Float64Array;
  /** Run the remove + insert rounds on this one. */
  readonly mix: boolean;
}

function queries(count: number, pages: number, bytes: number, seed: number): Float64Array[] {
  const next = rng(seed);
  const qs = new Float64Array(count);
  const ql = new Float64Array(count);
  for (let j = 0; j < count; j++) {
    qs[j] = BASE + next(pages) * PAGE;
    ql[j] = qs[j]! + bytes - 1;
  }
  return [qs, ql];
}

function uniform(count: number, seed: number): Float64Array[] {
  const next = rng(seed);
  const starts = new Float64Array(count);
  const lasts = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    starts[i] = BASE + next(2 ** 24) * PAGE; // 2^36 bytes of pages
    lasts[i] = starts[i]! + MR - 1;
  }
  return [starts, lasts];
}

/** `distinct` start pages in `pages`, each interval on one of them: many equal starts. */
function clustered(count: number, distinct: number, pages: number, seed: number): Float64Array[] {
  const next = rng(seed);
  const points = Array.from({ length: distinct }, () => BASE + next(pages) * PAGE);
  const starts = new Float64Array(count);
  const lasts = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    starts[i] = points[next(distinct)]!;
    lasts[i] = starts[i]! + MR - 1;
  }
  return [starts, lasts];
}

/** Buffers first, then the MRs over them in random order, then single pages inside. */
function nested(count: number, seed: number): Float64Array[] {
  const next = rng(seed);
  const buffers = 64;
  const bufferBytes = 64 * 1024 * 1024;
  const mrs = buffers * (bufferBytes / MR);
  const starts = new Float64Array(count);
  const lasts = new Float64Array(count);
  let i = 0;
  for (let b = 0; b < buffers && i < count; b++, i++) {
    starts[i] = BASE + b * bufferBytes;
    lasts[i] = starts[i]! + bufferBytes - 1;
  }
  const order = Array.from({ length: mrs }, (_, m) => m);
  for (let m = mrs - 1; m > 0; m--) {
    const j = next(m + 1);
    [order[m], order[j]] = [order[j]!, order[m]!];
  }
  for (let m = 0; m < mrs && i < count; m++, i++) {
    starts[i] = BASE + order[m]! * MR;
    lasts[i] = starts[i]! + MR - 1;
  }
  for (; i < count; i++) {
    starts[i] = BASE + next((buffers * bufferBytes) / PAGE) * PAGE;
    lasts[i] = starts[i]! + PAGE - 1;
  }
  return [starts, lasts];
}

function permutation(n: number, seed: number): Float64Array {
  const next = rng(seed);
  const order = Float64Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = next(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

function make(
  name: string,
  intervals: Float64Array[],
  q: Float64Array[],
  order: Float64Array,
  mix: boolean,
): TreeWorkload {
  const file = `${name}-i${intervals[0]!.length}-q${q[0]!.length}-o${order.length}`;
  const { path, arrays } = shareWorkload(file, [...intervals, ...q, order]);
  const [starts, lasts, qStarts, qLasts, back] = arrays as [
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
  ];
  return { name, file: path, starts, lasts, qStarts, qLasts, order: back, mix };
}

/**
 * Every workload for n intervals and q queries (q / 10 for the 128-hit one). The hit
 * densities hold for n = 10^5; other n scale them.
 */
export function treeWorkloads(n: number, q: number): TreeWorkload[] {
  const uni = uniform(n + q, 0x1001);
  const order = permutation(n, 7);
  const none = new Float64Array(0);
  const space = 2 ** 24;
  const bytesFor = (hits: number): number =>
    Math.max(PAGE, Math.round((hits * 2 ** 36) / n / PAGE - MR / PAGE) * PAGE);
  const cluster = Math.round(n * 0.07323);
  const clusterPages = Math.round((n * 2 * MR) / 16 / PAGE);
  return [
    make('uniform-sparse', uni, queries(q, space, PAGE, 0x2001), none, false),
    make('uniform-3', uni, queries(q, space, 2 * 1024 * 1024, 0x2003), order, true),
    make('uniform-16', uni, queries(q, space, bytesFor(16), 0x2016), none, false),
    make(
      'uniform-128',
      uni,
      queries(Math.max(1, q / 10), space, bytesFor(128), 0x2128),
      none,
      false,
    ),
    make(
      'clustered',
      clustered(n, cluster, clusterPages, 0x3001),
      queries(q, clusterPages, MR, 0x3002),
      none,
      false,
    ),
    make(
      'nested',
      nested(n, 0x4001),
      queries(q, (64 * 64 * 1024 * 1024) / PAGE, MR, 0x4002),
      none,
      false,
    ),
  ];
}
