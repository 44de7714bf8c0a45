/**
 * The primary MMU's fault paths. Follows `mm/memory.c` (`handle_mm_fault`,
 * `do_anonymous_page`, `do_shared_fault`, `do_cow_fault`, `do_wp_page` -> `wp_page_reuse`,
 * `do_swap_page` of a device-private entry -> `pgmap->ops->migrate_to_ram`) and `mm/gup.c`
 * (`get_user_pages` of one page).
 *
 * None of them needs an invalidation: a fault installs a PTE where there was none, or makes a
 * present PTE writable or young in place; no mirror can hold a stale copy of either. (The
 * model has no shared zero page: a read fault on anonymous memory allocates a zeroed page,
 * so a later write reuses it in place instead of copying.)
 */

import { mightAlloc } from '../core/lockdep-maps.ts';
import { StateError } from '../errors.ts';
import { mightSleep } from '../sched/scheduler.ts';
import { EFAULT } from './errno.ts';
import type { Mm } from './mm.ts';
import { PAGE_SIZE } from './page-alloc.ts';
import { type Vma, vmaIsAnonymous } from './vma.ts';

/** Resolves a page of `vma` in place (the page-table part of a fault). The caller holds `mm.ptl`. */
export function faultIn(mm: Mm, vma: Vma, page: number, write: boolean): number {
  const pte = mm.pte(page);
  if (pte !== undefined && pte.device === undefined) {
    // do_wp_page() -> wp_page_reuse(): an exclusive page becomes writable in place.
    const writable = pte.writable || write;
    mm.setPte(page, { ...pte, writable, dirty: pte.dirty || write, young: true });
    return pte.pfn;
  }
  let pfn: number;
  if (vma.file !== undefined && vma.shared) {
    pfn = vma.file.pageAt(vma.fileOffset + (page - vma.start)); // do_shared_fault()
    mm.alloc.get(pfn);
  } else if (vma.file !== undefined) {
    pfn = mm.alloc.alloc(vma.file.pread(vma.fileOffset + (page - vma.start))); // do_cow_fault()
  } else {
    pfn = mm.alloc.alloc(0); // do_anonymous_page(), without the shared zero page
  }
  const writable = vma.prot.write && (write || vma.shared || vmaIsAnonymous(vma));
  mm.setPte(page, { pfn, writable, young: true, dirty: write });
  return pfn;
}

/**
 * `handle_mm_fault()`: resolves `addr` for a read or a write and returns its pfn, or -errno.
 * The caller holds `mm.mmapLock` (read or write). A device-private entry calls its owner's
 * `migrate_to_ram` (which takes its own locks), as `do_swap_page` does.
 */
export async function handleMmFault(mm: Mm, addr: number, write: boolean): Promise<number> {
  if (!mm.mmapLock.isHeld) {
    throw new StateError('handle_mm_fault without mmap_lock');
  }
  const vma = mm.vmas.lookup(addr);
  if (vma === undefined || (write ? !vma.prot.write : !vma.prot.read)) return EFAULT;
  const page = addr - (addr % PAGE_SIZE);
  const device = mm.pte(page)?.device;
  if (device !== undefined) {
    const pagemap = mm.pagemapOf(device);
    if (pagemap === undefined) throw new StateError('device-private entry of an unknown owner');
    const ret = await pagemap.migrateToRam(mm, page);
    if (ret < 0) return ret;
  }
  // do_anonymous_page() / do_cow_fault() allocate (GFP_HIGHUSER_MOVABLE: may enter reclaim)
  // before they take the page-table lock: tell the lock validator, as might_alloc() does.
  const present = mm.pte(page) !== undefined;
  if (!present && !(vma.file !== undefined && vma.shared)) mightAlloc(mm.sched);
  return mm.ptl.withLock(() => faultIn(mm, vma, page, write));
}

/**
 * `get_user_pages()` of one page: takes `mmapLock` for reading, faults, and returns the pfn
 * with a reference the caller must drop with `alloc.put` (or -errno). The caller may be
 * preempted between the return and its next lock: a scheduling point after the unlock.
 */
export async function getUserPage(mm: Mm, addr: number, write: boolean): Promise<number> {
  let pfn: number;
  await mm.mmapLock.readLock();
  try {
    pfn = await handleMmFault(mm, addr, write);
    if (pfn > 0) mm.alloc.get(pfn);
  } finally {
    mm.mmapLock.readUnlock();
  }
  await mightSleep(mm.sched);
  return pfn;
}
