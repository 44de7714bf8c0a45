/**
 * Ported HMM selftests on anonymous and file memory (`hmm-tests.c`): device reads and writes
 * through `hmm_range_fault`, protections, and `anon_teardown`, the invalidate-vs-fault race.
 * See `hmm-tests.ts` for what was ported and how.
 */

import { defineScenario, type Scenario } from '../check/world.ts';
import { EFAULT, EPERM } from '../model/errno.ts';
import { DmirrorDevice } from '../model/hmm-migrate.ts';
import { Dmirror } from '../model/hmm-mirror.ts';
import { mprotect, munmap } from '../model/mm-ops.ts';
import { PAGE_SIZE } from '../model/page-alloc.ts';
import { PageCache } from '../model/page-cache.ts';
import { assertEq, BASE, NONE, RO, RW, stage } from './fixture.ts';
import {
  addr,
  cpuInit,
  expectCpuReads,
  mmapAnon,
  NPAGES,
  NTIMES,
  selftest,
  seq,
} from './hmm-selftest.ts';

/** The ported anonymous and file memory tests. */
export const anonTests: readonly Scenario[] = [
  selftest(
    'hmm-open-close',
    'TEST_F(hmm, open_close): open and close the device.',
    async ({ fd }) => {
      await fd.close();
    },
  ),
  selftest(
    'hmm-anon-read',
    'TEST_F(hmm, anon_read): the device reads anonymous memory.',
    async ({ mm, fd }) => {
      mmapAnon(mm, NPAGES, RW);
      await cpuInit(mm, NPAGES, (i) => i);
      const r = await fd.read(BASE, NPAGES);
      assertEq([r.ret, r.cpages, r.faults], [0, NPAGES, 1], 'read');
      assertEq(
        r.data,
        seq(NPAGES, (i) => i),
        'what the device read',
      );
      await munmap(mm, BASE, NPAGES * PAGE_SIZE);
    },
  ),
  selftest(
    'hmm-anon-read-prot',
    'TEST_F(hmm, anon_read_prot): reading PROT_NONE memory fails.',
    async ({ mm, fd }) => {
      mmapAnon(mm, NPAGES, RW);
      await cpuInit(mm, NPAGES, (i) => i);
      assertEq(await mprotect(mm, BASE, NPAGES * PAGE_SIZE, NONE), 0, 'mprotect(PROT_NONE)');
      assertEq((await fd.read(BASE, NPAGES)).ret, EFAULT, 'read of PROT_NONE');
      assertEq(await mprotect(mm, BASE, NPAGES * PAGE_SIZE, RO), 0, 'mprotect(PROT_READ)');
      await expectCpuReads(mm, (i) => i, 'cpu reads the buffer');
    },
  ),
  selftest(
    'hmm-anon-write',
    'TEST_F(hmm, anon_write): the device writes anonymous memory.',
    async ({ mm, fd }) => {
      mmapAnon(mm, NPAGES, RW);
      const w = await fd.write(
        BASE,
        seq(NPAGES, (i) => i),
      );
      assertEq([w.ret, w.cpages, w.faults], [0, NPAGES, 1], 'write');
      await expectCpuReads(mm, (i) => i, 'what the device wrote');
    },
  ),
  selftest(
    'hmm-anon-write-prot',
    'TEST_F(hmm, anon_write_prot): writing read-only memory fails until mprotect.',
    async ({ mm, fd }) => {
      mmapAnon(mm, NPAGES, RO);
      const r = await fd.read(BASE, 1);
      assertEq([r.ret, r.cpages, r.faults], [0, 1, 1], 'read of one zero page');
      assertEq(
        (
          await fd.write(
            BASE,
            seq(NPAGES, (i) => i),
          )
        ).ret,
        EPERM,
        'write of PROT_READ',
      );
      await expectCpuReads(mm, () => 0, 'nothing written');
      assertEq(await mprotect(mm, BASE, NPAGES * PAGE_SIZE, RW), 0, 'mprotect(RW)');
      const w = await fd.write(
        BASE,
        seq(NPAGES, (i) => i),
      );
      assertEq([w.ret, w.cpages, w.faults], [0, NPAGES, 1], 'write');
      await expectCpuReads(mm, (i) => i, 'what the device wrote');
    },
  ),
  selftest(
    'hmm-file-read',
    'TEST_F(hmm, file_read): the device reads a shared file mapping.',
    async ({ mm, fd }) => {
      const file = new PageCache(mm.alloc, 'hmm-file');
      for (let i = 0; i < NPAGES; i++) file.pwrite(i * PAGE_SIZE, i);
      mm.mmap(BASE, NPAGES * PAGE_SIZE, { prot: RO, shared: true, file });
      const r = await fd.read(BASE, NPAGES);
      assertEq([r.ret, r.cpages, r.faults], [0, NPAGES, 1], 'read');
      assertEq(
        r.data,
        seq(NPAGES, (i) => i),
        'what the device read',
      );
    },
  ),
  selftest(
    'hmm-file-write',
    'TEST_F(hmm, file_write): the device writes a shared file mapping.',
    async ({ mm, fd }) => {
      const file = new PageCache(mm.alloc, 'hmm-file');
      mm.mmap(BASE, NPAGES * PAGE_SIZE, { prot: RW, shared: true, file });
      const w = await fd.write(
        BASE,
        seq(NPAGES, (i) => i),
      );
      assertEq([w.ret, w.cpages, w.faults], [0, NPAGES, 1], 'write');
      await expectCpuReads(mm, (i) => i, 'what the device wrote');
      assertEq(
        seq(NPAGES, (i) => file.pread(i * PAGE_SIZE)),
        seq(NPAGES, (i) => i),
        'pread of the file',
      );
    },
  ),
  selftest(
    'hmm-anon-read-multiple',
    'TEST_F(hmm, anon_read_multiple): read, NTIMES.',
    async ({ mm, fd }) => {
      for (let c = 0; c < NTIMES; c++) {
        mmapAnon(mm, NPAGES, RW);
        await cpuInit(mm, NPAGES, (i) => i + c);
        const r = await fd.read(BASE, NPAGES);
        assertEq([r.ret, r.cpages, r.faults], [0, NPAGES, 1], `read ${c}`);
        assertEq(
          r.data,
          seq(NPAGES, (i) => i + c),
          `what the device read ${c}`,
        );
        await munmap(mm, BASE, NPAGES * PAGE_SIZE);
      }
    },
  ),
  defineScenario({
    name: 'hmm-anon-teardown',
    description:
      'hmm-tests.c TEST_F(hmm, anon_teardown): a thread unmaps half the buffer while the device reads it; the read ' +
      'succeeds with the right data or fails cleanly, and no mirror keeps a freed page.',
    setup(world) {
      const { mm, watch } = stage(world);
      const fd = watch(new Dmirror(mm, new DmirrorDevice(), 'dmirror0'));
      fd.open();
      const n = 2;
      mmapAnon(mm, n, RW);
      for (let i = 0; i < n; i++) mm.populate(addr(i), i);
      world.spawn('unmap-buffer', () => munmap(mm, addr(n / 2), (n / 2) * PAGE_SIZE));
      world.spawn('device-read', async () => {
        const r = await fd.read(BASE, n);
        if (r.ret === 0)
          assertEq([r.cpages, r.data], [n, seq(n, (i) => i)], 'what the device read');
        else assertEq(r.ret, EFAULT, 'a failed read fails with -EFAULT');
      });
    },
  }),
];
