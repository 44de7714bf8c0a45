/**
 * The fixture of the ported HMM selftests (`hmm-tests.c`'s `FIXTURE(hmm)` and
 * `FIXTURE(hmm2)`): one process with two test devices open (`fd`/`fd0` and `fd1`), and the
 * buffer helpers the tests share (`hmm_buffer`, `ASSERT_EQ` on page contents).
 */

import { defineScenario, type Scenario, type World } from '../check/world.ts';
import { DmirrorDevice } from '../model/hmm-migrate.ts';
import { Dmirror } from '../model/hmm-mirror.ts';
import type { Mm } from '../model/mm.ts';
import { cpuRead, cpuWrite } from '../model/mm-ops.ts';
import { PAGE_SIZE } from '../model/page-alloc.ts';
import type { Prot } from '../model/vma.ts';
import { assertEq, BASE, stage } from './fixture.ts';

/** Pages per buffer (the original uses `HMM_BUFFER_SIZE`, 6 MiB). */
export const NPAGES = 4;
/** Repetitions of the `*_multiple` tests (the original's `NTIMES` is 10). */
export const NTIMES = 2;

/** The fixture: `hmm` has one device open; `hmm2` two (`fd0`, `fd1`). */
export interface Fixture {
  /** The run's world. */
  readonly world: World;
  /** The test process. */
  readonly mm: Mm;
  /** `self->fd` / `self->fd0`: device 0. */
  readonly fd: Dmirror;
  /** `self->fd1`: device 1 (`hmm2`). */
  readonly fd1: Dmirror;
}

/** `[f(0), ..., f(n - 1)]`. */
export const seq = (n: number, f: (i: number) => number): number[] =>
  Array.from({ length: n }, (_, i) => f(i));
/** The address of page `i` of the buffer. */
export const addr = (i: number): number => BASE + i * PAGE_SIZE;

/** `mmap()` of an anonymous private buffer (`hmm_buffer` setup). */
export function mmapAnon(mm: Mm, npages: number, prot: Prot, shared = false, at = BASE): void {
  mm.mmap(at, npages * PAGE_SIZE, { prot, shared });
}

/** The buffer's contents as the CPU reads them. */
export async function cpuReadAll(mm: Mm, npages: number, from = BASE): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < npages; i++) out.push(await cpuRead(mm, from + i * PAGE_SIZE));
  return out;
}

/** Asserts that the CPU reads page i of the `NPAGES` buffer as `f(i)`; `what` names the check. */
export async function expectCpuReads(mm: Mm, f: (i: number) => number, what: string) {
  assertEq(await cpuReadAll(mm, NPAGES), seq(NPAGES, f), what);
}

/** The CPU initializes the buffer: page i holds `f(i)`. */
export async function cpuInit(mm: Mm, npages: number, f: (i: number) => number): Promise<void> {
  for (let i = 0; i < npages; i++)
    assertEq(await cpuWrite(mm, addr(i), f(i)), 0, `cpu write page ${i}`);
}

/** A selftest as a scenario: `body` runs as the task `test` on a fresh fixture. */
export function selftest(
  name: string,
  description: string,
  body: (f: Fixture) => Promise<void>,
): Scenario {
  return defineScenario({
    name,
    description: `hmm-tests.c ${description}`,
    setup(world) {
      const { mm, watch } = stage(world);
      const dev0 = new DmirrorDevice('hmm_dmirror0');
      const dev1 = new DmirrorDevice('hmm_dmirror1');
      mm.addPagemap(dev0);
      mm.addPagemap(dev1);
      const fd = watch(new Dmirror(mm, dev0, 'dmirror0'));
      const fd1 = watch(new Dmirror(mm, dev1, 'dmirror1'));
      fd.open();
      fd1.open();
      world.spawn('test', () => body({ world, mm, fd, fd1 }));
    },
  });
}
