/**
 * The README's checker example: a lost update on a shared counter, found, minimized and
 * replayed; then the fix (a mutex) proven by a complete search.
 * Run: `npx tsx examples/quick-start-checker.ts`.
 */
import { check, defineScenario } from '../src/index.ts';

/** Two tasks increment a counter with a READ_ONCE/WRITE_ONCE pair; `locked` adds a mutex. */
export function counterScenario(locked: boolean) {
  return defineScenario({
    name: locked ? 'counter-locked' : 'counter-racy',
    setup(world) {
      const counter = world.shared(0, 'counter');
      const lock = world.mutex('counter_lock');
      for (const name of ['t1', 't2']) {
        world.spawn(name, async () => {
          if (locked) await lock.lock();
          const value = await counter.load();
          await counter.store(value + 1);
          if (locked) lock.unlock();
        });
      }
      world.finally(() => {
        if (counter.value !== 2) throw new Error(`lost update: counter is ${counter.value}`);
      });
    },
  });
}

export async function quickStartChecker(): Promise<string[]> {
  const log: string[] = [];
  const racy = await check(counterScenario(false));
  log.push(`racy: ${racy.finding?.kind}: ${racy.finding?.message}`);
  log.push(`schedule ${racy.finding?.schedule}`);
  const again = await check(counterScenario(false), {
    strategy: 'replay',
    schedule: racy.finding?.schedule ?? '',
  });
  log.push(`replayed: ${again.finding?.message}`);
  const fixed = await check(counterScenario(true));
  log.push(`locked: ok=${fixed.ok}, complete=${fixed.stats.complete}`);
  return log;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const line of await quickStartChecker()) console.log(line);
}
