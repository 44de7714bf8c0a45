/**
 * `seed-2019`: the LKML thread this project starts from (July 2019), on the full model.
 *
 * Goal: show the seed bug with the real actors, and that today's core removes it.
 * Method: one process, KVM (A) and the 2019 ODP (B, `odp-2019.ts`) registered on it; three
 * tasks: an ODP page fault that holds `umem_mutex` while it programs the device, the OOM
 * reaper (one attempt, a non-blockable unmap of the VMA), and a vCPU fault on the same page.
 * Under `legacy-2019` the reaper's start fails in B after A started, nobody calls A's end:
 * the core reports `unpaired-start`, KVM's `mmu_invalidate_in_progress` stays 1 (pairing)
 * and the vCPU retries forever (liveness). Under `current` the core ends A itself; every
 * schedule is clean. B fails its start yet has an end, as the thread wrote it, which the
 * kernel WARNs about since v5.12: `failing-start-with-end` is tolerated.
 */

import { defineScenario, type Scenario } from '../check/world.ts';
import type { DiagnosticKind } from '../core/diagnostics.ts';
import { Kvm } from '../model/kvm.ts';
import { kvmVcpuFault } from '../model/kvm-fault.ts';
import { Odp2019, odp2019Fault } from '../model/odp-2019.ts';
import { oomReapTask } from '../model/oom-reaper.ts';
import { PAGE_SIZE } from '../model/page-alloc.ts';
import { BASE, RW, stage } from './fixture.ts';

/** Options of {@link seedScenario}, for tests that make one oracle at a time fire. */
export interface SeedOptions {
  /** The scenario's name (default `seed-2019`). */
  readonly name?: string;
  /** Contract diagnostics that are not findings (always `failing-start-with-end`, B as written). */
  readonly tolerate?: readonly DiagnosticKind[];
  /** Install the model's monitors (default true). */
  readonly monitors?: boolean;
}

/** The seed scenario, parameterized (see the module comment). */
export function seedScenario(options: SeedOptions = {}): Scenario {
  return defineScenario({
    name: options.name ?? 'seed-2019',
    description:
      'KVM (A) + 2019 ODP (B) on one mm: an ODP fault holds umem_mutex, the OOM reaper invalidates ' +
      'non-blockably, a vCPU faults. legacy-2019: A never gets its end (pairing, liveness); current: clean.',
    setup(world) {
      const tolerate: DiagnosticKind[] = ['failing-start-with-end', ...(options.tolerate ?? [])];
      const { mm, watch } = stage(world, { tolerate, monitors: options.monitors ?? true });
      mm.mmap(BASE, PAGE_SIZE, { prot: RW });
      mm.populate(BASE, 1);
      const kvm = watch(
        new Kvm(mm, { memslots: [{ id: 0, baseGfn: 0, npages: 1, userspaceAddr: BASE }] }),
      );
      kvm.register();
      const odp = watch(new Odp2019(mm));
      odp.register();
      world.spawn('odp-fault', () => odp2019Fault(odp, BASE, false));
      world.spawn('oom-reaper', () => oomReapTask(mm, { retries: 1 }));
      world.spawn('vcpu', () => kvmVcpuFault(kvm, 0, false));
    },
  });
}

/** The seed scenario of the library. */
export const seed2019: Scenario = seedScenario();
