/**
 * The OOM reaper. Follows `mm/oom_kill.c`: `__oom_reap_task_mm`, `oom_reap_task_mm`,
 * `oom_reap_task` and `MAX_OOM_REAP_RETRIES`.
 *
 * Protocol
 * --------
 * 1. `oom_reap_task`: up to {@link MAX_OOM_REAP_RETRIES} attempts, `schedule_timeout_idle(HZ/10)`
 *    between two (a scheduling point here), then **always** set `MMF_OOM_SKIP`.
 * 2. `oom_reap_task_mm`: `mmap_read_trylock` (failure: the attempt failed); skip an mm that
 *    already has `MMF_OOM_SKIP` (exit got there first); else reap.
 * 3. `__oom_reap_task_mm`: set `MMF_UNSTABLE`; per VMA that is anonymous or private, a
 *    **non-blockable** `unmap` range: on `EAGAIN` skip the VMA, call no end, and the pass
 *    fails; else unmap, end, free the pages (`tlb_finish_mmu`).
 *
 * The kernel's invariant 8 of the digest: never an end after a failed non-blocking start.
 * `endAfterFailedStart` breaks it on purpose, for the `93065ac753e4-buggy` scenario.
 */

import { EAGAIN } from '../core/range.ts';
import { InvalidArgumentError } from '../errors.ts';
import { mightSleep } from '../sched/scheduler.ts';
import type { Mm } from './mm.ts';
import { notifierRange } from './mm-ops.ts';
import { vmaIsAnonymous } from './vma.ts';

/** The kernel's `MAX_OOM_REAP_RETRIES`: attempts before the reaper gives up (`oom_reap_task`). */
export const MAX_OOM_REAP_RETRIES = 10;

/** Options of {@link oomReapTask}. */
export interface OomReaperOptions {
  /** Attempts, at most {@link MAX_OOM_REAP_RETRIES} (scenarios use fewer to stay small). */
  readonly retries?: number;
  /** A bug on purpose: call end even when the non-blocking start failed (before 93065ac753e4). */
  readonly endAfterFailedStart?: boolean;
}

/** What one `oom_reap_task` did. */
export interface OomReapResult {
  /** Attempts made (1..retries). */
  readonly attempts: number;
  /** True when an attempt reaped every VMA. */
  readonly reaped: boolean;
}

/** `__oom_reap_task_mm()`: one pass over the VMAs; false when some VMA was skipped. */
export async function oomReapTaskMmPass(mm: Mm, options: OomReaperOptions = {}): Promise<boolean> {
  let ret = true;
  mm.unstable.set(true);
  for (const vma of [...mm.vmas.all]) {
    if (!(vmaIsAnonymous(vma) || !vma.shared)) continue;
    const range = notifierRange(vma.start, vma.end, 'unmap', false);
    const rec = await mm.invalidateStartNonblock(range, 'oom_reaper');
    if (rec === EAGAIN) {
      ret = false;
      if (options.endAfterFailedStart === true) {
        const pending = mm.as.invalidateRangeEnd(range); // the bug: an end for a failed start
        if (pending !== undefined) await pending;
      }
      continue;
    }
    const pfns = mm.ptl.withLock(() => mm.zapPtes(vma.start, vma.end)); // unmap_page_range()
    await mm.invalidateEnd(rec);
    for (const pfn of pfns) mm.alloc.put(pfn); // tlb_finish_mmu()
  }
  return ret;
}

/** `oom_reap_task_mm()`: one attempt; false when the caller should retry later. */
export async function oomReapTaskMm(mm: Mm, options: OomReaperOptions = {}): Promise<boolean> {
  if (!mm.mmapLock.tryReadLock()) return false;
  try {
    if (mm.oomSkip.get()) return true; // exit_mmap() got there first
    return await oomReapTaskMmPass(mm, options);
  } finally {
    mm.mmapLock.readUnlock();
  }
}

/** `oom_reap_task()`: bounded attempts, then `MMF_OOM_SKIP` whatever happened. */
export async function oomReapTask(mm: Mm, options: OomReaperOptions = {}): Promise<OomReapResult> {
  const retries = options.retries ?? MAX_OOM_REAP_RETRIES;
  if (!Number.isInteger(retries) || retries < 1 || retries > MAX_OOM_REAP_RETRIES) {
    throw new InvalidArgumentError(
      `oom reaper retries must be 1..${MAX_OOM_REAP_RETRIES}, got ${retries}`,
    );
  }
  let attempts = 0;
  let reaped = false;
  while (attempts++ < retries) {
    reaped = await oomReapTaskMm(mm, options);
    if (reaped) break;
    mm.sched.annotate({
      kind: 'oom_reaper.retry',
      name: mm.name,
      detail: `attempt ${attempts} failed`,
    });
    // schedule_timeout_idle(HZ/10). The loop is bounded (`retries`), so it needs no fairness:
    // a progress point, around which every interleaving is explored.
    if (attempts < retries) await mightSleep(mm.sched);
  }
  mm.oomSkip.set(true);
  return { attempts: Math.min(attempts, retries), reaped };
}
