/**
 * The itree-unwind pair on the real kernel code: the same race as `itree-nonblock-unwind`
 * (see `history-itree-nonblock.ts`), with no TypeScript semantics in the path -- the core is
 * Debian's compiled `mm/mmu_notifier.c` (`world.realCore`, the fiber build of `npm run
 * kernel`), its spin lock, wait queue and SRCU the checker's scheduling points.
 *
 * An interval notifier (an HMM-mirror-like device: a mutex, `trylock` when it may not sleep)
 * and a nouveau-like list notifier (`-EAGAIN` for every non-blockable start) share an mm.
 * The OOM reaper starts a non-blockable invalidation, which fails in the list part; a device
 * fault runs the `read_begin` / lock / `read_retry` loop. On 6.1.192
 * `__mmu_notifier_invalidate_range_start` returns the error without `mn_itree_inv_end()`:
 * `active_invalidate_ranges` stays 1 and the seq odd, so the fault's
 * `mmu_interval_read_begin` waits in the kernel's own `wait_event` forever (a deadlock
 * naming it). 6.12.118 ends the interval part there: every schedule completes.
 *
 * Not in the library list (they need the built modules): `realCoreScenarios`, with
 * `real-core-races.ts`.
 */

import { EAGAIN } from '../core/range.ts';
import type { ScenarioEntry } from './entry.ts';
import { BASE } from './fixture.ts';
import { historyPair } from './pair.ts';
import { realCoreRaceScenarios } from './real-core-races.ts';

const PAGE = 4096;

/** The pair: buggy on the real 6.1, fixed on the real 6.12. */
export const realItreeUnwind: readonly ScenarioEntry[] = historyPair({
  name: 'real-itree-unwind',
  description:
    'On the real compiled mm/mmu_notifier.c: an interval notifier and a list notifier that fails non-blockable ' +
    'starts share an mm; the OOM reaper runs and a device faults. Real 6.1.192 leaves the interval part open ' +
    'and the fault waits in read_begin forever; real 6.12.118 ends it.',
  async setup(world, buggy) {
    const mm = world.realCore(buggy ? '6.1' : '6.12');
    const mirrorLock = world.mutex('dmirror.mutex');
    await mm.register(
      { invalidateRangeStart: (_s, range) => (range.blockable ? 0 : EAGAIN) },
      { name: 'nouveau-svmm' },
    );
    const mirror = await mm.insertInterval(
      BASE,
      PAGE,
      {
        // dmirror_interval_invalidate: the mutex, or trylock when it may not sleep.
        invalidate(sub, range, seq) {
          if (!range.blockable) {
            if (!mirrorLock.tryLock()) return false;
            sub.setSeq(seq);
            mirrorLock.unlock();
            return true;
          }
          return mirrorLock.lock().then(() => {
            sub.setSeq(seq);
            mirrorLock.unlock();
            return true;
          });
        },
      },
      { name: 'dmirror' },
    );
    world.spawn('oom-reaper', async () => {
      const range = { start: BASE, end: BASE + PAGE, event: 'unmap', blockable: false } as const;
      if ((await mm.invalidateRangeStartNonblock(range)) === 0) await mm.invalidateRangeEnd(range);
    });
    world.spawn('device-fault', async () => {
      // One invalidation: at most one retry is owed.
      for (let attempt = 0; attempt < 2; attempt++) {
        const seq = await mirror.readBegin();
        await mirrorLock.lock();
        const retry = mirror.readRetry(seq);
        mirrorLock.unlock();
        if (!retry) return;
      }
    });
  },
  // For the report's header: world.realCore fixes the engine and versions above, whatever the options say.
  buggyDefaults: { semantics: 'linux-6.1', core: 'real' },
  fixedDefaults: { semantics: 'linux-6.12', core: 'real' },
});

/** The scenarios that run on the real kernel code (they need `npm run kernel`'s fiber build). */
export const realCoreScenarios: readonly ScenarioEntry[] = [
  ...realItreeUnwind,
  ...realCoreRaceScenarios,
];
