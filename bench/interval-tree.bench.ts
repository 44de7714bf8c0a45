/**
 * Benchmark 1: our interval tree against its npm peers and against the limit.
 *
 * Workloads (same data for every subject, from a seeded generator; coordinates stay below
 * 2^30 so every subject stores small integers):
 * - build: insert n intervals into an empty tree (ns per insert);
 * - query: q overlap queries visiting every hit (ns per query), at three hit densities;
 *   the limit visits the same hits from precomputed answer lists (the same node objects);
 * - mix: on a tree of n intervals, q rounds of "remove one, insert one" (ns per round);
 * - memory: heap bytes per interval after building n intervals (needs `--expose-gc`).
 * Each peer is used through its documented API (`search` returns an array; `remove` takes
 * the interval and its value), which is the cost a user of that package pays.
 */

import { createRequire } from 'node:module';
import FlattenTree from '@flatten-js/interval-tree';
import type * as Nit from 'node-interval-tree';
import { IntervalTree, type IntervalTreeNode } from '../src/core/interval-tree.ts';
import {
  compare,
  type Effort,
  gcAvailable,
  heapUsed,
  type Row,
  rng,
  type Subject,
  subject,
  timingRows,
} from './harness.ts';

/** `node-interval-tree` is CommonJS; its class is the `default` property of its exports. */
type NitTree = Nit.default<number>;
const NodeIntervalTree = (
  createRequire(import.meta.url)('node-interval-tree') as { default: new () => NitTree }
).default;

/** Sizes of one run of this benchmark. */
export interface IntervalTreeBenchOptions {
  /** Intervals in the tree. */
  readonly n: number;
  /** Queries (and mix rounds) per sample. */
  readonly queries: number;
  readonly effort: Effort;
}

const SPACE = 2 ** 30;
const OURS = 'mmu-notifier';
const FLATTEN = '@flatten-js/interval-tree';
const NIT = 'node-interval-tree';

/** Intervals as parallel arrays; `hits` is the mean overlap count a query of this data sees. */
interface Data {
  readonly starts: Float64Array;
  readonly lasts: Float64Array;
}

function intervals(count: number, meanLength: number, seed: number): Data {
  const next = rng(seed);
  const starts = new Float64Array(count);
  const lasts = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const start = next(SPACE - 2 * meanLength);
    starts[i] = start;
    lasts[i] = start + next(2 * meanLength);
  }
  return { starts, lasts };
}

function buildOurs(d: Data, count: number): IntervalTree<number> {
  const t = new IntervalTree<number>();
  for (let i = 0; i < count; i++) t.insert(d.starts[i]!, d.lasts[i]!, i);
  return t;
}

function buildFlatten(d: Data, count: number): FlattenTree<number> {
  const t = new FlattenTree<number>();
  for (let i = 0; i < count; i++) t.insert([d.starts[i]!, d.lasts[i]!], i);
  return t;
}

function buildNit(d: Data, count: number): NitTree {
  const t = new NodeIntervalTree();
  for (let i = 0; i < count; i++) t.insert(d.starts[i]!, d.lasts[i]!, i);
  return t;
}

function buildRows(d: Data, o: IntervalTreeBenchOptions): Row[] {
  const n = o.n;
  const subjects: Subject<never>[] = [
    { name: OURS, run: () => buildOurs(d, n).size },
    { name: FLATTEN, run: () => buildFlatten(d, n).size },
    { name: NIT, run: () => buildNit(d, n).count },
  ];
  return timingRows('interval-tree', `build n=${n}`, compare(n, subjects, o.effort), OURS);
}

/** Sums value + 1 over every hit of every query: the checksum all subjects must share. */
function queryRows(d: Data, q: Data, label: string, o: IntervalTreeBenchOptions): Row[] {
  const n = o.n;
  const count = o.queries;
  const ours = buildOurs(d, n);
  const flatten = buildFlatten(d, n);
  const nit = buildNit(d, n);
  const answers: IntervalTreeNode<number>[][] = [];
  let hits = 0;
  for (let j = 0; j < count; j++) {
    const list: IntervalTreeNode<number>[] = [];
    const s = q.starts[j]!;
    const l = q.lasts[j]!;
    for (let x = ours.iterFirst(s, l); x !== undefined; x = ours.iterNext(x, s, l)) list.push(x);
    answers.push(list);
    hits += list.length;
  }
  const subjects: Subject<never>[] = [
    {
      name: 'limit',
      run: () => {
        let sum = 0;
        for (let j = 0; j < count; j++) {
          const list = answers[j]!;
          for (let k = 0; k < list.length; k++) sum += list[k]!.value + 1;
        }
        return sum;
      },
    },
    {
      name: OURS,
      run: () => {
        let sum = 0;
        for (let j = 0; j < count; j++) {
          const s = q.starts[j]!;
          const l = q.lasts[j]!;
          for (let x = ours.iterFirst(s, l); x !== undefined; x = ours.iterNext(x, s, l)) {
            sum += x.value + 1;
          }
        }
        return sum;
      },
    },
    {
      name: FLATTEN,
      run: () => {
        let sum = 0;
        for (let j = 0; j < count; j++) {
          const found = flatten.search([q.starts[j]!, q.lasts[j]!]) as number[];
          for (let k = 0; k < found.length; k++) sum += found[k]! + 1;
        }
        return sum;
      },
    },
    {
      name: NIT,
      run: () => {
        let sum = 0;
        for (let j = 0; j < count; j++) {
          const found = nit.search(q.starts[j]!, q.lasts[j]!);
          for (let k = 0; k < found.length; k++) sum += found[k]! + 1;
        }
        return sum;
      },
    },
  ];
  const mean = (hits / count).toFixed(1);
  const workload = `query ${label} n=${n} q=${count} (${mean} hits/query)`;
  return timingRows('interval-tree', workload, compare(count, subjects, o.effort), 'limit');
}

interface MixState<T> {
  readonly tree: T;
  readonly handles: IntervalTreeNode<number>[];
}

/** Rounds of "remove interval order[j], insert interval n + j" on a tree of n intervals. */
function mixRows(d: Data, o: IntervalTreeBenchOptions): Row[] {
  const n = o.n;
  const count = Math.min(o.queries, n);
  const order = Array.from({ length: n }, (_, i) => i);
  const next = rng(7);
  for (let i = n - 1; i > 0; i--) {
    const j = next(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const ours: Subject<MixState<IntervalTree<number>>> = {
    name: OURS,
    setup: () => {
      const tree = new IntervalTree<number>();
      const handles: IntervalTreeNode<number>[] = [];
      for (let i = 0; i < n; i++) handles.push(tree.insert(d.starts[i]!, d.lasts[i]!, i));
      return { tree, handles };
    },
    run: ({ tree, handles }) => {
      for (let j = 0; j < count; j++) {
        tree.remove(handles[order[j]!]!);
        tree.insert(d.starts[n + j]!, d.lasts[n + j]!, n + j);
      }
      return tree.size;
    },
  };
  const flatten: Subject<FlattenTree<number>> = {
    name: FLATTEN,
    setup: () => buildFlatten(d, n),
    run: (tree) => {
      for (let j = 0; j < count; j++) {
        const i = order[j]!;
        tree.remove([d.starts[i]!, d.lasts[i]!], i);
        tree.insert([d.starts[n + j]!, d.lasts[n + j]!], n + j);
      }
      return tree.size;
    },
  };
  const nit: Subject<NitTree> = {
    name: NIT,
    setup: () => buildNit(d, n),
    run: (tree) => {
      for (let j = 0; j < count; j++) {
        const i = order[j]!;
        tree.remove(d.starts[i]!, d.lasts[i]!, i);
        tree.insert(d.starts[n + j]!, d.lasts[n + j]!, n + j);
      }
      return tree.count;
    },
  };
  const subjects = [subject(ours), subject(flatten), subject(nit)];
  const workload = `mix remove+insert n=${n} rounds=${count}`;
  return timingRows('interval-tree', workload, compare(count, subjects, o.effort), OURS);
}

/** Heap bytes per interval of each tree after a full GC (no row without `--expose-gc`). */
function memoryRows(d: Data, o: IntervalTreeBenchOptions): Row[] {
  if (!gcAvailable()) return [];
  const n = o.n;
  const builders: [string, () => unknown][] = [
    [OURS, () => buildOurs(d, n)],
    [FLATTEN, () => buildFlatten(d, n)],
    [NIT, () => buildNit(d, n)],
  ];
  const perInterval = builders.map(([subject, build]) => {
    const before = heapUsed();
    const tree = build();
    const bytes = (heapUsed() - before) / n;
    if (tree === null) throw new Error('unreachable: keeps the tree alive until measured');
    return { subject, bytes };
  });
  const base = perInterval[0]!.bytes;
  return perInterval.map(({ subject, bytes }) => ({
    bench: 'interval-tree',
    workload: `heap n=${n}`,
    subject,
    unit: 'B/interval',
    value: bytes,
    ratio: bytes / base,
    baseline: OURS,
  }));
}

/** Hit densities: label, mean hits per query, share of `queries` run per sample. */
const DENSITIES = [
  ['sparse', 1, 1],
  ['medium', 16, 1],
  ['dense', 128, 0.1],
] as const;

/** Runs every interval-tree workload; returns the table rows. */
export function runIntervalTreeBench(o: IntervalTreeBenchOptions): Row[] {
  const rows: Row[] = [];
  for (const [label, hits, share] of DENSITIES) {
    const meanLength = Math.max(1, Math.round((hits * SPACE) / (2 * o.n)));
    const d = intervals(o.n + o.queries, meanLength, 0x1000 + hits);
    if (hits === 1) rows.push(...buildRows(d, o), ...mixRows(d, o), ...memoryRows(d, o));
    const count = Math.max(1, Math.round(o.queries * share));
    const q = intervals(count, meanLength, 0x2000 + hits);
    rows.push(...queryRows(d, q, label, { ...o, queries: count }));
  }
  return rows;
}
