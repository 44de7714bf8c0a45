/**
 * Benchmark 1: our interval tree against the kernel's own C tree and its npm peers.
 *
 * Workloads (n = 10^5 intervals at user-space addresses from `0x7f00_0000_0000`, so every
 * coordinate is above 2^31 as real ones are; `workloads.ts`): uniform at four hit densities,
 * clustered (many equal starts) and nested (buffers covered by MRs covered by pages). Each is
 * written to a workload file that every side reads back (`workload.ts`), the kernel-C driver
 * included. Per workload:
 * - build: insert the n intervals into an empty tree (ns per insert). Ours twice: `insert`
 *   (allocates each node in the timed loop) and `insertNode` (links nodes made untimed before
 *   by `IntervalTree.createNode`: the C driver's work, which inserts preallocated nodes);
 * - query: q overlap queries visiting every hit (ns per query);
 * - mix (uniform, 3 hits): on a tree of n, q rounds of "remove one, insert one" (ns per round);
 * - memory: heap bytes per interval after building n intervals (needs `--expose-gc`).
 * Ratios divide by `kernel C` (the kernel's `lib/interval_tree.c` + `lib/rbtree.c`, gcc -O2,
 * `kernel-c/`), or by ours when the C side is not available.
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
  type Subject,
  subject,
  timingRows,
} from './harness.ts';
import type { KernelDriver } from './kernel-c/build.ts';
import { KERNEL_C, kernelSubject } from './kernel-c/subject.ts';
import { type TreeWorkload, treeWorkloads } from './workloads.ts';

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
  /** The kernel-C limit (or why it is missing). */
  readonly driver: KernelDriver;
}

const OURS = 'mmu-notifier';
/** Ours through `createNode` (untimed setup) + `insertNode` (timed): build rows only. */
const OURS_NODES = 'mmu-notifier insertNode';
const FLATTEN = '@flatten-js/interval-tree';
const NIT = 'node-interval-tree';

/** Intervals as parallel arrays. */
interface Data {
  readonly starts: Float64Array;
  readonly lasts: Float64Array;
}

function baseline(o: IntervalTreeBenchOptions): string {
  return o.driver.ok ? KERNEL_C : OURS;
}

function buildOurs(d: Data, count: number): IntervalTree<number> {
  const t = new IntervalTree<number>();
  for (let i = 0; i < count; i++) t.insert(d.starts[i]!, d.lasts[i]!, i);
  return t;
}

/** The n nodes of `buildOurs`, unlinked (`IntervalTree.createNode`), for `insertNode`. */
function makeNodes(d: Data, count: number): IntervalTreeNode<number>[] {
  const nodes: IntervalTreeNode<number>[] = [];
  for (let i = 0; i < count; i++) nodes.push(IntervalTree.createNode(d.starts[i]!, d.lasts[i]!, i));
  return nodes;
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

function buildRows(w: TreeWorkload, o: IntervalTreeBenchOptions): Row[] {
  const n = o.n;
  const d: Data = w;
  const subjects: Subject<never>[] = [
    ...kernelSubject(o.driver, 'build', w.file, n, n),
    { name: OURS, run: () => buildOurs(d, n).size },
    subject<IntervalTreeNode<number>[]>({
      name: OURS_NODES,
      setup: () => makeNodes(d, n),
      run: (nodes) => {
        const t = new IntervalTree<number>();
        for (let i = 0; i < n; i++) t.insertNode(nodes[i]!);
        return t.size;
      },
    }),
    { name: FLATTEN, run: () => buildFlatten(d, n).size },
    { name: NIT, run: () => buildNit(d, n).count },
  ];
  const workload = `${w.name} build n=${n}`;
  return timingRows('interval-tree', workload, compare(n, subjects, o.effort), baseline(o));
}

/** Sums value + 1 over every hit of every query: the checksum all subjects must share. */
function queryRows(w: TreeWorkload, o: IntervalTreeBenchOptions): Row[] {
  const n = o.n;
  const d: Data = w;
  const qs = w.qStarts;
  const ql = w.qLasts;
  const count = qs.length;
  const ours = buildOurs(d, n);
  const flatten = buildFlatten(d, n);
  const nit = buildNit(d, n);
  let hits = 0;
  for (let j = 0; j < count; j++) {
    const s = qs[j]!;
    const l = ql[j]!;
    for (let x = ours.iterFirst(s, l); x !== undefined; x = ours.iterNext(x, s, l)) hits++;
  }
  const subjects: Subject<never>[] = [
    ...kernelSubject(o.driver, 'query', w.file, n, count),
    {
      name: OURS,
      run: () => {
        let sum = 0;
        for (let j = 0; j < count; j++) {
          const s = qs[j]!;
          const l = ql[j]!;
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
          const found = flatten.search([qs[j]!, ql[j]!]) as number[];
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
          const found = nit.search(qs[j]!, ql[j]!);
          for (let k = 0; k < found.length; k++) sum += found[k]! + 1;
        }
        return sum;
      },
    },
  ];
  const mean = (hits / count).toFixed(1);
  const workload = `${w.name} query n=${n} q=${count} (${mean} hits/query)`;
  return timingRows('interval-tree', workload, compare(count, subjects, o.effort), baseline(o));
}

interface MixState<T> {
  readonly tree: T;
  readonly handles: IntervalTreeNode<number>[];
}

/** Rounds of "remove interval order[j], insert interval n + j" on a tree of n intervals. */
function mixRows(w: TreeWorkload, o: IntervalTreeBenchOptions): Row[] {
  const n = o.n;
  const d: Data = w;
  const count = Math.min(o.queries, n, d.starts.length - n);
  const order = w.order;
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
  const subjects = [
    ...kernelSubject(o.driver, 'mix', w.file, n, count),
    subject(ours),
    subject(flatten),
    subject(nit),
  ];
  const workload = `${w.name} mix remove+insert n=${n} rounds=${count}`;
  return timingRows('interval-tree', workload, compare(count, subjects, o.effort), baseline(o));
}

/** Heap bytes per interval of each tree after a full GC (no row without `--expose-gc`). */
function memoryRows(w: TreeWorkload, o: IntervalTreeBenchOptions): Row[] {
  if (!gcAvailable()) return [];
  const n = o.n;
  const d: Data = w;
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

/** Runs every interval-tree workload; returns the table rows. */
export function runIntervalTreeBench(o: IntervalTreeBenchOptions): Row[] {
  const rows: Row[] = [];
  for (const w of treeWorkloads(o.n, o.queries)) {
    rows.push(...buildRows(w, o), ...queryRows(w, o));
    if (w.mix) rows.push(...mixRows(w, o), ...memoryRows(w, o));
  }
  return rows;
}
