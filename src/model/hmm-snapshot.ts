/**
 * `HMM_DMIRROR_SNAPSHOT` of the HMM test driver: what the CPU page table holds, without
 * faulting. Follows `lib/test_hmm.c` (`dmirror_snapshot`, `dmirror_range_snapshot`,
 * `dmirror_mkentry`, `dmirror_snapshot_invalidate`) and `test_hmm_uapi.h` (the
 * `HMM_DMIRROR_PROT_*` values). Each chunk inserts a temporary interval notifier around its
 * `hmm_range_fault` loop and removes it after (as nouveau does around each GPU fault), so it
 * also exercises interval insert and remove while invalidations run.
 */

import type { MmuIntervalNotifierOps } from '../core/ops.ts';
import { EBUSY } from './errno.ts';
import { type HmmPfn, hmmRangeFault } from './hmm.ts';
import type { Dmirror } from './hmm-mirror.ts';
import { PAGE_SIZE } from './page-alloc.ts';

/** `HMM_DMIRROR_PROT_*` of `lib/test_hmm_uapi.h`. */
export const HMM_DMIRROR_PROT = {
  ERROR: 0xff,
  NONE: 0x00,
  READ: 0x01,
  WRITE: 0x02,
  PMD: 0x04,
  PUD: 0x08,
  ZERO: 0x10,
  DEV_PRIVATE_LOCAL: 0x20,
  DEV_PRIVATE_REMOTE: 0x30,
} as const;

/** Pages per snapshot chunk (`dmirror_snapshot`'s `pfns[64]`). */
export const SNAPSHOT_CHUNK_PAGES = 64;
/** Attempts of one chunk before `-EBUSY`. */
export const SNAPSHOT_TRIES_MAX = 16;

/** `dmirror_snapshot_invalidate()`: lock (or trylock), `setSeq`, unlock. */
const dmirrorMrnOps: MmuIntervalNotifierOps<Dmirror> = {
  invalidate(sub, range, curSeq) {
    const dmirror = sub.data;
    if (range.blockable) {
      return dmirror.mutex.lock().then(() => {
        sub.setSeq(curSeq);
        dmirror.mutex.unlock();
        return true;
      });
    }
    if (!dmirror.mutex.tryLock()) return false;
    sub.setSeq(curSeq);
    dmirror.mutex.unlock();
    return true;
  },
};

/** `dmirror_mkentry()`. */
function mkentry(dmirror: Dmirror, p: HmmPfn): number {
  if (p.error === true) return HMM_DMIRROR_PROT.ERROR;
  if (!p.valid) return HMM_DMIRROR_PROT.NONE;
  let perm: number = HMM_DMIRROR_PROT.NONE;
  if (p.device !== undefined) {
    perm =
      p.device === dmirror.device
        ? HMM_DMIRROR_PROT.DEV_PRIVATE_LOCAL
        : HMM_DMIRROR_PROT.DEV_PRIVATE_REMOTE;
  }
  return perm | (p.writable ? HMM_DMIRROR_PROT.WRITE : HMM_DMIRROR_PROT.READ);
}

async function rangeSnapshot(
  dmirror: Dmirror,
  start: number,
  end: number,
): Promise<number[] | number> {
  const { mm } = dmirror;
  const notifier = await mm.as.insertInterval<Dmirror>(start, end - start, dmirrorMrnOps, {
    name: `${dmirror.name}.snapshot`,
    data: dmirror,
  });
  try {
    for (let attempt = 0; attempt < SNAPSHOT_TRIES_MAX; attempt++) {
      const seq = await notifier.readBegin();
      await mm.mmapLock.readLock();
      let pfns: HmmPfn[] | number;
      try {
        pfns = await hmmRangeFault(mm, {
          notifier,
          notifierSeq: seq,
          start,
          end,
          fault: false,
          write: false,
          devPrivateOwner: dmirror.device,
        });
      } finally {
        mm.mmapLock.readUnlock();
      }
      if (pfns === EBUSY) continue;
      if (typeof pfns === 'number') return pfns;
      await dmirror.mutex.lock();
      if (notifier.readRetry(seq)) {
        dmirror.mutex.unlock();
        continue;
      }
      const perms = pfns.map((p) => mkentry(dmirror, p));
      dmirror.mutex.unlock();
      return perms;
    }
    return EBUSY;
  } finally {
    await notifier.remove();
  }
}

/** `dmirror_snapshot()`: the `HMM_DMIRROR_PROT_*` of `npages` pages from `addr`. */
export async function dmirrorSnapshot(
  dmirror: Dmirror,
  addr: number,
  npages: number,
): Promise<{ ret: number; perms: number[] }> {
  const end = addr + npages * PAGE_SIZE;
  const perms: number[] = [];
  for (let a = addr; a < end; a += SNAPSHOT_CHUNK_PAGES * PAGE_SIZE) {
    const r = await rangeSnapshot(dmirror, a, Math.min(end, a + SNAPSHOT_CHUNK_PAGES * PAGE_SIZE));
    if (typeof r === 'number') return { ret: r, perms };
    perms.push(...r);
  }
  return { ret: 0, perms };
}
