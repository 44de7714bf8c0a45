/**
 * The seed scenario (LKML, July 2019, "A and B alone work fine, combined they fail"), built
 * on the core only, for the checker's tests and the benchmarks.
 *
 * Notifiers, exactly as in Jason Gunthorpe's message, registered B then A (A, the newest,
 * runs first):
 * - A (KVM): start `spin_lock; count++; spin_unlock`; end `spin_lock; count--; spin_unlock`
 *   and wakes the KVM fault path (`kvm->mmu_notifier_count`, a shared cell);
 * - B (RDMA ODP): start `if (!mutex_trylock(umem_mutex)) return -EAGAIN; count++;
 *   mutex_unlock`; end `spin_lock; count--; spin_unlock`.
 * Tasks:
 * - `odp-fault` takes B's `umem_mutex` (an ODP page fault) and sleeps holding it;
 * - `oom-reaper` runs `invalidateRangeStartNonblock` once (`__oom_reap_task_mm`): on 0 it
 *   zaps (a scheduling point) and ends; on EAGAIN it must not end (and does not);
 * - `kvm` waits on a wait queue until A's count is 0 (KVM's fault retry).
 *
 * Under `legacy-2019`, when the reaper runs while `odp-fault` holds the mutex, B fails, A's
 * start is never ended: the core reports `unpaired-start`, and the KVM waiter never proceeds.
 * Under `current`, the core ends A itself (it recorded A's success), so every schedule ends
 * with both counts at 0. B fails its start yet has an end, which the kernel WARNs about since
 * the fix; that is B as the thread wrote it, so `failing-start-with-end` is tolerated here.
 */

import type { DiagnosticKind } from '../core/diagnostics.ts';
import type { MmuNotifierOps } from '../core/ops.ts';
import { EAGAIN, type MmuNotifierRange } from '../core/range.ts';
import { defineScenario, type Scenario, type World } from './world.ts';

const REAP: MmuNotifierRange = { start: 0x1000, end: 0x9000, event: 'unmap', blockable: false };

function notifiers(world: World) {
  const aLock = world.spinLock('A.lock');
  const aCount = world.shared(0, 'kvm.mmu_notifier_count');
  const kvmWait = world.waitQueue('kvm.wq');
  const bLock = world.spinLock('B.lock');
  const bMutex = world.mutex('B.umem_mutex');
  const bCount = world.shared(0, 'B.count');
  const a: MmuNotifierOps = {
    invalidateRangeStart() {
      aLock.withLock(() => aCount.set(aCount.value + 1));
    },
    invalidateRangeEnd() {
      aLock.withLock(() => aCount.set(aCount.value - 1));
      kvmWait.wakeUpAll();
    },
  };
  const b: MmuNotifierOps = {
    invalidateRangeStart(_sub, range) {
      if (range.blockable) return lockAndCount();
      if (!bMutex.tryLock()) return EAGAIN;
      bCount.set(bCount.value + 1);
      bMutex.unlock();
      return 0;
    },
    invalidateRangeEnd() {
      bLock.withLock(() => bCount.set(bCount.value - 1));
    },
  };
  async function lockAndCount(): Promise<number> {
    await bMutex.lock();
    bCount.set(bCount.value + 1);
    bMutex.unlock();
    return 0;
  }
  return { a, b, aCount, bCount, bMutex, kvmWait };
}

/** Options of {@link seedScenarioOnCore}. */
export interface SeedScenarioOptions {
  /**
   * Report the core's `unpaired-start` diagnostic (default true). Off, the bug shows as its
   * consequence: the KVM waiter never proceeds (a deadlock) or A's count is left raised.
   */
  readonly monitor?: boolean;
  /**
   * How the `kvm` task waits for A's count to drop (default `sleep`): `sleep` on KVM's wait
   * queue, or `spin` (load the count, `yieldNow()`, again), as a vCPU that re-enters the
   * guest and faults again at once. Spinning, the unpaired start is a `livelock` that the
   * fair search reports only because no fair schedule ends (A's count stays raised).
   */
  readonly kvm?: 'sleep' | 'spin';
}

/** The seed scenario on the core (see the module comment); semantics from the check options. */
export function seedScenarioOnCore(options: SeedScenarioOptions = {}): Scenario {
  const tolerate: DiagnosticKind[] = ['failing-start-with-end'];
  if (options.monitor === false) tolerate.push('unpaired-start');
  const spin = options.kvm === 'spin';
  return defineScenario({
    name: `${options.monitor === false ? 'seed-core-unmonitored' : 'seed-core'}${spin ? '-spin' : ''}`,
    description:
      'seed thread 2019: A (KVM counter) + B (ODP trylock), OOM reaper non-blockable start',
    setup: (world) => setup(world, tolerate, spin),
  });
}

/** {@link seedScenarioOnCore} with the contract monitor on: the benchmarks' fixture. */
export const seedCoreScenario: Scenario = seedScenarioOnCore();

function setup(world: World, tolerate: readonly DiagnosticKind[], spin: boolean): void {
  const mm = world.addressSpace({ core: 'typescript', name: 'mm', tolerate });
  const { a, b, aCount, bCount, bMutex, kvmWait } = notifiers(world);
  mm.register(b, { name: 'B' });
  mm.register(a, { name: 'A' });
  world.spawn('odp-fault', async () => {
    await bMutex.lock();
    await world.mightSleep(); // programs the device, holding the mutex
    bMutex.unlock();
  });
  world.spawn('oom-reaper', async () => {
    const range = { ...REAP };
    if (mm.invalidateRangeStartNonblock(range) !== 0) return;
    await world.mightSleep(); // zaps
    await mm.invalidateRangeEnd(range);
  });
  world.spawn('kvm', async () => {
    while ((await aCount.load()) !== 0) await (spin ? world.yieldNow() : kvmWait.sleep());
  });
  world.finally(() => {
    if (aCount.value !== 0) throw new Error(`A's count left at ${aCount.value}: an unpaired start`);
    if (bCount.value !== 0) throw new Error(`B's count left at ${bCount.value}`);
    if (mm.inFlightCount !== 0) throw new Error(`${mm.inFlightCount} invalidations left open`);
  });
}
