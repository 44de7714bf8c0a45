/**
 * `hmm_range_fault()`: snapshot (and optionally fault in) the primary's translations of a
 * range for a device. Follows `mm/hmm.c` (`hmm_range_fault`, `hmm_vma_walk_test`,
 * `hmm_vma_handle_pte`, `hmm_vma_fault`) and `Documentation/mm/hmm.rst`.
 *
 * Protocol (the caller's loop, as in the documentation and `lib/test_hmm.c`):
 *
 *     again: seq = readBegin(notifier)
 *            mmap_read_lock; ret = hmmRangeFault(range); mmap_read_unlock
 *            ret == EBUSY -> goto again
 *            lock(driver lock); readRetry(seq) -> unlock, goto again
 *            program the device from range's pfns; unlock
 *
 * Inside, every walk first checks `checkRetry(seq)` (an invalidation ran: `-EBUSY`); a page
 * that needs a fault is faulted with `handle_mm_fault` and the walk restarts, as the
 * kernel's `hmm_vma_fault` returns `-EBUSY` to its walker. The caller holds `mmap_lock`.
 */

import type { MmuIntervalNotifier } from '../core/ops.ts';
import { StateError } from '../errors.ts';
import { EBUSY, EFAULT, EPERM } from './errno.ts';
import type { Mm } from './mm.ts';
import { PAGE_SIZE } from './page-alloc.ts';

/** Walk restarts one call may make (each restart follows one faulted page). */
export const HMM_WALK_RESTARTS_MAX = 64;

/** One output entry (`hmm_pfns[i]`): `valid` is `HMM_PFN_VALID`. */
export interface HmmPfn {
  /** `HMM_PFN_VALID`. */
  readonly valid: boolean;
  /** The page frame (0 when not valid). */
  readonly pfn: number;
  /** `HMM_PFN_WRITE`. */
  readonly writable: boolean;
  /** The owner of a device-private page (`HMM_PFN` of a `dev_private_owner` page). */
  readonly device?: unknown;
  /** `HMM_PFN_ERROR`: no VMA, or a VMA the device may not read (snapshot only). */
  readonly error?: boolean;
}

/** `struct hmm_range`. */
export interface HmmRange {
  /** The interval notifier the range belongs to. */
  readonly notifier: MmuIntervalNotifier<unknown>;
  /** The seq `readBegin` returned (`range->notifier_seq`). */
  readonly notifierSeq: number;
  /** First address (page aligned). */
  readonly start: number;
  /** One past the last address. */
  readonly end: number;
  /** `HMM_PFN_REQ_FAULT`: fault pages in; otherwise only snapshot. */
  readonly fault: boolean;
  /** `HMM_PFN_REQ_WRITE`: fault for writing. */
  readonly write: boolean;
  /** `dev_private_owner`: device-private pages of this owner are returned, not faulted. */
  readonly devPrivateOwner?: unknown;
}

type PageOutcome = HmmPfn | { readonly fault: true } | number;

function walkPage(mm: Mm, range: HmmRange, addr: number): PageOutcome {
  const vma = mm.vmas.lookup(addr);
  if (vma === undefined || !vma.prot.read) {
    return range.fault ? EFAULT : { valid: false, pfn: 0, writable: false, error: true };
  }
  const pte = mm.pte(addr);
  if (pte?.device !== undefined) {
    if (pte.device === range.devPrivateOwner)
      return { valid: true, pfn: pte.pfn, writable: pte.writable, device: pte.device };
    return range.fault ? { fault: true } : { valid: false, pfn: 0, writable: false };
  }
  const needWrite = range.write && (pte === undefined || !pte.writable);
  if (range.fault && needWrite && !vma.prot.write) return EPERM;
  if (range.fault && (pte === undefined || needWrite)) return { fault: true };
  if (pte === undefined) return { valid: false, pfn: 0, writable: false };
  return { valid: true, pfn: pte.pfn, writable: pte.writable };
}

/**
 * `hmm_range_fault()`: the pfns of `[start, end)`, or `EBUSY` (the interval was invalidated:
 * start again from `readBegin`), `EFAULT`, `EPERM`. The caller holds `mm.mmapLock` for reading.
 */
export async function hmmRangeFault(mm: Mm, range: HmmRange): Promise<HmmPfn[] | number> {
  if (!mm.mmapLock.isHeld) throw new StateError('hmm_range_fault without mmap_lock');
  for (let restart = 0; restart < HMM_WALK_RESTARTS_MAX; restart++) {
    if (range.notifier.checkRetry(range.notifierSeq)) return EBUSY;
    const out: HmmPfn[] = [];
    let faulted = false;
    for (let addr = range.start; addr < range.end; addr += PAGE_SIZE) {
      const r = walkPage(mm, range, addr);
      if (typeof r === 'number') return r;
      if ('fault' in r) {
        const ret = await mm.handleMmFault(addr, range.write); // hmm_vma_fault()
        if (ret < 0) return ret;
        faulted = true;
        break;
      }
      out.push(r);
    }
    if (!faulted) return out;
  }
  throw new StateError(`hmm_range_fault: more than ${HMM_WALK_RESTARTS_MAX} walk restarts`);
}
