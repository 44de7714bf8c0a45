/**
 * The scenario around the example driver (`driver.ts`): one process with a one-page buffer,
 * the device faulting on it while the process drops the page (`MADV_DONTNEED`). The model's
 * monitors judge the device page table after every step: a device that maps a freed page, or
 * a page of a range whose invalidation has started, is a finding.
 */

import {
  BASE,
  defineScenario,
  madviseDontneed,
  PAGE_SIZE,
  RW,
  type Scenario,
  stage,
} from 'mmu-notifier';
import { type UserptrBugs, UserptrDriver } from './driver.ts';

/** The race of a device fault and `MADV_DONTNEED`, with the driver's `bugs` planted. */
export function userptrScenario(name: string, bugs: UserptrBugs = {}): Scenario {
  return defineScenario({
    name,
    description: 'a userptr driver faults a page in while the process drops it (MADV_DONTNEED)',
    setup(world) {
      // The process: an mm on the run's core, with the coherence and pairing monitors.
      const { mm, watch } = stage(world);
      mm.mmap(BASE, PAGE_SIZE, { prot: RW });
      mm.populate(BASE, 42); // fault the page in, contents 42
      // The driver: its interval notifier, lock and device page table; watched by the monitors.
      const gpu = watch(new UserptrDriver(world, mm, BASE, PAGE_SIZE, 'gpu', bugs));
      world.spawn('gpu-fault', async () => {
        const rc = await gpu.fault(BASE, 1, false);
        if (rc !== 0) throw new Error(`fault failed: ${rc}`);
      });
      world.spawn('madvise', () => madviseDontneed(mm, BASE, PAGE_SIZE));
    },
  });
}
