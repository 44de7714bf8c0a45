/**
 * Detects a run that awaits something outside the scheduler.
 *
 * A healthy run is one chain of microtasks: every resumed task parks or finishes before the
 * microtask queue drains, and the next task is resumed from that park. So a run still live
 * when a macrotask callback runs is stuck on something the scheduler does not own (a timer,
 * I/O, a promise nothing resolves).
 *
 * Protocol
 * --------
 * The verdict must not depend on the machine's speed: whatever macrotask the stuck task
 * awaits, the watchdog must run *before* it, or the task would resume (and the run go on)
 * on a fast machine and be declared stuck on a slow one. So the watchdog keeps two sentinels
 * armed while any run is live, both armed before the run starts (so before anything a task
 * of the run can arm):
 *
 * | sentinel            | runs before                                                    |
 * |---------------------|----------------------------------------------------------------|
 * | `setImmediate`      | every later immediate (FIFO), and the poll phase of the next turn |
 * | `setTimeout(0)`     | every later timer of any delay (timers fire by due time, then FIFO) |
 *
 * Each is re-armed only after it fired, so a search that never yields pays for two per
 * yield of the search loop, none per step. Either one firing declares every live run stuck
 * (the microtask queue is empty whenever a macrotask runs). I/O that completes before the
 * timer sentinel is due can still beat both: scenarios must not do I/O (see `world.ts`).
 */

/** A run the watchdog can declare stuck. */
export interface Watched {
  /** Called once, from a macrotask, when the run was still live at that moment. Never throws. */
  stuck(): void;
}

/**
 * The live runs, in no order: an array whose storage is reused (a `Set` that gains and loses
 * one entry per run replaces its hash table every few runs, each old table pointing to the
 * next: a chain V8's scavenger keeps alive once its head is in the old generation).
 */
const live: (Watched | undefined)[] = [];
let liveCount = 0;
let immediateArmed = false;
let timerArmed = false;

function fire(): void {
  if (liveCount === 0) return;
  const stuck = live.slice(0, liveCount) as Watched[];
  live.fill(undefined, 0, liveCount);
  liveCount = 0;
  for (const run of stuck) run.stuck();
}

function fireImmediate(): void {
  immediateArmed = false;
  fire();
}

function fireTimer(): void {
  timerArmed = false;
  fire();
}

/** Starts watching a run (before any of its code runs). Pairs with {@link unwatch}. */
export function watch(run: Watched): void {
  live[liveCount++] = run;
  if (!immediateArmed) {
    immediateArmed = true;
    setImmediate(fireImmediate);
  }
  if (!timerArmed) {
    timerArmed = true;
    setTimeout(fireTimer, 0).unref();
  }
}

/** Stops watching a run that ended. Pairs with {@link watch}. */
export function unwatch(run: Watched): void {
  const k = live.lastIndexOf(run, liveCount - 1);
  if (k < 0) return;
  live[k] = live[--liveCount];
  live[liveCount] = undefined;
}
