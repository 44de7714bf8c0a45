/**
 * The red-black machinery under {@link IntervalTree}: the kernel's `lib/rbtree.c` with the
 * `RB_DECLARE_CALLBACKS_MAX` augment of `include/linux/rbtree_augmented.h` folded in (every
 * rotation and every relink keeps `subtreeLast` exact), over nodes kept in typed arrays.
 * Internal to `src/core`.
 *
 * Protocol
 * --------
 * An {@link Arena} holds every node of one tree as a struct of arrays in one `ArrayBuffer`:
 * node `i` is the 64-byte record at byte `64 * i`, its coordinates unboxed float64 (`start`,
 * `last`, `subtreeLast` at f64 slots `8i + 0..2`) and its links int32 node indices (`left`,
 * `right`, `parent`, `red` at i32 slots `16i + 6..9`). Plain JS objects would hold each
 * coordinate above 2^31 (every user-space address) as a separate heap number, one more
 * dependent load per field read; here a query reads one cache line per node.
 *
 * Node 0 is {@link NIL}, the sentinel of CLRS: black, `subtreeLast = -Infinity`, so "the child's
 * subtree may overlap" (`start <= subtreeLast(child)`) is false for a missing child without a
 * test. Its links are never written. Freed slots form a list through `left`; the arena grows
 * by doubling (the views change: never keep them across an insert).
 *
 * | function        | kernel                                       | precondition                   |
 * |-----------------|----------------------------------------------|--------------------------------|
 * | `rbInsertColor` | `rb_insert_augmented_cached` (`__rb_insert`) | node linked red as a leaf, ancestors' `subtreeLast` already raised |
 * | `rbErase`       | `rb_erase_augmented_cached`                  | node linked into this arena's tree |
 */

import { InternalError } from '../errors.ts';

/** The null node index (`NULL`). */
export const NIL = 0;
/** f64 slots per node (a node is 64 bytes), and the slots of the coordinates. */
export const F = 8;
export const START = 0;
export const LAST = 1;
export const SUB = 2;
/** i32 slots per node, and the slots of the links. */
export const L = 16;
export const LEFT = 6;
export const RIGHT = 7;
export const PARENT = 8;
export const RED = 9;

/** The first capacity (nodes, NIL included). */
const INITIAL = 16;

/** The nodes of one tree, `struct rb_root_cached` (root and leftmost) and the free list. */
export class Arena {
  /** Coordinates: `f[i * F + START | LAST | SUB]`. */
  f: Float64Array;
  /** Links: `l[i * L + LEFT | RIGHT | PARENT | RED]`. */
  l: Int32Array;
  /** Slots allocated (NIL included). */
  capacity: number;
  /** The first slot never used. */
  fresh = 1;
  /** Head of the free list (through `LEFT`), or NIL. */
  free = NIL;
  /** The root (`rb_root.rb_node`). */
  root = NIL;
  /** The leftmost node (`rb_leftmost`). */
  leftmost = NIL;

  constructor() {
    this.capacity = INITIAL;
    const buf = new ArrayBuffer(INITIAL * F * 8);
    this.f = new Float64Array(buf);
    this.l = new Int32Array(buf);
    this.f[NIL * F + SUB] = Number.NEGATIVE_INFINITY;
    this.f[NIL * F + LAST] = Number.NEGATIVE_INFINITY;
  }

  /** Takes a free slot for `[start, last]`, unlinked and red. O(1) amortised. */
  alloc(start: number, last: number): number {
    let i = this.free;
    if (i !== NIL) this.free = this.l[i * L + LEFT]!;
    else {
      if (this.fresh === this.capacity) this.#grow();
      i = this.fresh++;
    }
    const f = this.f;
    const l = this.l;
    f[i * F + START] = start;
    f[i * F + LAST] = last;
    f[i * F + SUB] = last;
    l[i * L + LEFT] = NIL;
    l[i * L + RIGHT] = NIL;
    l[i * L + PARENT] = NIL;
    l[i * L + RED] = 1;
    return i;
  }

  /** Returns an unlinked slot to the free list. */
  release(i: number): void {
    this.l[i * L + LEFT] = this.free;
    this.free = i;
  }

  #grow(): void {
    const capacity = this.capacity * 2;
    const buf = new ArrayBuffer(capacity * F * 8);
    const f = new Float64Array(buf);
    f.set(this.f);
    this.f = f;
    this.l = new Int32Array(buf);
    this.capacity = capacity;
  }
}

/** The augment's `compute`: `subtreeLast` of one node from its own `last` and its children. */
export function computeLast(a: Arena, i: number): number {
  const f = a.f;
  const l = a.l;
  let max = f[i * F + LAST]!;
  const left = f[l[i * L + LEFT]! * F + SUB]!; // -Infinity for NIL
  const right = f[l[i * L + RIGHT]! * F + SUB]!;
  if (left > max) max = left;
  if (right > max) max = right;
  return max;
}

/** `rb_first`'s step: the leftmost node of a subtree. */
export function minimum(l: Int32Array, i: number): number {
  for (let left = l[i * L + LEFT]!; left !== NIL; left = l[i * L + LEFT]!) i = left;
  return i;
}

/** `rb_next`: the in-order successor, or NIL. */
export function successor(l: Int32Array, i: number): number {
  const right = l[i * L + RIGHT]!;
  if (right !== NIL) return minimum(l, right);
  let p = l[i * L + PARENT]!;
  while (p !== NIL && i === l[p * L + RIGHT]) {
    i = p;
    p = l[i * L + PARENT]!;
  }
  return p;
}

/** `__rb_change_child`: puts `node` where `old` hung under `old`'s parent (or at the root). */
function replace(a: Arena, old: number, node: number): void {
  const l = a.l;
  const p = l[old * L + PARENT]!;
  if (node !== NIL) l[node * L + PARENT] = p;
  if (p === NIL) a.root = node;
  else if (l[p * L + LEFT] === old) l[p * L + LEFT] = node;
  else l[p * L + RIGHT] = node;
}

/** A rotation plus the augment's `rotate`: `x` goes down, its right (left) child comes up. */
function rotate(a: Arena, x: number, left: boolean): void {
  const l = a.l;
  const f = a.f;
  const down = left ? LEFT : RIGHT; // the side x ends up on, under y
  const up = left ? RIGHT : LEFT; // the side y comes from
  const y = l[x * L + up]!;
  const inner = l[y * L + down]!;
  l[x * L + up] = inner;
  if (inner !== NIL) l[inner * L + PARENT] = x;
  replace(a, x, y);
  l[y * L + down] = x;
  l[x * L + PARENT] = y;
  f[y * F + SUB] = f[x * F + SUB]!;
  f[x * F + SUB] = computeLast(a, x);
}

/** `__rb_insert`: restores the red-black rules after linking the red leaf `node`. */
export function rbInsertColor(a: Arena, node: number): void {
  const l = a.l;
  let z = node;
  for (let p = l[z * L + PARENT]!; l[p * L + RED] === 1; p = l[z * L + PARENT]!) {
    const g = l[p * L + PARENT]!; // a red node is never the root
    const pIsLeft = p === l[g * L + LEFT];
    const uncle = l[g * L + (pIsLeft ? RIGHT : LEFT)]!;
    if (l[uncle * L + RED] === 1) {
      l[p * L + RED] = 0;
      l[uncle * L + RED] = 0;
      l[g * L + RED] = 1;
      z = g;
      continue;
    }
    if (pIsLeft && z === l[p * L + RIGHT]) rotate(a, (z = p), true);
    else if (!pIsLeft && z === l[p * L + LEFT]) rotate(a, (z = p), false);
    l[l[z * L + PARENT]! * L + RED] = 0;
    l[g * L + RED] = 1;
    rotate(a, g, !pIsLeft);
  }
  l[a.root * L + RED] = 0;
}

/**
 * `rb_erase_augmented_cached`: unlinks `z`, keeps `subtreeLast` exact on the way up and
 * rebalances. Pairs with `rbInsertColor`. The caller checked that `z` is linked here.
 */
export function rbErase(a: Arena, z: number): void {
  const l = a.l;
  const f = a.f;
  const zl = l[z * L + LEFT]!;
  const zr = l[z * L + RIGHT]!;
  if (z === a.leftmost) a.leftmost = zr !== NIL ? minimum(l, zr) : l[z * L + PARENT]!;
  let child: number;
  let parent: number;
  let removedRed: boolean;
  if (zl === NIL || zr === NIL) {
    child = zl !== NIL ? zl : zr;
    parent = l[z * L + PARENT]!;
    removedRed = l[z * L + RED] === 1;
    replace(a, z, child);
  } else {
    const y = minimum(l, zr);
    removedRed = l[y * L + RED] === 1;
    child = l[y * L + RIGHT]!;
    if (l[y * L + PARENT] === z) parent = y;
    else {
      parent = l[y * L + PARENT]!;
      l[parent * L + LEFT] = child;
      if (child !== NIL) l[child * L + PARENT] = parent;
      l[y * L + RIGHT] = zr;
      l[zr * L + PARENT] = y;
    }
    l[y * L + LEFT] = zl;
    l[zl * L + PARENT] = y;
    replace(a, z, y);
    l[y * L + RED] = l[z * L + RED]!;
  }
  // The augment's `propagate`, from the lowest changed node to the root.
  for (let p = parent; p !== NIL; p = l[p * L + PARENT]!) f[p * F + SUB] = computeLast(a, p);
  if (!removedRed) eraseColor(a, child, parent);
  l[z * L + LEFT] = NIL;
  l[z * L + RIGHT] = NIL;
  l[z * L + PARENT] = NIL;
}

/** `____rb_erase_color`: restores the black height after a black node left `parent`. */
function eraseColor(a: Arena, x: number, parent: number): void {
  const l = a.l;
  while (x !== a.root && l[x * L + RED] !== 1 && parent !== NIL) {
    const xIsLeft = x === l[parent * L + LEFT];
    const side = xIsLeft ? RIGHT : LEFT; // where the sibling hangs
    let w = l[parent * L + side]!; // exists: the black height is >= 1
    if (w === NIL) throw new InternalError('interval tree: no sibling in erase');
    if (l[w * L + RED] === 1) {
      l[w * L + RED] = 0;
      l[parent * L + RED] = 1;
      rotate(a, parent, xIsLeft);
      w = l[parent * L + side]!;
    }
    const near = l[w * L + (xIsLeft ? LEFT : RIGHT)]!;
    let far = l[w * L + side]!;
    if (l[near * L + RED] !== 1 && l[far * L + RED] !== 1) {
      l[w * L + RED] = 1;
      x = parent;
      parent = l[x * L + PARENT]!;
      continue;
    }
    if (l[far * L + RED] !== 1) {
      l[near * L + RED] = 0;
      l[w * L + RED] = 1;
      rotate(a, w, !xIsLeft);
      w = l[parent * L + side]!;
      far = l[w * L + side]!;
    }
    l[w * L + RED] = l[parent * L + RED]!;
    l[parent * L + RED] = 0;
    l[far * L + RED] = 0;
    rotate(a, parent, xIsLeft);
    x = a.root;
    break;
  }
  if (x !== NIL) l[x * L + RED] = 0;
}
