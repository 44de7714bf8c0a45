/**
 * Device-private memory of the HMM test driver and migration to and from it. Follows
 * `lib/test_hmm.c` (`dmirror_migrate_to_device`, `dmirror_migrate_alloc_and_copy`,
 * `dmirror_migrate_finalize_and_map`, `dmirror_devmem_fault`,
 * `dmirror_devmem_fault_alloc_and_copy`, `dmirror_device_evict_chunk`) and
 * `mm/migrate_device.c` (`migrate_vma_setup`: a `migrate` invalidation whose owner is the
 * device, which the device's own mirror skips).
 *
 * Order of one migration to the device (the kernel's, so no mirror maps a freed pfn):
 *
 *     start(migrate, owner = device)   other mirrors zap; ours skips (its pt still has the old page)
 *     PTEs -> device-private entries   (migrate_vma_pages)
 *     end
 *     lock mutex; pt -> device pages   (dmirror_migrate_finalize_and_map)
 *     put the old system pages         (migrate_vma_finalize)
 *
 * The window between start and the finalize is the mirror's own business (`isMigrating`).
 */

import { StateError } from '../errors.ts';
import { EINVAL, ENOENT } from './errno.ts';
import type { Dmirror } from './hmm-mirror.ts';
import type { Mm } from './mm.ts';
import { mmgetNotZero, mmput, notifierRange } from './mm-ops.ts';
import type { DevicePagemap } from './mm-types.ts';
import { PAGE_SIZE } from './page-alloc.ts';
import { vmaIsAnonymous } from './vma.ts';

/** `struct dmirror_device`: the device and the owner (`pgmap->owner`) of its private pages. */
export class DmirrorDevice implements DevicePagemap {
  /** The device name (`hmm_dmirror0`). */
  readonly name: string;
  /** Device pfn -> the mirror that migrated it (`rpage->zone_device_data`). */
  readonly #owners = new Map<number, Dmirror>();

  constructor(name = 'hmm_dmirror0') {
    this.name = name;
  }

  /** `pgmap->owner`: the device itself. */
  get owner(): unknown {
    return this;
  }

  /** Records that `dmirror` owns device page `pfn`. */
  adopt(pfn: number, dmirror: Dmirror): void {
    this.#owners.set(pfn, dmirror);
  }

  /** `dmirror_devmem_fault()`: a CPU fault on one of our pages moves it back to system RAM. */
  async migrateToRam(mm: Mm, addr: number): Promise<number> {
    const page = addr - (addr % PAGE_SIZE);
    const rec = await mm.invalidateStart(
      notifierRange(page, page + PAGE_SIZE, 'migrate', true, this),
      'devmem_fault',
    );
    const moved = mm.ptl.withLock(() => {
      const pte = mm.pte(page);
      if (pte?.device !== this) return undefined; // someone else moved it meanwhile
      const pfn = mm.alloc.alloc(mm.alloc.read(pte.pfn));
      mm.setPte(page, { pfn, writable: pte.writable, young: true, dirty: pte.dirty });
      this.#owners.get(pte.pfn)?.erase(page, page + PAGE_SIZE); // xa_erase() in alloc_and_copy
      return { from: pte.pfn, to: pfn };
    });
    await mm.invalidateEnd(rec);
    if (moved === undefined) return 0;
    mm.alloc.put(moved.from); // dmirror_devmem_free()
    this.#owners.delete(moved.from);
    return moved.to;
  }

  /** `dmirror_device_evict_chunk()` (`HMM_DMIRROR_RELEASE`): every page of ours back to RAM. */
  async evict(mm: Mm): Promise<number> {
    await mm.mmapLock.readLock();
    try {
      let n = 0;
      for (const [addr, pte] of mm.ptesIn(0, Number.MAX_SAFE_INTEGER)) {
        if (pte.device === this && (await this.migrateToRam(mm, addr)) > 0) n++;
      }
      return n;
    } finally {
      mm.mmapLock.readUnlock();
    }
  }
}

interface Moved {
  readonly addr: number;
  readonly from: number | undefined;
  readonly to: number;
  readonly write: boolean;
}

/** Moves the migratable pages of `[start, end)` (one VMA) to the device; returns what moved. */
async function migrateChunk(dmirror: Dmirror, start: number, end: number): Promise<Moved[]> {
  const { mm, device } = dmirror;
  const vma = mm.vmas.lookup(start);
  if (vma === undefined) throw new StateError('migrate chunk outside a VMA');
  const rec = await mm.invalidateStart(
    notifierRange(start, end, 'migrate', true, device),
    'migrate_vma',
  );
  dmirror.setMigrating([start, end]);
  const moved = mm.ptl.withLock(() => {
    const out: Moved[] = [];
    if (!vmaIsAnonymous(vma) || vma.shared) return out; // migrate_vma_collect() skips them
    for (let addr = start; addr < end; addr += PAGE_SIZE) {
      const pte = mm.pte(addr);
      if (pte?.device !== undefined) continue; // already device memory: not selected
      const to = mm.alloc.alloc(
        pte === undefined ? 0 : mm.alloc.read(pte.pfn),
        'device-private',
        device,
      );
      device.adopt(to, dmirror);
      mm.setPte(addr, { pfn: to, writable: vma.prot.write, young: true, dirty: true, device });
      out.push({ addr, from: pte?.pfn, to, write: vma.prot.write });
    }
    return out;
  });
  await mm.invalidateEnd(rec);
  await dmirror.mutex.lock(); // dmirror_migrate_finalize_and_map()
  for (const m of moved) dmirror.store(m.addr, { pfn: m.to, write: m.write });
  dmirror.mutex.unlock();
  dmirror.setMigrating(undefined);
  for (const m of moved) if (m.from !== undefined) mm.alloc.put(m.from); // migrate_vma_finalize()
  return moved;
}

/** What `HMM_DMIRROR_MIGRATE_TO_DEV` returns. */
export interface MigrateResult {
  /** 0, or -errno (`ENOENT` when a page was not migrated). */
  readonly ret: number;
  /** Pages the device now holds. */
  readonly cpages: number;
  /** The data the device now holds, one number per page (the command's bounce buffer). */
  readonly data: readonly number[];
}

/** `dmirror_migrate_to_device()`: migrate `npages` from `addr` to device memory. */
export async function dmirrorMigrateToDevice(
  dmirror: Dmirror,
  addr: number,
  npages: number,
): Promise<MigrateResult> {
  const { mm } = dmirror;
  const end = addr + npages * PAGE_SIZE;
  if (!mmgetNotZero(mm)) return { ret: EINVAL, cpages: 0, data: [] };
  let ret = 0;
  await mm.mmapLock.readLock();
  try {
    for (let a = addr; a < end && ret === 0; ) {
      const vma = mm.vmas.lookup(a);
      if (vma === undefined || !vma.prot.read) ret = EINVAL;
      else {
        const next = Math.min(end, vma.end);
        await migrateChunk(dmirror, a, next);
        a = next;
      }
    }
  } finally {
    mm.mmapLock.readUnlock();
  }
  await mmput(mm);
  if (ret !== 0) return { ret, cpages: 0, data: [] };
  // Return the migrated data for verification (dmirror_do_read under the mutex).
  await dmirror.mutex.lock();
  const data: number[] = [];
  for (let a = addr; a < end; a += PAGE_SIZE) {
    const e = dmirror.entry(a);
    if (e === undefined) break;
    data.push(mm.alloc.read(e.pfn));
  }
  dmirror.mutex.unlock();
  return { ret: data.length === npages ? 0 : ENOENT, cpages: data.length, data };
}
