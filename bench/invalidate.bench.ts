/**
 * Benchmark 2: the cost of one invalidation (start + end) against its limit, and memory.
 *
 * Setup: an `AddressSpace` (semantics `current`) with 4 list notifiers (start and end count
 * calls) and n interval notifiers of one page each, a page apart from `BASE` (a user-space
 * address above 2^31, as real ones are); a range overlaps exactly k
 * of them. Each sample runs `ops` start+end pairs over 64 precomputed ranges spread over the
 * tree, non-blockable (`invalidateRangeStartNonblock` + `invalidateRangeEnd`) or blockable
 * (`invalidateRangeStart` + `invalidateRangeEnd`; the callbacks are synchronous, so the core
 * returns without a Promise). The limit, `kernel C`: the kernel's own tree
 * (`lib/interval_tree.c` + `lib/rbtree.c`, gcc -O2, `kernel-c/`) built by the same inserts
 * from the same workload file, and per operation the same calls through function pointers:
 * 4 list starts, `interval_tree_iter_first`/`_next` calling each hit's `invalidate` (which
 * stores the seq, as `mmu_interval_set_seq`), 4 list ends: a reachable limit.
 * `callbacks only`: a bare JS loop calling the same k + 4 callbacks from precomputed arrays
 * (the same closures, the same range objects): what JS pays for the callbacks alone.
 * `tree walk` (non-blockable rows only): the bare `iterFirst`/`iterNext` loop over the same
 * ranges on a twin `IntervalTree` built by the same inserts (so of the same shape), plus the
 * same 8 list calls: the part of the cost that is the tree's.
 * Nodes touched per query (`tree-walk` rows): the same twin tree, its nodes instrumented
 * with counting accessors (bench only, never the production path): how many distinct nodes
 * one `iterFirst` + `iterNext`* query reads. A deterministic measure of the O(log n + k)
 * growth, free of cache and machine effects.
 * Memory (needs `--expose-gc`): heap bytes per interval notifier and per list notifier, and
 * the heap before and after many invalidations, each after a full GC.
 */

import { AddressSpace } from '../src/core/address-space.ts';
import { IntervalTree, type IntervalTreeNode } from '../src/core/interval-tree.ts';
import type {
  MmuIntervalNotifier,
  MmuIntervalNotifierOps,
  MmuNotifier,
  MmuNotifierOps,
} from '../src/core/ops.ts';
import type { MmuNotifierRange } from '../src/core/range.ts';
import {
  compare,
  type Effort,
  gcAvailable,
  heapUsed,
  type Row,
  rng,
  type Subject,
  timingRows,
} from './harness.ts';
import type { KernelDriver } from './kernel-c/build.ts';
import { KERNEL_C, kernelSubject } from './kernel-c/subject.ts';
import { writeWorkload } from './workload.ts';

/** Sizes of one run of this benchmark. */
export interface InvalidateBenchOptions {
  /** Interval notifier counts to try. */
  readonly sizes: readonly number[];
  /** Overlapping interval notifiers per range. */
  readonly ks: readonly number[];
  /** start+end pairs per sample. */
  readonly ops: number;
  /** Invalidations run between the two heap figures of the flat-heap check. */
  readonly flatRuns: number;
  /** Notifiers created for the bytes-per-notifier figures. */
  readonly memoryCount: number;
  readonly effort: Effort;
  /** The kernel-C limit (or why it is missing). */
  readonly driver: KernelDriver;
}

const PAGE = 0x1000;
const STEP = 2 * PAGE;
/**
 * Where the intervals start: a typical x86-64 mmap address. Real user addresses pass 2^31,
 * so V8 stores them as boxed doubles (a HeapNumber per field), not small integers; starting
 * at 0 gave n <= 10^5 small-integer coordinates and n = 10^6 boxed ones, a step in the cost
 * curve (the bare tree walk is about 2x slower on boxed coordinates) that has nothing to do
 * with n. Every n now uses the representation real addresses get.
 */
const BASE = 0x7f00_0000_0000;
const LIST = 4;
/** The subject calling the callbacks from precomputed arrays. */
const CALLBACKS = 'callbacks only';
const POSITIONS = 64;

/** The world of one n: the address space, its notifiers, and a call counter. */
interface World {
  readonly mm: AddressSpace;
  readonly list: readonly MmuNotifier<unknown>[];
  readonly intervals: readonly MmuIntervalNotifier<unknown>[];
  readonly calls: { count: number };
  readonly iops: MmuIntervalNotifierOps;
  /** The twin tree (same inserts, same shape), when asked for. */
  readonly twin: IntervalTree<number> | null;
}

function listOps(calls: { count: number }): MmuNotifierOps {
  return {
    invalidateRangeStart() {
      calls.count++;
    },
    invalidateRangeEnd() {
      calls.count++;
    },
  };
}

function world(n: number, withTwin: boolean): World {
  const calls = { count: 0 };
  const mm = new AddressSpace({ name: 'bench' });
  const list = Array.from({ length: LIST }, (_, i) =>
    mm.register(listOps(calls), { name: `list${i}` }),
  );
  const iops: MmuIntervalNotifierOps = {
    invalidate(sub, _range, curSeq) {
      sub.setSeq(curSeq);
      calls.count++;
      return true;
    },
  };
  const intervals: MmuIntervalNotifier<unknown>[] = [];
  for (let i = 0; i < n; i++) intervals.push(mm.insertInterval(BASE + i * STEP, PAGE, iops));
  let twin: IntervalTree<number> | null = null;
  if (withTwin) {
    twin = new IntervalTree<number>();
    for (let i = 0; i < n; i++) twin.insert(BASE + i * STEP, BASE + i * STEP + PAGE - 1, i);
  }
  return { mm, list, intervals, calls, iops, twin };
}

/** 64 ranges, each overlapping k consecutive interval notifiers, and those notifiers. */
function positions(
  w: World,
  k: number,
  blockable: boolean,
): { ranges: MmuNotifierRange[]; hits: MmuIntervalNotifier<unknown>[][] } {
  const next = rng(k * 7919 + w.intervals.length);
  const ranges: MmuNotifierRange[] = [];
  const hits: MmuIntervalNotifier<unknown>[][] = [];
  for (let p = 0; p < POSITIONS; p++) {
    const first = next(w.intervals.length - k + 1);
    ranges.push({
      start: BASE + first * STEP,
      end: BASE + (first + k - 1) * STEP + PAGE,
      event: 'unmap',
      blockable,
    });
    hits.push(w.intervals.slice(first, first + k));
  }
  return { ranges, hits };
}

/** The workload file of one (n, k): the intervals and the 64 ranges, for the C driver. */
function workloadFile(w: World, k: number): string {
  const n = w.intervals.length;
  const starts = Float64Array.from(w.intervals, (x) => x.start);
  const lasts = Float64Array.from(w.intervals, (x) => x.last);
  const { ranges } = positions(w, k, false);
  const qs = Float64Array.from(ranges, (r) => r.start);
  const ql = Float64Array.from(ranges, (r) => r.end - 1);
  return writeWorkload(`invalidate-n${n}-k${k}`, [starts, lasts, qs, ql]);
}

function subjects(
  w: World,
  k: number,
  blockable: boolean,
  ops: number,
  driver: KernelDriver,
): Subject<never>[] {
  const { ranges, hits } = positions(w, k, blockable);
  const c = driver.ok
    ? kernelSubject(driver, 'invalidate', workloadFile(w, k), w.intervals.length, ops)
    : [];
  const { mm, list, calls, iops } = w;
  const invalidate = iops.invalidate!;
  const core: Subject<never> = {
    name: 'mmu-notifier',
    run: () => {
      const before = calls.count;
      for (let j = 0; j < ops; j++) {
        const range = ranges[j % POSITIONS]!;
        if (blockable) {
          if (mm.invalidateRangeStart(range) !== undefined) throw new Error('start went async');
        } else if (mm.invalidateRangeStartNonblock(range) !== 0) throw new Error('EAGAIN');
        if (mm.invalidateRangeEnd(range) !== undefined) throw new Error('end went async');
      }
      return calls.count - before;
    },
  };
  const limit: Subject<never> = {
    name: CALLBACKS,
    run: () => {
      const before = calls.count;
      for (let j = 0; j < ops; j++) {
        const range = ranges[j % POSITIONS]!;
        const subs = hits[j % POSITIONS]!;
        for (let i = 0; i < subs.length; i++) invalidate(subs[i]!, range, 3);
        for (let i = 0; i < LIST; i++) list[i]!.ops.invalidateRangeStart!(list[i]!, range);
        for (let i = 0; i < LIST; i++) list[i]!.ops.invalidateRangeEnd!(list[i]!, range);
      }
      return calls.count - before;
    },
  };
  if (blockable || w.twin === null) return [...c, limit, core];
  const twin = w.twin;
  const walk: Subject<never> = {
    name: 'tree walk',
    run: () => {
      const before = calls.count;
      for (let j = 0; j < ops; j++) {
        const range = ranges[j % POSITIONS]!;
        const last = range.end - 1;
        let node = twin.iterFirst(range.start, last);
        for (; node !== undefined; node = twin.iterNext(node, range.start, last)) calls.count++;
        for (let i = 0; i < LIST; i++) list[i]!.ops.invalidateRangeStart!(list[i]!, range);
        for (let i = 0; i < LIST; i++) list[i]!.ops.invalidateRangeEnd!(list[i]!, range);
      }
      return calls.count - before;
    },
  };
  return [...c, limit, core, walk];
}

/** The node fields a query reads (split coordinates and links). */
const NODE_FIELDS = ['sh', 'sl', 'lh', 'll', 'mh', 'ml', 'left', 'right', 'parent'] as const;

/**
 * Counts the distinct nodes each query of the real `iterFirst`/`iterNext` reads, on `twin`:
 * every node reached is given counting accessors the first time a link leads to it (lazily,
 * so only the nodes near the queries pay). Bench only; the twin is unusable afterwards.
 */
function nodesTouched(twin: IntervalTree<number>, ranges: readonly MmuNotifierRange[]): number {
  let touched = new Set<object>();
  const done = new WeakSet<object>();
  const instrument = (node: unknown): void => {
    if (typeof node !== 'object' || node === null || done.has(node)) return;
    done.add(node);
    for (const field of NODE_FIELDS) {
      let v: unknown = (node as Record<string, unknown>)[field];
      Object.defineProperty(node, field, {
        get() {
          touched.add(node);
          instrument(v);
          return v;
        },
        set(x: unknown) {
          v = x;
        },
      });
    }
  };
  // The tree's entry points are its root and its leftmost node: reach both from the first.
  const first = twin[Symbol.iterator]().next().value as IntervalTreeNode<number> | undefined;
  if (first === undefined) return 0;
  let root = first as unknown as { parent: unknown };
  while (root.parent !== null) root = root.parent as { parent: unknown };
  instrument(first);
  instrument(root);
  let total = 0;
  for (const range of ranges) {
    touched = new Set();
    const last = range.end - 1;
    for (let node = twin.iterFirst(range.start, last); node !== undefined; ) {
      node = twin.iterNext(node, range.start, last);
    }
    total += touched.size;
  }
  return total / ranges.length;
}

function visitRow(k: number, n: number, value: number): Row {
  return {
    bench: 'tree-walk',
    workload: `nodes touched per query k=${k} n=${n}`,
    subject: 'mmu-notifier',
    unit: 'nodes',
    value,
    note: `log2(n) + k = ${(Math.log2(n) + k).toFixed(1)}`,
  };
}

function costRows(o: InvalidateBenchOptions): Row[] {
  const rows: Row[] = [];
  const visits: Row[] = [];
  for (const n of o.sizes) {
    const w = world(n, true);
    for (const k of o.ks) {
      for (const blockable of [false, true]) {
        const mode = blockable ? 'blockable' : 'nonblock';
        const list = subjects(w, k, blockable, o.ops, o.driver);
        const timings = compare(o.ops, list, o.effort);
        const base = o.driver.ok ? KERNEL_C : CALLBACKS;
        rows.push(...timingRows('invalidate', `${mode} k=${k} n=${n}`, timings, base));
      }
    }
    // Last: the instrumentation makes the twin slow for good.
    for (const k of o.ks) {
      visits.push(visitRow(k, n, nodesTouched(w.twin!, positions(w, k, false).ranges)));
    }
  }
  return [...rows, ...visits];
}

function memoryRow(workload: string, unit: string, value: number, note?: string): Row {
  return {
    bench: 'memory',
    workload,
    subject: 'mmu-notifier',
    unit,
    value,
    ...(note ? { note } : {}),
  };
}

/** Heap bytes per interval notifier, per list notifier, and the flat-heap check. */
function memoryRows(o: InvalidateBenchOptions): Row[] {
  if (!gcAvailable()) return [];
  const count = o.memoryCount;
  const rows: Row[] = [];
  let before = heapUsed();
  const w = world(count, false);
  rows.push(
    memoryRow(
      `heap per interval notifier (n=${count})`,
      'B/notifier',
      (heapUsed() - before) / count,
    ),
  );
  const listCount = Math.min(count, 1 << 14);
  const mm = new AddressSpace();
  const calls = { count: 0 };
  before = heapUsed();
  for (let i = 0; i < listCount; i++) mm.register(listOps(calls));
  rows.push(
    memoryRow(
      `heap per list notifier (n=${listCount})`,
      'B/notifier',
      (heapUsed() - before) / listCount,
    ),
  );
  for (const blockable of [false, true]) {
    const mode = blockable ? 'blockable' : 'nonblock';
    const [, core] = subjects(w, 16, blockable, o.flatRuns, { ok: false, reason: 'not timed' });
    core!.run(undefined as never);
    before = heapUsed();
    core!.run(undefined as never);
    const growth = heapUsed() - before;
    rows.push(
      memoryRow(
        `heap growth after ${o.flatRuns} ${mode} invalidations (k=16, n=${count}), after GC`,
        'B',
        growth,
        `${(growth / o.flatRuns).toFixed(4)} B/invalidation`,
      ),
    );
  }
  if (w.mm.intervalCount !== count || mm.notifierCount !== listCount)
    throw new Error('lost notifiers');
  return rows;
}

/** Runs the invalidation benchmark; returns the table rows. */
export function runInvalidateBench(o: InvalidateBenchOptions): Row[] {
  return [...costRows(o), ...memoryRows(o)];
}
