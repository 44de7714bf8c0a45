/**
 * Races inside the notifier core, on the real compiled `mm/mmu_notifier.c` (issue 13's
 * scenario class only the real code allows): two invalidators (a blockable munmap and the
 * OOM reaper's non-blockable start), an interval inserted and removed while they run (the
 * deferred list: where 319561669a59 and d34883d4e35c lived), and a device fault's
 * `read_begin` / `read_retry` loop, all interleaved at the real code's own spin lock, wait
 * queue and SRCU points.
 *
 * Checked at the end of every schedule (`finally`): nothing in flight
 * (`active_invalidate_ranges` 0, the seq even; on the real code also no spin lock held, no
 * SRCU reader, the deferred list drained), and the collision-retry guarantee: when the interval's `invalidate`
 * ran after the fault's `read_begin` returned and before its `read_retry`, the retry said so.
 * Deadlocks and exceptions are the checker's own findings.
 */

import { defineScenario, type Scenario } from '../check/world.ts';
import { FiberKernelCore } from '../kernel/fiber/fiber-core.ts';
import type { ScenarioEntry } from './entry.ts';
import { BASE } from './fixture.ts';

const PAGE = 4096;

/**
 * The scenario, named `name`, on the run's engine (`world.notifierCore()`: the check option
 * `core`, with `semantics` naming the version for `core: 'real'`).
 */
export function realCoreRaces(name = 'core-races'): Scenario {
  return defineScenario({
    name,
    description:
      'munmap and the OOM reaper invalidate while an interval is inserted and removed and a device fault ' +
      'reads; the core must end idle (its deferred list drained, on the real code), and a read that an ' +
      'invalidation overlapped must retry. Runs on either engine (--core typescript|real).',
    async setup(world) {
      const mm = world.notifierCore();
      const log: string[] = [];
      const serve = (name: string) => ({
        invalidate(sub: { setSeq(seq: number): void }, _r: unknown, seq: number): boolean {
          log.push(`invalidate:${name}`);
          sub.setSeq(seq);
          return true;
        },
      });
      await mm.register(
        { invalidateRangeStart: () => 0, invalidateRangeEnd: () => {} },
        { name: 'kvm' },
      );
      const mirror = await mm.insertInterval(BASE, PAGE, serve('mirror'), { name: 'mirror' });
      world.spawn('munmap', async () => {
        const range = {
          start: BASE,
          end: BASE + 2 * PAGE,
          event: 'unmap',
          blockable: true,
        } as const;
        await mm.invalidateRangeStart(range);
        await mm.invalidateRangeEnd(range);
      });
      world.spawn('oom-reaper', async () => {
        const range = { start: BASE, end: BASE + PAGE, event: 'unmap', blockable: false } as const;
        if ((await mm.invalidateRangeStartNonblock(range)) === 0)
          await mm.invalidateRangeEnd(range);
      });
      world.spawn('insert-remove', async () => {
        const iv = await mm.insertInterval(BASE + PAGE, PAGE, serve('late'), { name: 'late' });
        await iv.remove();
      });
      world.spawn('device-fault', async () => {
        // Two invalidations of the mirror: at most two retries are owed.
        for (let attempt = 0; attempt < 3; attempt++) {
          const seq = await mirror.readBegin();
          const mark = log.length;
          await world.yieldNow(); // the fault maps the pages here
          const overlapped = log.slice(mark).includes('invalidate:mirror');
          const retry = mirror.readRetry(seq);
          if (overlapped && !retry)
            throw new Error(
              'the mirror was invalidated after read_begin, yet read_retry said no retry',
            );
          if (!retry) return;
        }
      });
      world.finally(() => {
        if (mm.activeInvalidateRanges !== 0)
          throw new Error(`active_invalidate_ranges is ${mm.activeInvalidateRanges} at the end`);
        if (mm.invalidateSeq % 2 !== 0)
          throw new Error(`invalidate_seq ${mm.invalidateSeq} is odd at the end`);
        if (!(mm instanceof FiberKernelCore)) return;
        const held = mm.held;
        if (mm.deferredCount !== 0)
          throw new Error(`${mm.deferredCount} deferred interval ops left`);
        if (held.locks !== 0 || held.srcuReaders !== 0)
          throw new Error(
            `held at the end: ${held.locks} spin locks, ${held.srcuReaders} SRCU readers`,
          );
      });
    },
  });
}

/**
 * The scenario on the TypeScript core (`core-races`; any `--semantics`, or `--core real`)
 * and on each real version, with what the checker found: clean everywhere, complete at
 * preemption bound 1 and 2 (README).
 */
export const realCoreRaceScenarios: readonly ScenarioEntry[] = [
  { scenario: realCoreRaces(), expect: 'clean', defaults: { preemptionBound: 1 } },
  ...(['6.1', '6.12'] as const).map((v) => ({
    scenario: realCoreRaces(`real-core-races-${v}`),
    expect: 'clean' as const,
    defaults: { core: 'real' as const, semantics: `linux-${v}` as const, preemptionBound: 1 },
  })),
];
