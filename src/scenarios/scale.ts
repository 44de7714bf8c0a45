/**
 * Scenarios sized to measure the checker's scaling (issue 15): `everyday-munmap` with more
 * faulting actors. munmap of one page while vCPUs (KVM), ODP page faults and device faults
 * (the HMM test mirror) fault it in; every actor of a kind faults the same page through the
 * same mirror. Not in the library list (`scenarioLibrary`): a complete search takes seconds
 * to minutes, so `npm test` does not run them; `findScenario` and the CLI find them by name,
 * and `npm run bench` measures them.
 */

import { defineScenario, type Scenario } from '../check/world.ts';
import { kvmVcpuFault } from '../model/kvm-fault.ts';
import { munmap } from '../model/mm-ops.ts';
import { odpPageFault } from '../model/odp.ts';
import { PAGE_SIZE } from '../model/page-alloc.ts';
import type { ScenarioEntry } from './entry.ts';
import { actors } from './everyday.ts';
import { BASE } from './fixture.ts';

/** At most this many actors of one kind (the checker's task limit is far above). */
const ACTORS_MAX = 6;

/**
 * `scale-munmap-V-O-D`: munmap of one page while `vcpus` vCPUs, `odps` ODP faults and
 * `devices` device faults fault it in (`everyday-munmap` is 1-1-1).
 */
export function scaleMunmap(vcpus: number, odps: number, devices: number): Scenario {
  for (const n of [vcpus, odps, devices]) {
    if (!Number.isInteger(n) || n < 0 || n > ACTORS_MAX)
      throw new RangeError(`scaleMunmap: actors per kind must be in [0, ${ACTORS_MAX}], got ${n}`);
  }
  return defineScenario({
    name: `scale-munmap-${vcpus}-${odps}-${devices}`,
    description:
      `munmap of a page while ${vcpus} vCPU(s), ${odps} ODP fault(s) and ${devices} device ` +
      'fault(s) fault it in (everyday-munmap with more actors; sized for scaling measurements).',
    setup(world) {
      const { mm, kvm, odp, dmirror } = actors(world);
      world.spawn('op', () => munmap(mm, BASE, PAGE_SIZE));
      for (let i = 0; i < vcpus; i++) world.spawn(`vcpu${i}`, () => kvmVcpuFault(kvm, 0, false));
      for (let i = 0; i < odps; i++)
        world.spawn(`odp-fault${i}`, () => odpPageFault(odp, BASE, false));
      for (let i = 0; i < devices; i++)
        world.spawn(`device-fault${i}`, () => dmirror.rangeFault(BASE, BASE + PAGE_SIZE, false));
    },
  });
}

/** The scaling scenarios (clean: complete searches find nothing). */
export const scaleScenarios: readonly ScenarioEntry[] = [
  { scenario: scaleMunmap(2, 1, 1), expect: 'clean', defaults: { timeLimitMs: 600_000 } },
  { scenario: scaleMunmap(1, 2, 1), expect: 'clean', defaults: { timeLimitMs: 600_000 } },
  { scenario: scaleMunmap(1, 1, 2), expect: 'clean', defaults: { timeLimitMs: 600_000 } },
  { scenario: scaleMunmap(5, 0, 0), expect: 'clean', defaults: { timeLimitMs: 600_000 } },
  { scenario: scaleMunmap(2, 2, 2), expect: 'clean', defaults: { timeLimitMs: 600_000 } },
  { scenario: scaleMunmap(3, 1, 1), expect: 'clean', defaults: { timeLimitMs: 600_000 } },
  { scenario: scaleMunmap(2, 2, 1), expect: 'clean', defaults: { timeLimitMs: 600_000 } },
  { scenario: scaleMunmap(4, 0, 0), expect: 'clean', defaults: { timeLimitMs: 600_000 } },
];
