/**
 * Two-pass interval notifiers (the 2026 proposal, "mm/mmu_notifier: Allow two-pass struct
 * mmu_interval_notifiers") on three GPUs mirroring one page.
 *
 * Goal: with `invalidateStart` issuing each device's TLB flush and `invalidateFinish`
 * waiting for it, no device keeps a stale translation, every finish runs exactly once, and
 * the three flushes overlap; a driver that waits in its (one-pass) `invalidate` is just as
 * correct but serializes them. Method: a small device model on the core (no kernel model):
 * each GPU has a page table entry, a TLB entry that a flush clears only when it completes,
 * and a driver mutex; fault tasks follow readBegin / load the CPU PTE / lock / readRetry;
 * a blockable invalidator (munmap) and a non-blockable one (the OOM reaper, which skips the
 * range on EAGAIN) change the CPU PTE between start and end. The monitors: "no GPU
 * translation is older than the CPU PTE" after every step; each finish throws if run twice
 * and `finally` checks every issued flush completed; the core's `finish-unpaired` monitor.
 *
 * The model's own step count: a device clock that every issue and every poll of a flush
 * advances by one step, a flush completing FLUSH_STEPS steps after its issue while devices
 * run in parallel. One blockable invalidation of the three GPUs costs
 * {@link TWO_PASS_STEPS} steps two-pass and {@link ONE_PASS_STEPS} waiting in the first pass
 * ({@link measureFlushSteps} measures both under the checker; a test compares them).
 */

import { check } from '../check/check.ts';
import { defineScenario, type World } from '../check/world.ts';
import { type NotifierSubscriptions, settled } from '../core/notifier-subscriptions.ts';
import type { MmuIntervalNotifier, MmuIntervalNotifierOps } from '../core/ops.ts';
import type { MmuNotifierRange } from '../core/range.ts';
import { StateError } from '../errors.ts';
import type { Mutex } from '../sync/mutex.ts';
import type { Shared } from '../sync/shared.ts';
import type { ScenarioEntry } from './entry.ts';

/** The page the GPUs mirror. */
const PAGE = 0x10_0000;
const PAGE_SIZE = 0x1000;
/** Steps of the device clock from a flush's issue to its completion. */
export const FLUSH_STEPS = 8;
/** Device-clock steps of one blockable invalidation of three GPUs, two-pass (measured). */
export const TWO_PASS_STEPS = 11;
/** The same, each driver waiting for its flush in its first pass (measured). */
export const ONE_PASS_STEPS = 27;
/** Attempts of one device fault before it gives up (`-EBUSY`; a bound, not a timeout). */
const FAULT_TRIES = 3;

/**
 * How the drivers invalidate: two-pass, waiting in the first pass, or (a broken driver, for
 * tests of the monitors) two-pass answering `true` without ever waiting for its flush.
 */
export type FlushMode = 'two-pass' | 'wait-in-first-pass' | 'broken-no-finish';

/** A TLB flush in flight on one device. */
interface Flush {
  readonly gpu: Gpu;
  readonly doneAt: number;
  finished: boolean;
}

/** One GPU's mirror of the page and its driver state. */
interface Gpu {
  readonly name: string;
  readonly mutex: Mutex;
  /** The device PTE: the CPU PTE version it maps, or null. */
  pte: number | null;
  /** The device TLB: a version it may still translate to until a flush completes. */
  tlb: number | null;
  issued: number;
  completed: number;
  sub: MmuIntervalNotifier<Gpu> | null;
}

/** One run's devices, CPU PTE and device clock. */
interface Rig {
  readonly world: World;
  readonly as: NotifierSubscriptions;
  readonly cpuPte: Shared<number>;
  readonly gpus: readonly Gpu[];
  /** The device clock: model steps of issuing and polling flushes. */
  clock: number;
}

/** Issues a flush of `gpu`'s TLB (one clock step); the PTE is already cleared. */
function issue(rig: Rig, gpu: Gpu): Flush {
  rig.clock++;
  gpu.issued++;
  return { gpu, doneAt: rig.clock + FLUSH_STEPS, finished: false };
}

/** Polls `flush` until it completes (one clock step per poll), then drops the TLB entry. */
function complete(rig: Rig, flush: Flush): void {
  if (flush.finished) throw new StateError(`flush of ${flush.gpu.name} finished twice`);
  while (rig.clock < flush.doneAt) rig.clock++; // while (!fence_signaled()) cpu_relax();
  flush.finished = true;
  flush.gpu.tlb = null;
  flush.gpu.completed++;
}

/** The blockable first pass of either mode: under the driver lock, `setSeq`, clear the PTE, issue. */
async function firstPass(rig: Rig, gpu: Gpu, curSeq: number): Promise<Flush> {
  await gpu.mutex.lock();
  gpu.sub!.setSeq(curSeq);
  gpu.pte = null;
  const flush = issue(rig, gpu);
  gpu.mutex.unlock();
  return flush;
}

/** The non-blockable first pass: `tryLock` or `false` (would block). */
function syncFirstPass(rig: Rig, gpu: Gpu, curSeq: number): Flush | false {
  if (!gpu.mutex.tryLock()) return false;
  gpu.sub!.setSeq(curSeq);
  gpu.pte = null;
  const flush = issue(rig, gpu);
  gpu.mutex.unlock();
  return flush;
}

function intervalOps(rig: Rig, mode: FlushMode): MmuIntervalNotifierOps<Gpu> {
  if (mode === 'broken-no-finish') {
    // The TLB keeps the old translation: nobody waits for the flush to complete.
    const done = (f: Flush | false) => f !== false;
    return {
      invalidateStart: (sub, range, curSeq) =>
        range.blockable
          ? firstPass(rig, sub.data, curSeq).then(done)
          : done(syncFirstPass(rig, sub.data, curSeq)),
      invalidateFinish: () => {},
    };
  }
  if (mode === 'two-pass') {
    return {
      // Blockable: may sleep on the driver lock (a Promise); non-blockable: synchronous.
      invalidateStart: (sub, range, curSeq) =>
        range.blockable ? firstPass(rig, sub.data, curSeq) : syncFirstPass(rig, sub.data, curSeq),
      invalidateFinish: (_sub, flush) => {
        complete(rig, flush as Flush);
      },
    };
  }
  return {
    invalidate: (sub, range, curSeq) => {
      if (!range.blockable) {
        const flush = syncFirstPass(rig, sub.data, curSeq);
        if (flush === false) return false;
        complete(rig, flush);
        return true;
      }
      return firstPass(rig, sub.data, curSeq).then((flush) => {
        complete(rig, flush);
        return true;
      });
    },
  };
}

/** Builds the rig: three GPUs with interval notifiers over the page, the CPU PTE at version 1. */
function rig(world: World, mode: FlushMode): Rig {
  const as = world.addressSpace({ name: 'mm' });
  const r: Rig = { world, as, cpuPte: world.shared(1, 'cpu-pte'), gpus: [], clock: 0 };
  const ops = intervalOps(r, mode);
  for (const name of ['gpu0', 'gpu1', 'gpu2']) {
    const gpu: Gpu = {
      name,
      mutex: world.mutex(`${name}.lock`),
      pte: null,
      tlb: null,
      issued: 0,
      completed: 0,
      sub: null,
    };
    gpu.sub = settled(
      as.insertInterval(PAGE, PAGE_SIZE, ops, { name, data: gpu }),
      'insertInterval',
    );
    (r.gpus as Gpu[]).push(gpu);
  }
  world.invariant('no GPU translates to a page older than the CPU PTE', () =>
    r.gpus.every(
      (g) =>
        (g.pte === null || g.pte === r.cpuPte.value) &&
        (g.tlb === null || g.tlb === r.cpuPte.value),
    ),
  );
  world.finally(() => {
    for (const g of r.gpus) {
      if (g.issued !== g.completed) {
        throw new StateError(`${g.name}: ${g.issued} flushes issued, ${g.completed} completed`);
      }
    }
  });
  return r;
}

/** A device fault: readBegin, read the CPU PTE, lock, readRetry, program PTE and TLB. */
async function deviceFault(rig: Rig, gpu: Gpu): Promise<boolean> {
  const sub = gpu.sub!;
  for (let tries = 0; tries < FAULT_TRIES; tries++) {
    const seq = await sub.readBegin();
    const version = await rig.cpuPte.load(); // hmm_range_fault
    await gpu.mutex.lock();
    if (sub.readRetry(seq)) {
      gpu.mutex.unlock();
      continue;
    }
    gpu.pte = version;
    gpu.tlb = version;
    gpu.mutex.unlock();
    return true;
  }
  return false;
}

const RANGE = { start: PAGE, end: PAGE + PAGE_SIZE } as const;

/** munmap-like: a blockable invalidation around a change of the CPU PTE. */
async function blockableInvalidate(rig: Rig): Promise<void> {
  // Field by field, not `{ ...RANGE, ... }`: the spread cost 4-5% of this scenario's CPU time
  // in each of the two functions (profiler, with or without allocation-site pretenuring).
  const range: MmuNotifierRange = {
    start: RANGE.start,
    end: RANGE.end,
    event: 'clear',
    blockable: true,
  };
  await rig.as.invalidateRangeStart(range);
  await rig.cpuPte.store(rig.cpuPte.value + 1);
  await rig.as.invalidateRangeEnd(range);
}

/** The OOM reaper: non-blockable; on EAGAIN it skips the range and calls no end. */
async function nonblockInvalidate(rig: Rig): Promise<void> {
  const range: MmuNotifierRange = {
    start: RANGE.start,
    end: RANGE.end,
    event: 'unmap',
    blockable: false,
  };
  if ((await rig.as.invalidateRangeStartNonblock(range)) !== 0) return;
  await rig.cpuPte.store(rig.cpuPte.value + 1);
  await rig.as.invalidateRangeEnd(range);
}

const NAMES: Readonly<Record<FlushMode, string>> = {
  'two-pass': 'two-pass-multi-gpu',
  'wait-in-first-pass': 'two-pass-multi-gpu-wait',
  'broken-no-finish': 'two-pass-multi-gpu-broken',
};

/** The scenario of {@link twoPassScenarios} in any mode (tests use `broken-no-finish`). */
export function multiGpu(mode: FlushMode): ScenarioEntry {
  const twoPass = mode === 'two-pass';
  return {
    scenario: defineScenario({
      name: NAMES[mode],
      description:
        (twoPass
          ? 'Three GPUs mirror one page with two-pass interval notifiers: the first pass issues each TLB flush, '
          : 'Three GPUs mirror one page, each driver waiting for its TLB flush inside its (one-pass) invalidate, ') +
        'while device faults race a blockable munmap and a non-blockable OOM reap. No GPU keeps a stale ' +
        `translation and every flush completes once. One invalidation costs ${twoPass ? TWO_PASS_STEPS : ONE_PASS_STEPS} ` +
        `device-clock steps (${TWO_PASS_STEPS} two-pass vs ${ONE_PASS_STEPS} waiting in the first pass).`,
      setup(world) {
        const r = rig(world, mode);
        world.spawn('gpu0-fault', () => deviceFault(r, r.gpus[0]!));
        world.spawn('gpu1-fault', () => deviceFault(r, r.gpus[1]!));
        world.spawn('munmap', () => blockableInvalidate(r));
        world.spawn('oom-reaper', () => nonblockInvalidate(r));
      },
    }),
    expect: 'clean',
    tags: ['everyday'],
  };
}

/**
 * Device-clock steps of one blockable invalidation of the three GPUs in `mode`, measured by
 * running the model under the checker (one schedule, no fault).
 */
export async function measureFlushSteps(mode: FlushMode): Promise<number> {
  let steps = -1;
  await check(
    defineScenario({
      name: `flush-steps-${mode}`,
      setup(world) {
        const r = rig(world, mode);
        world.spawn('munmap', () => blockableInvalidate(r));
        world.finally(() => {
          steps = r.clock;
        });
      },
    }),
    { strategy: 'random', maxSchedules: 1 },
  );
  return steps;
}

/** The library entries: the two-pass scenario and its wait-in-first-pass variant. */
export const twoPassScenarios: readonly ScenarioEntry[] = [
  multiGpu('two-pass'),
  multiGpu('wait-in-first-pass'),
];
