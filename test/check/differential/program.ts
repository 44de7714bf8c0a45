/**
 * Random small concurrent programs for the soundness differential (issue 11): a seeded
 * generator of programs as plain data and a printer (a failing program is quoted in the
 * assertion). `run-program.ts` runs one on a world.
 *
 * A program: 1-3 shared cells, one mutex of each kind needed, 2-4 tasks, each a list of
 * statements: loads, stores (a constant or the last loaded value + 1), increments (load then
 * store), read-modify-write under a spin lock or a mutex (reads `.value`), `tryLock`
 * branches, wait-queue waits on a cell's `.value` and wakes (placed anywhere: a waker may
 * forget to wake or wake before it stores), yields, `if` on the last loaded value, rwsem
 * read/write sections (readers holding across points, `tryLock` of either kind), SRCU read
 * sections and `synchronize`, reads of the counts that commuting updates change
 * (`rw.readers`, `srcu.readers`, `wq.sleepers`: `docs/architecture.md`, "Reduction"), and an
 * optional invariant over two cells' `.value` or a count and a cell. At most
 * {@link POINTS_MAX} scheduling points (spawns included), or the bound given.
 */

import { SeededRandom } from '../../../src/check/prng.ts';

/** Scheduling points per program, spawns included (the default bound of {@link generate}). */
export const POINTS_MAX = 12;

/** One statement; `c` picks a cell, `m` a mutex, `k` a small constant. */
export type Stmt =
  | { readonly op: 'load'; readonly c: number }
  | { readonly op: 'store'; readonly c: number; readonly k: number; readonly fromLast: boolean }
  | { readonly op: 'inc'; readonly c: number }
  | { readonly op: 'spin'; readonly c: number; readonly k: number }
  | { readonly op: 'mutex'; readonly m: number; readonly body: readonly Stmt[] }
  | {
      readonly op: 'try';
      readonly m: number;
      readonly yes: readonly Stmt[];
      readonly no: readonly Stmt[];
    }
  | { readonly op: 'wait'; readonly c: number; readonly k: number }
  | { readonly op: 'wake' }
  | { readonly op: 'yield' }
  | {
      readonly op: 'if';
      readonly k: number;
      readonly yes: readonly Stmt[];
      readonly no: readonly Stmt[];
    }
  | { readonly op: 'rread'; readonly c: number }
  | { readonly op: 'rwrite'; readonly c: number }
  | { readonly op: 'tryread'; readonly c: number }
  | { readonly op: 'srcu'; readonly body: readonly Stmt[] }
  | { readonly op: 'sync' }
  | { readonly op: 'rsection'; readonly body: readonly Stmt[] }
  | { readonly op: 'trywrite'; readonly c: number }
  | { readonly op: 'count'; readonly of: Count };

/** A count that commuting updates change, read without a point. */
export type Count = 'rw' | 'srcu' | 'wq';

const COUNTS: readonly Count[] = ['rw', 'srcu', 'wq'];

/**
 * An invariant `!(A === x && c[b].value === y)`, where A is `c[a].value`, or the count `on`
 * when given.
 */
export interface Invariant {
  readonly on?: Count;
  readonly a: number;
  readonly b: number;
  readonly x: number;
  readonly y: number;
}

/** A program: its cells, tasks and 0-2 invariants. */
export interface Program {
  readonly cells: number;
  readonly tasks: readonly (readonly Stmt[])[];
  readonly invariants: readonly Invariant[];
}

/** The scheduling points a statement list may pass (an upper bound). */
export function points(list: readonly Stmt[]): number {
  let n = 0;
  for (const s of list) {
    switch (s.op) {
      case 'load':
      case 'store':
      case 'wait':
      case 'yield':
      case 'sync':
      case 'rwrite':
      case 'tryread':
        n += 1;
        break;
      case 'inc':
      case 'rread':
        n += 2;
        break;
      case 'spin':
      case 'wake':
      case 'trywrite':
      case 'count':
        break;
      case 'rsection':
        n += 1 + points(s.body);
        break;
      case 'mutex':
        n += 1 + points(s.body);
        break;
      case 'srcu':
        n += points(s.body);
        break;
      case 'try':
      case 'if':
        n += points(s.yes) + points(s.no);
        break;
    }
  }
  return n;
}

/** Generates program `seed` with at most `pointsMax` scheduling points (deterministic). */
export function generate(seed: number, pointsMax: number = POINTS_MAX): Program {
  const r = new SeededRandom(seed);
  const cells = 1 + r.below(3);
  const taskCount = 2 + r.below(3);
  let budget = pointsMax - taskCount;
  const tasks: Stmt[][] = [];
  for (let t = 0; t < taskCount; t++) tasks.push([]);
  // Round-robin so that every task gets statements before the budget runs out.
  for (let round = 0; round < 4 && budget > 0; round++) {
    for (const list of tasks) {
      if (budget <= 0 || (round > 0 && r.below(3) === 0)) continue;
      const s = statement(r, cells, 0, budget);
      if (s === null) continue;
      budget -= points([s]);
      list.push(s);
    }
  }
  const invariants: Invariant[] = [];
  for (let k = r.below(4) === 0 ? 1 + r.below(2) : 0; k > 0; k--) {
    const on = r.below(3) === 0 ? COUNTS[r.below(3)]! : undefined;
    const inv = { a: r.below(cells), b: r.below(cells), x: r.below(3), y: 1 + r.below(2) };
    invariants.push(on === undefined ? inv : { on, ...inv });
  }
  return { cells, tasks, invariants };
}

function statement(r: SeededRandom, cells: number, depth: number, budget: number): Stmt | null {
  for (let tries = 0; tries < 8; tries++) {
    const s = candidate(r, cells, depth, budget);
    if (s !== null && points([s]) <= budget) return s;
  }
  return null;
}

function block(r: SeededRandom, cells: number, depth: number, budget: number): Stmt[] {
  const out: Stmt[] = [];
  const n = r.below(3);
  let left = budget;
  for (let i = 0; i < n && left > 0; i++) {
    const s = statement(r, cells, depth + 1, left);
    if (s === null) break;
    left -= points([s]);
    out.push(s);
  }
  return out;
}

function candidate(r: SeededRandom, cells: number, depth: number, budget: number): Stmt | null {
  const c = r.below(cells);
  const k = r.below(3);
  const nested = depth < 2;
  switch (r.below(19)) {
    case 0:
    case 1:
      return { op: 'load', c };
    case 2:
      return { op: 'store', c, k, fromLast: r.below(2) === 0 };
    case 3:
      return { op: 'inc', c };
    case 4:
      return { op: 'spin', c, k };
    case 5:
      return nested
        ? { op: 'mutex', m: r.below(2), body: block(r, cells, depth, budget - 1) }
        : null;
    case 6:
      return nested
        ? {
            op: 'try',
            m: r.below(2),
            yes: block(r, cells, depth, budget),
            no: block(r, cells, depth, budget),
          }
        : null;
    case 7:
      return { op: 'wait', c, k: 1 + r.below(2) };
    case 8:
      return { op: 'wake' };
    case 9:
      return { op: 'yield' };
    case 10:
    case 11:
      return nested
        ? {
            op: 'if',
            k,
            yes: block(r, cells, depth, budget),
            no: block(r, cells, depth, budget),
          }
        : null;
    case 12:
      return { op: 'rread', c };
    case 13:
      return r.below(2) === 0 ? { op: 'rwrite', c } : { op: 'tryread', c };
    case 14:
      return nested ? { op: 'srcu', body: block(r, cells, depth, budget) } : null;
    case 15:
      return nested ? { op: 'rsection', body: block(r, cells, depth, budget - 1) } : null;
    case 16:
      return { op: 'trywrite', c };
    case 17:
      return { op: 'count', of: COUNTS[r.below(3)]! };
    default:
      return { op: 'sync' };
  }
}

/** The program as TypeScript-like text, for an assertion message. */
export function print(program: Program): string {
  const lines = [`cells: ${program.cells}`];
  program.invariants.forEach(({ on, a, b, x, y }, k) => {
    const left = on === undefined ? `c${a}.value` : countText(on);
    lines.push(`invariant inv${k}: !(${left} === ${x} && c${b}.value === ${y})`);
  });
  program.tasks.forEach((list, t) => {
    lines.push(`t${t}: ${printList(list)}`);
  });
  return lines.join('\n');
}

function printList(list: readonly Stmt[]): string {
  return list.map(printStmt).join(' ');
}

function printStmt(s: Stmt): string {
  switch (s.op) {
    case 'load':
      return `last = await c${s.c}.load();`;
    case 'store':
      return `await c${s.c}.store(${s.fromLast ? `last + ${s.k}` : s.k});`;
    case 'inc':
      return `last = await c${s.c}.load(); await c${s.c}.store(last + 1);`;
    case 'spin':
      return `sp.lock(); c${s.c}.set(c${s.c}.value * 2 + ${s.k}); sp.unlock();`;
    case 'mutex':
      return `await m${s.m}.lock(); ${printList(s.body)} m${s.m}.unlock();`;
    case 'try':
      return `if (m${s.m}.tryLock()) { ${printList(s.yes)} m${s.m}.unlock(); } else { ${printList(s.no)} }`;
    case 'wait':
      return `await wq.wait(() => c${s.c}.value === ${s.k});`;
    case 'wake':
      return 'wq.wakeUpAll();';
    case 'yield':
      return 'await world.yieldNow();';
    case 'if':
      return `if (last === ${s.k}) { ${printList(s.yes)} } else { ${printList(s.no)} }`;
    case 'rread':
      return `await rw.readLock(); last = await c${s.c}.load(); rw.readUnlock();`;
    case 'rwrite':
      return `await rw.writeLock(); c${s.c}.set(c${s.c}.value + 1); rw.writeUnlock();`;
    case 'tryread':
      return `if (rw.tryReadLock()) { last = await c${s.c}.load(); rw.readUnlock(); }`;
    case 'srcu':
      return `{ const i = srcu.readLock(); ${printList(s.body)} srcu.readUnlock(i); }`;
    case 'sync':
      return 'await srcu.synchronize();';
    case 'rsection':
      return `await rw.readLock(); ${printList(s.body)} rw.readUnlock();`;
    case 'trywrite':
      return `if (rw.tryWriteLock()) { c${s.c}.set(c${s.c}.value + 1); rw.writeUnlock(); }`;
    case 'count':
      return `seen(${countText(s.of)});`;
  }
}

function countText(of: Count): string {
  return of === 'rw' ? 'rw.readers' : of === 'srcu' ? 'srcu.readers' : 'wq.sleepers';
}
