/**
 * Ported HMM selftests on device-private memory (`hmm-tests.c`): migration to the device,
 * faults back to system memory, eviction, and the two-device `hmm2` tests. See
 * `hmm-tests.ts` for what was ported and how.
 */

import type { Scenario } from '../check/world.ts';
import { EINVAL, ENOENT } from '../model/errno.ts';
import { dmirrorMigrateToDevice } from '../model/hmm-migrate.ts';
import { dmirrorSnapshot, HMM_DMIRROR_PROT } from '../model/hmm-snapshot.ts';
import { cpuRead, cpuWrite, mprotect, munmap } from '../model/mm-ops.ts';
import { PAGE_SIZE } from '../model/page-alloc.ts';
import { assertEq, BASE, NONE, RO, RW } from './fixture.ts';
import {
  addr,
  cpuInit,
  cpuReadAll,
  expectCpuReads,
  mmapAnon,
  NPAGES,
  NTIMES,
  selftest,
  seq,
} from './hmm-selftest.ts';

/** The ported migration tests. */
export const migrateTests: readonly Scenario[] = [
  selftest(
    'hmm-migrate',
    'TEST_F(hmm, migrate): anonymous memory to device-private memory.',
    async ({ mm, fd }) => {
      mmapAnon(mm, NPAGES, RW);
      await cpuInit(mm, NPAGES, (i) => i);
      const m = await dmirrorMigrateToDevice(fd, BASE, NPAGES);
      assertEq([m.ret, m.cpages], [0, NPAGES], 'migrate');
      assertEq(
        m.data,
        seq(NPAGES, (i) => i),
        'what the device read',
      );
    },
  ),
  selftest(
    'hmm-migrate-fault',
    'TEST_F(hmm, migrate_fault): migrate, fault half back, migrate again.',
    async ({ mm, fd }) => {
      mmapAnon(mm, NPAGES, RW);
      await cpuInit(mm, NPAGES, (i) => i);
      assertEq((await dmirrorMigrateToDevice(fd, BASE, NPAGES)).cpages, NPAGES, 'migrate');
      assertEq(
        await cpuReadAll(mm, NPAGES / 2),
        seq(NPAGES / 2, (i) => i),
        'half faulted back',
      );
      const m = await dmirrorMigrateToDevice(fd, BASE, NPAGES);
      assertEq([m.ret, m.cpages], [0, NPAGES], 'migrate again');
      assertEq(
        m.data,
        seq(NPAGES, (i) => i),
        'what the device read',
      );
    },
  ),
  selftest(
    'hmm-migrate-release',
    'TEST_F(hmm, migrate_release): migrate, release device memory, fault back.',
    async ({ mm, fd }) => {
      mmapAnon(mm, NPAGES, RW);
      await cpuInit(mm, NPAGES, (i) => i);
      assertEq((await dmirrorMigrateToDevice(fd, BASE, NPAGES)).cpages, NPAGES, 'migrate');
      await fd.device.evict(mm); // HMM_DMIRROR_RELEASE
      assertEq(
        await cpuReadAll(mm, NPAGES / 2),
        seq(NPAGES / 2, (i) => i),
        'faulted back',
      );
    },
  ),
  selftest(
    'hmm-migrate-shared',
    'TEST_F(hmm, migrate_shared): shared anonymous memory does not migrate.',
    async ({ mm, fd }) => {
      mmapAnon(mm, NPAGES, RW, true);
      assertEq(
        (await dmirrorMigrateToDevice(fd, BASE, NPAGES)).ret,
        ENOENT,
        'migrate of MAP_SHARED',
      );
    },
  ),
  selftest(
    'hmm2-migrate-mixed',
    'TEST_F(hmm2, migrate_mixed): protections, a hole, and another device.',
    async ({ mm, fd, fd1 }) => {
      mmapAnon(mm, 6, NONE);
      assertEq((await dmirrorMigrateToDevice(fd1, BASE, 6)).ret, EINVAL, 'migrate of PROT_NONE');
      assertEq(await munmap(mm, addr(1), PAGE_SIZE), 0, 'punch a hole');
      assertEq((await dmirrorMigrateToDevice(fd1, BASE, 3)).ret, EINVAL, 'migrate across the hole');
      assertEq(await mprotect(mm, addr(2), PAGE_SIZE, RO), 0, 'page 2 read-only');
      assertEq((await cpuRead(mm, addr(2))) + 3, 3, 'page 2 reads zero');
      assertEq(await mprotect(mm, addr(3), PAGE_SIZE, RW), 0, 'page 3 RW');
      assertEq(await cpuWrite(mm, addr(3), 3), 0, 'write page 3');
      assertEq(await mprotect(mm, addr(3), PAGE_SIZE, RO), 0, 'page 3 read-only');
      assertEq(await mprotect(mm, addr(4), 2 * PAGE_SIZE, RW), 0, 'pages 4-5 RW');
      assertEq(
        [await cpuWrite(mm, addr(4), 3), await cpuWrite(mm, addr(5), 3)],
        [0, 0],
        'write pages 4-5',
      );
      const m = await dmirrorMigrateToDevice(fd1, addr(2), 4);
      assertEq([m.ret, m.cpages], [0, 4], 'pages 2-5 to device 1');
      assertEq((await dmirrorMigrateToDevice(fd, addr(5), 1)).ret, ENOENT, 'page 5 is on device 1');
    },
  ),
  selftest(
    'hmm-migrate-multiple',
    'TEST_F(hmm, migrate_multiple): migrate and fault back, NTIMES.',
    async ({ mm, fd }) => {
      for (let c = 0; c < NTIMES; c++) {
        mmapAnon(mm, NPAGES, RW);
        await cpuInit(mm, NPAGES, (i) => i);
        const m = await dmirrorMigrateToDevice(fd, BASE, NPAGES);
        assertEq([m.ret, m.cpages], [0, NPAGES], `migrate ${c}`);
        await expectCpuReads(mm, (i) => i, `faulted back ${c}`);
        await munmap(mm, BASE, NPAGES * PAGE_SIZE);
      }
    },
  ),
  selftest(
    'hmm2-snapshot',
    'TEST_F(hmm2, snapshot): the CPU page table as device 0 sees it.',
    async ({ mm, fd, fd1 }) => {
      mmapAnon(mm, 7, NONE);
      await munmap(mm, addr(1), PAGE_SIZE);
      await mprotect(mm, addr(2), PAGE_SIZE, RO);
      assertEq((await cpuRead(mm, addr(2))) + 3, 3, 'page 2 reads zero');
      await mprotect(mm, addr(3), PAGE_SIZE, RW);
      await cpuWrite(mm, addr(3), 3);
      await mprotect(mm, addr(3), PAGE_SIZE, RO);
      await mprotect(mm, addr(4), 3 * PAGE_SIZE, RW);
      await cpuWrite(mm, addr(4), 3);
      assertEq((await dmirrorMigrateToDevice(fd, addr(5), 1)).cpages, 1, 'page 5 to device 0');
      assertEq((await dmirrorMigrateToDevice(fd1, addr(6), 1)).cpages, 1, 'page 6 to device 1');
      const s = await dmirrorSnapshot(fd, BASE, 7);
      const P = HMM_DMIRROR_PROT;
      // Page 2: the kernel maps the shared zero page (ZERO | READ); the model has no zero page.
      const expected = [
        P.ERROR,
        P.ERROR,
        P.READ,
        P.READ,
        P.WRITE,
        P.DEV_PRIVATE_LOCAL | P.WRITE,
        P.NONE,
      ];
      assertEq([s.ret, s.perms], [0, expected], 'snapshot');
    },
  ),
  selftest(
    'hmm2-double-map',
    'TEST_F(hmm2, double_map): two devices read the same memory.',
    async ({ mm, fd, fd1 }) => {
      mmapAnon(mm, 6, RW);
      await cpuInit(mm, 6, (i) => i);
      assertEq(await mprotect(mm, BASE, 6 * PAGE_SIZE, RO), 0, 'read-only');
      for (const dev of [fd, fd1]) {
        const r = await dev.read(BASE, 6);
        assertEq(
          [r.ret, r.cpages, r.faults, r.data],
          [0, 6, 1, seq(6, (i) => i)],
          `${dev.name} reads`,
        );
      }
      assertEq((await dmirrorMigrateToDevice(fd1, BASE, 6)).cpages, 6, 'migrate to device 1');
      const r = await fd.read(BASE, 6);
      assertEq(
        [r.ret, r.cpages, r.faults, r.data],
        [0, 6, 1, seq(6, (i) => i)],
        'device 0 reads after',
      );
    },
  ),
];
