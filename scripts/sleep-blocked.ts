/**
 * How many runs of the default search are *sleep-set blocked* (cut because every task the
 * search may run there sleeps: `stats.pruned`), on the library scenarios, one mutex, and a
 * ring of mutexes. Optimal DPOR (wakeup trees, Abdulla et al., POPL 2014) would run none of
 * them; docs/architecture.md ("Sleep-set-blocked runs") quotes these figures and says why
 * wakeup trees are not used.
 *
 * Usage: `npx tsx scripts/sleep-blocked.ts` (all), `npx tsx scripts/sleep-blocked.ts NAME...`
 * (those only: a library scenario, `one-mutex-N` or `mutex-ring-N` as listed in `main`).
 * Prints one Markdown row per check: verdict, schedules, pruned runs, their share. Each check
 * runs with its library defaults, `minimize: false` (search and replay only), a 15-minute
 * time limit.
 */

import { pathToFileURL } from 'node:url';
import { check } from '../src/check/check.ts';
import { defineScenario, type Scenario } from '../src/check/world.ts';
import { scenarioLibrary } from '../src/scenarios/index.ts';

/** `tasks` tasks, each `lock; load; store(+1); unlock` on one mutex and one cell. */
export function oneMutex(tasks: number): Scenario {
  return defineScenario({
    name: `one-mutex-${tasks}`,
    setup(world) {
      const m = world.mutex('m');
      const c = world.shared(0, 'c');
      for (let i = 0; i < tasks; i++) {
        world.spawn(`t${i}`, async () => {
          await m.lock();
          await c.store((await c.load()) + 1);
          m.unlock();
        });
      }
    },
  });
}

/**
 * A ring of `n` mutexes and `n` tasks: task i takes `m[i]` and `m[(i + 1) % n]` (the lower
 * index first: the dining philosophers' fix, no deadlock) and releases both.
 */
export function mutexRing(n: number): Scenario {
  return defineScenario({
    name: `mutex-ring-${n}`,
    setup(world) {
      const m = Array.from({ length: n }, (_, i) => world.mutex(`m${i}`));
      for (let i = 0; i < n; i++) {
        const [a, b] = [i, (i + 1) % n].sort((x, y) => x - y) as [number, number];
        world.spawn(`t${i}`, async () => {
          await m[a]!.lock();
          await m[b]!.lock();
          m[b]!.unlock();
          m[a]!.unlock();
        });
      }
    },
  });
}

/** One Markdown row: the scenario, schedules, pruned runs and their share. */
async function measure(scenario: Scenario, defaults: object = {}): Promise<string> {
  const r = await check(scenario, {
    ...defaults,
    minimize: false,
    maxSchedules: 2_000_000,
    timeLimitMs: 900_000,
  });
  const { schedules, pruned = 0, complete, stoppedBy } = r.stats;
  const share = schedules === 0 ? 0 : (100 * pruned) / schedules;
  const verdict = r.ok ? (complete ? 'proven' : `limit (${stoppedBy ?? '?'})`) : 'found';
  return `| \`${scenario.name}\` | ${verdict} | ${schedules.toLocaleString('en-US')} | ${pruned.toLocaleString('en-US')} | ${share.toFixed(1)}% |`;
}

async function main(names: readonly string[]): Promise<void> {
  console.log('| check | verdict | schedules | sleep-set blocked | share |');
  console.log('|---|---|---:|---:|---:|');
  const checks: [Scenario, object | undefined][] = [
    ...scenarioLibrary.map((e): [Scenario, object | undefined] => [e.scenario, e.defaults]),
    ...[2, 3, 4, 5].map((n): [Scenario, undefined] => [oneMutex(n), undefined]),
    ...[3, 6, 10, 14].map((n): [Scenario, undefined] => [mutexRing(n), undefined]),
  ];
  for (const [scenario, defaults] of checks) {
    if (names.length > 0 && !names.includes(scenario.name)) continue;
    console.log(await measure(scenario, defaults));
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main(process.argv.slice(2));
}
