/**
 * The primary MMU's operations that take pages away from mirrors, each usable as a task.
 * Follows `mm/mmap.c` / `mm/vma.c` (`do_vmi_munmap`, `unmap_region`, `exit_mmap`),
 * `mm/mprotect.c` (`change_protection`: `MMU_NOTIFY_PROTECTION_VMA`), `mm/madvise.c`
 * (`madvise_dontneed_single_vma`: `zap_page_range_single`, `MMU_NOTIFY_CLEAR`),
 * `mm/migrate.c` (`try_to_migrate_one`, `MMU_NOTIFY_MIGRATE` with an owner) and
 * `kernel/fork.c` (`mmput`).
 *
 * Each follows one shape (the rule of `mm.ts`):
 *
 *     lock; rec = invalidateStart(range); under ptl: change PTEs; invalidateEnd(rec); unlock;
 *     then drop the references of the pages unmapped (tlb_finish_mmu)
 *
 * so a page leaves every mirror (start returned) before the primary stops mapping it, and is
 * freed only after the whole invalidation.
 */

import { mightInvalidate } from '../core/lockdep-maps.ts';
import type { MmuNotifierRange, MmuNotifyEvent } from '../core/range.ts';
import { StateError } from '../errors.ts';
import { mightSleep, mightSleepCheck } from '../sched/scheduler.ts';
import { EFAULT, EINVAL } from './errno.ts';
import { type Mm, TASK_SIZE } from './mm.ts';
import { PAGE_SIZE } from './page-alloc.ts';
import { checkRange, type Prot } from './vma.ts';

/** `mmu_notifier_range_init()` (and `_owner`): a range of the given event. */
export function notifierRange(
  start: number,
  end: number,
  event: MmuNotifyEvent,
  blockable = true,
  owner?: unknown,
): MmuNotifierRange {
  return owner === undefined
    ? { start, end, event, blockable }
    : { start, end, event, blockable, owner };
}

/**
 * Unmaps `[start, end)` under an invalidation, then frees the pages (`unmap_region`). The
 * zap may reschedule (`cond_resched()` in `zap_pmd_range`): a scheduling point between start
 * and end. After `mmu_notifier_release()` (exit) nobody is subscribed any more and no
 * invalidation reaches the core (`Mm.invalidateStart` knows).
 */
async function zapRange(
  mm: Mm,
  start: number,
  end: number,
  event: MmuNotifyEvent,
  by: string,
): Promise<number> {
  const rec = await mm.invalidateStart(notifierRange(start, end, event), by);
  await mightSleep(mm.sched); // cond_resched() in zap_pmd_range()
  const pfns = mm.ptl.withLock(() => mm.zapPtes(start, end));
  await mm.invalidateEnd(rec);
  for (const pfn of pfns) mm.alloc.put(pfn); // tlb_finish_mmu(): after the end
  return pfns.length;
}

/** `munmap(2)`: removes `[start, start + length)`. Returns 0 or -errno. */
export async function munmap(mm: Mm, start: number, length: number): Promise<number> {
  const end = checkRange(start, length);
  await mm.mmapLock.writeLock();
  try {
    await zapRange(mm, start, end, 'unmap', 'munmap');
    mm.vmas.remove(start, end);
    return 0;
  } finally {
    mm.mmapLock.writeUnlock();
  }
}

/** `madvise(MADV_DONTNEED)`: drops the pages of `[start, start + length)`, keeps the VMAs. */
export async function madviseDontneed(mm: Mm, start: number, length: number): Promise<number> {
  const end = checkRange(start, length);
  await mm.mmapLock.readLock();
  try {
    return (await zapRange(mm, start, end, 'clear', 'madvise')) >= 0 ? 0 : EINVAL;
  } finally {
    mm.mmapLock.readUnlock();
  }
}

/** `mprotect(2)`: sets the protection of `[start, start + length)`; write-protects its PTEs. */
export async function mprotect(mm: Mm, start: number, length: number, prot: Prot): Promise<number> {
  const end = checkRange(start, length);
  await mm.mmapLock.writeLock();
  try {
    for (let a = start; a < end; a += PAGE_SIZE) if (mm.vmas.lookup(a) === undefined) return -12; // -ENOMEM
    const rec = await mm.invalidateStart(notifierRange(start, end, 'protection-vma'), 'mprotect');
    // change_pte_range(): PROT_NONE and read-only both leave the page mapped, not writable.
    mm.ptl.withLock(() => {
      for (const [addr, pte] of mm.ptesIn(start, end)) {
        if (!prot.write && pte.writable) mm.setPte(addr, { ...pte, writable: false });
      }
    });
    mm.vmas.protect(start, end, prot);
    await mm.invalidateEnd(rec);
    return 0;
  } finally {
    mm.mmapLock.writeUnlock();
  }
}

/**
 * Migrates the system page at `addr` to a new page (`migrate_pages()`, as compaction or NUMA
 * balancing do): the `migrate` event carries `owner` when a device driver asked for it.
 * Returns the new pfn, or -errno.
 */
export async function migratePage(mm: Mm, addr: number, owner?: unknown): Promise<number> {
  const page = addr - (addr % PAGE_SIZE);
  await mm.mmapLock.readLock();
  try {
    const old = mm.pte(page);
    if (old === undefined || old.device !== undefined) return EFAULT;
    mm.alloc.get(old.pfn); // isolate the page: migration holds its own reference
    const rec = await mm.invalidateStart(
      notifierRange(page, page + PAGE_SIZE, 'migrate', true, owner),
      'migrate',
    );
    const fresh = mm.alloc.alloc(mm.alloc.read(old.pfn)); // copy the contents
    const moved = mm.ptl.withLock(() => {
      const cur = mm.pte(page);
      if (cur === undefined || cur.pfn !== old.pfn) return false; // raced with an unmap
      mm.setPte(page, { ...cur, pfn: fresh });
      return true;
    });
    await mm.invalidateEnd(rec);
    if (moved)
      mm.alloc.put(old.pfn); // the old mapping's reference
    else mm.alloc.put(fresh); // the unused copy
    mm.alloc.put(old.pfn); // putback / free of the isolated page
    return moved ? fresh : EFAULT;
  } finally {
    mm.mmapLock.readUnlock();
  }
}

/**
 * `exit_mmap()`: `mmu_notifier_release()` first (the itree's `release` invalidate and every
 * list notifier's `release`), then unmap everything under `mmap_lock` for reading, then set
 * `MMF_OOM_SKIP` and remove the VMAs under `mmap_lock` for writing.
 */
export async function exitMmap(mm: Mm): Promise<void> {
  await mm.release();
  await mm.mmapLock.readLock();
  try {
    await zapRange(mm, 0, TASK_SIZE, 'unmap', 'exit_mmap');
  } finally {
    mm.mmapLock.readUnlock();
  }
  await mm.mmapLock.writeLock();
  mm.oomSkip.set(true);
  mm.vmas.remove(0, TASK_SIZE);
  mm.mmapLock.writeUnlock();
}

/** `mmget_not_zero()`: takes a user reference unless the mm is already exiting. */
export function mmgetNotZero(mm: Mm): boolean {
  const users = mm.users.get();
  if (users === 0) return false;
  mm.users.set(users + 1);
  return true;
}

/**
 * `mmput()`: drops a user reference; the last one runs {@link exitMmap} in the caller. It
 * `might_sleep()`s, and (our lockdep annotation, {@link mightInvalidate}) tells the lock
 * validator that it may start an invalidation, whether or not this put is the last.
 */
export async function mmput(mm: Mm): Promise<void> {
  mightSleepCheck(mm.sched, `mmput of ${mm.name}`);
  mightInvalidate(mm.sched);
  const users = mm.users.get();
  if (users <= 0) throw new StateError(`mmput of ${mm.name} with mm_users=${users}`);
  mm.users.set(users - 1);
  if (users === 1) await exitMmap(mm);
}

/**
 * The process itself reads a page (a user load): `mmap_lock` for reading, `handle_mm_fault`
 * if needed, then the data. Returns the value, or -errno where the CPU would get SIGSEGV.
 */
export async function cpuRead(mm: Mm, addr: number): Promise<number> {
  await mm.mmapLock.readLock();
  try {
    const pfn = await mm.handleMmFault(addr, false);
    return pfn < 0 ? pfn : mm.alloc.read(pfn);
  } finally {
    mm.mmapLock.readUnlock();
  }
}

/** The process itself writes `data` to a page (a user store). Returns 0 or -errno (SIGSEGV). */
export async function cpuWrite(mm: Mm, addr: number, data: number): Promise<number> {
  await mm.mmapLock.readLock();
  try {
    const pfn = await mm.handleMmFault(addr, true);
    if (pfn < 0) return pfn;
    mm.alloc.write(pfn, data);
    return 0;
  } finally {
    mm.mmapLock.readUnlock();
  }
}
