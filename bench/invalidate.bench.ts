/**
 * Benchmark 2: the cost of one invalidation (start + end) against its limit, and memory.
 *
 * Setup: an `AddressSpace` (semantics `current`) with 4 list notifiers (start and end count
 * calls) and n interval notifiers of one page each, a page apart; a range overlaps exactly k
 * of them. Each sample runs `ops` start+end pairs over 64 precomputed ranges spread over the
 * tree, non-blockable (`invalidateRangeStartNonblock` + `invalidateRangeEnd`) or blockable
 * (`invalidateRangeStart` + `invalidateRangeEnd`; the callbacks are synchronous, so the core
 * returns without a Promise). The limit: a bare loop calling the same k + 4 callbacks
 * (4 starts, k `invalidate`s, 4 ends) from precomputed arrays, with the same arguments.
 * Memory (needs `--expose-gc`): heap bytes per interval notifier and per list notifier, and
 * the heap before and after many invalidations, each after a full GC.
 */

import { AddressSpace } from '../src/core/address-space.ts';
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
}

const PAGE = 0x1000;
const STEP = 2 * PAGE;
const LIST = 4;
const POSITIONS = 64;

/** The world of one n: the address space, its notifiers, and a call counter. */
interface World {
  readonly mm: AddressSpace;
  readonly list: readonly MmuNotifier<unknown>[];
  readonly intervals: readonly MmuIntervalNotifier<unknown>[];
  readonly calls: { count: number };
  readonly iops: MmuIntervalNotifierOps;
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

function world(n: number): World {
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
  for (let i = 0; i < n; i++) intervals.push(mm.insertInterval(i * STEP, PAGE, iops));
  return { mm, list, intervals, calls, iops };
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
      start: first * STEP,
      end: (first + k - 1) * STEP + PAGE,
      event: 'unmap',
      blockable,
    });
    hits.push(w.intervals.slice(first, first + k));
  }
  return { ranges, hits };
}

function subjects(w: World, k: number, blockable: boolean, ops: number): Subject<never>[] {
  const { ranges, hits } = positions(w, k, blockable);
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
    name: 'limit',
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
  return [limit, core];
}

function costRows(o: InvalidateBenchOptions): Row[] {
  const rows: Row[] = [];
  for (const n of o.sizes) {
    const w = world(n);
    for (const k of o.ks) {
      for (const blockable of [false, true]) {
        const mode = blockable ? 'blockable' : 'nonblock';
        const timings = compare(o.ops, subjects(w, k, blockable, o.ops), o.effort);
        rows.push(...timingRows('invalidate', `${mode} k=${k} n=${n}`, timings, 'limit'));
      }
    }
  }
  return rows;
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
  const w = world(count);
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
    const [, core] = subjects(w, 16, blockable, o.flatRuns);
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
