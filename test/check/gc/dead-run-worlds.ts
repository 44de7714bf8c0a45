/**
 * Run by `dead-run-leak.test.ts` as `node --expose-gc --import tsx dead-run-worlds.ts N`:
 * checks N times a scenario whose task awaits a timer (an `outside` finding ends the run),
 * then, after its run is dead, reaches a scheduling point. Prints how many worlds were built (a search run
 * and the traced replay per check) and how many of them
 * a `FinalizationRegistry` saw collected after the timers fired and the heap was collected.
 */

import { check } from '../../../src/check/check.ts';
import { defineScenario } from '../../../src/check/world.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');
const runs = Number(process.argv[2] ?? '40');
let collected = 0;
let worlds = 0;
const registry = new FinalizationRegistry<number>(() => {
  collected++;
});
const lateTimers: Promise<void>[] = [];

const scenario = defineScenario({
  name: 'late-point',
  setup(world) {
    registry.register(world, 0);
    worlds++;
    const cell = world.shared(0, 'cell');
    const ballast = new Array<number>(10_000).fill(1); // makes a kept world visible in the heap
    world.spawn('late', async () => {
      await cell.load();
      const late = new Promise<void>((resolve) => setTimeout(resolve, 1));
      lateTimers.push(late);
      await late; // outside the scheduler: the run ends with an 'outside' finding
      await cell.store(ballast.length); // a point of a dead run
    });
  },
});

for (let i = 0; i < runs; i++) {
  const result = await check(scenario, { minimize: false });
  if (result.finding?.kind !== 'outside') throw new Error(`run ${i}: ${result.finding?.kind}`);
}
await Promise.all(lateTimers);
lateTimers.length = 0;
for (let i = 0; i < 10 && collected < worlds; i++) {
  await new Promise<void>((resolve) => setTimeout(resolve, 10));
  gc();
}
process.stdout.write(`${JSON.stringify({ runs, worlds, collected })}\n`);
