/**
 * Classic concurrency bugs, each beside its correct version, as checker scenarios. Shared
 * by the checker's tests. Every buggy version has a schedule that breaks it; every correct
 * version must be proven by a complete exhaustive search.
 */

import { defineScenario, type Scenario } from '../../src/check/world.ts';

/**
 * Lost update: `tasks` tasks each do `counter = counter + 1` as a load and a store (two
 * points). Fixed: the increment runs under a mutex.
 */
export function lostUpdate(fixed: boolean, tasks = 3): Scenario {
  return defineScenario({
    name: fixed ? 'lost-update-fixed' : 'lost-update',
    setup(world) {
      const counter = world.shared(0, 'counter');
      const lock = world.mutex('counter_lock');
      for (let i = 0; i < tasks; i++) {
        world.spawn(`inc${i}`, async () => {
          if (fixed) await lock.lock();
          const value = await counter.load();
          await counter.store(value + 1);
          if (fixed) lock.unlock();
        });
      }
      world.finally(() => {
        if (counter.value !== tasks)
          throw new Error(`counter is ${counter.value}, expected ${tasks}`);
      });
    },
  });
}

/** AB/BA deadlock: two tasks take two mutexes in opposite orders. Fixed: one global order. */
export function abba(fixed: boolean): Scenario {
  return defineScenario({
    name: fixed ? 'abba-fixed' : 'abba',
    setup(world) {
      const a = world.mutex('A');
      const b = world.mutex('B');
      world.spawn('ab', async () => {
        await a.lock();
        await b.lock();
        b.unlock();
        a.unlock();
      });
      world.spawn('ba', async () => {
        const [first, second] = fixed ? [a, b] : [b, a];
        await first.lock();
        await second.lock();
        second.unlock();
        first.unlock();
      });
    },
  });
}

/**
 * Missed wake-up: the waiter checks a flag, then (after another blocking step, the kernel's
 * missing `set_current_state()` window) goes to sleep; a waker that sets the flag and wakes
 * inside the window leaves it asleep forever. Fixed: `wait_event()` (check and sleep in one
 * atomic step).
 */
export function missedWakeup(fixed: boolean): Scenario {
  return defineScenario({
    name: fixed ? 'missed-wakeup-fixed' : 'missed-wakeup',
    setup(world) {
      const flag = world.shared(false, 'done');
      const wq = world.waitQueue('wq');
      world.spawn('waiter', async () => {
        if (fixed) return wq.wait(() => flag.value);
        if (!(await flag.load())) {
          await world.yieldNow();
          await wq.sleep();
        }
      });
      world.spawn('waker', async () => {
        await flag.store(true);
        wq.wakeUpAll();
      });
    },
  });
}

/**
 * Check-then-act on a sequence number: two tasks each claim sequence number 1 by reading the
 * sequence and, if it is still 0, writing 1; exactly one may win. Fixed: the check and the
 * act run under a mutex.
 */
export function seqRace(fixed: boolean): Scenario {
  return defineScenario({
    name: fixed ? 'seq-race-fixed' : 'seq-race',
    setup(world) {
      const seq = world.shared(0, 'seq');
      const lock = world.mutex('seq_lock');
      const winners = world.shared(0, 'winners');
      for (const name of ['p', 'q']) {
        world.spawn(name, async () => {
          if (fixed) await lock.lock();
          if ((await seq.load()) === 0) {
            await seq.store(1);
            winners.set(winners.value + 1);
          }
          if (fixed) lock.unlock();
        });
      }
      world.invariant('one winner', () => winners.value <= 1);
    },
  });
}
