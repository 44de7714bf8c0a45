/**
 * Detects a run that awaits something outside the scheduler.
 *
 * A healthy run is one chain of microtasks: every resumed task parks or finishes before the
 * microtask queue drains, and the next task is resumed from that park. So a run still live
 * when a macrotask callback runs is stuck on something the scheduler does not own (a timer,
 * I/O, a promise nothing resolves). One `setImmediate` is armed when the first run goes live
 * and re-armed only after it fired, so a search that never yields pays for none per step.
 */

/** A run the watchdog can declare stuck. */
export interface Watched {
  /** Called once, from a macrotask, when the run was still live at that moment. */
  stuck(): void;
}

const live = new Set<Watched>();
let armed = false;

function fire(): void {
  armed = false;
  const stuck = [...live];
  live.clear();
  for (const run of stuck) run.stuck();
}

/** Starts watching a run. Pairs with {@link unwatch}. */
export function watch(run: Watched): void {
  live.add(run);
  if (!armed) {
    armed = true;
    setImmediate(fire);
  }
}

/** Stops watching a run that ended. Pairs with {@link watch}. */
export function unwatch(run: Watched): void {
  live.delete(run);
}
