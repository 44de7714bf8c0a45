/**
 * The red-black machinery under {@link IntervalTree}: the kernel's `lib/rbtree.c` with the
 * `RB_DECLARE_CALLBACKS_MAX` augment of `include/linux/rbtree_augmented.h` folded in (every
 * rotation and every relink keeps `subtreeLast` exact). Internal to `src/core`.
 *
 * Coordinates are split: every address `x` (a safe integer) is kept as two small integers,
 * `hi = floor(x / 2^27)` and `lo = x - hi * 2^27` (`|hi| <= 2^26`, `0 <= lo < 2^27`), both V8
 * small integers stored inside the node. A plain number field above 2^31 (every user-space
 * address) would be a separate heap number, one more dependent load per field read (issue 16).
 * `(hi, lo)` pairs compare lexicographically exactly as the numbers do.
 *
 * Protocol
 * --------
 * An {@link RbRoot} is `struct rb_root_cached`: the root and the leftmost node. Nodes are
 * intrusive and relinked, never copied (a caller's handle must stay valid), so erasing a node
 * with two children moves its successor into its place as `__rb_erase_augmented` does. After
 * an erase, `subtreeLast` is recomputed upwards only until a node's value does not change
 * (the kernel's `propagate`), not all the way to the root.
 *
 * | function        | kernel                                  | precondition                   |
 * |-----------------|-----------------------------------------|--------------------------------|
 * | `rbInsertColor` | `rb_insert_augmented_cached` (`__rb_insert`) | node linked red as a leaf, ancestors' `subtreeLast` already raised |
 * | `rbErase`       | `rb_erase_augmented_cached`             | node linked into this root     |
 */

/** The split radix: `x = hi * SPLIT + lo`. */
export const SPLIT = 2 ** 27;
/** `1 / SPLIT`, exact (a power of two): `x * INV_SPLIT` is `x / SPLIT` without a division. */
const INV_SPLIT = 2 ** -27;

/**
 * `floor(x / SPLIT)` of a safe integer, as an int32 (`| 0`: V8 keeps an int32 result a small
 * integer; a plain `Math.floor` result stored in a field may be a heap number).
 */
export function splitHi(x: number): number {
  return Math.floor(x * INV_SPLIT) | 0;
}

/** `x - hi * SPLIT` of a safe integer `x` with `hi = splitHi(x)`, as an int32 in `[0, SPLIT)`. */
export function splitLo(x: number, hi: number): number {
  return (x - hi * SPLIT) | 0;
}

/**
 * A tree node (`struct interval_tree_node` + `struct rb_node`), owner-tagged for `has()`.
 * The fields a query reads come first, so that they share a cache line. The fields are
 * `declare`d and set only in the constructor, coordinates as int32: V8 then gives each
 * coordinate field the small-integer representation (a class field initializer would store
 * `undefined` first and make every field tagged; a `Math.floor` or subtraction result stored
 * from unoptimized code would be a separate heap number per field: measured, issue 16).
 */
export class IntervalNode<T> {
  /** `start`, split. */
  declare readonly sh: number;
  declare readonly sl: number;
  /** `last`, split. */
  declare readonly lh: number;
  declare readonly ll: number;
  /** `ITSUBTREE`, split: the largest `last` in this node's subtree. */
  declare mh: number;
  declare ml: number;
  declare left: IntervalNode<T> | null;
  declare right: IntervalNode<T> | null;
  declare parent: IntervalNode<T> | null;
  declare readonly value: T;
  declare red: boolean;
  /** The tree (any object) this node is linked into; null once erased. */
  declare owner: object | null;
  /**
   * A red node for `[sh * SPLIT + sl, lh * SPLIT + ll]` (split, int32 halves), with no links;
   * `owner` is the tree it is about to be linked into, or null (unlinked, `createNode`).
   */
  constructor(sh: number, sl: number, lh: number, ll: number, value: T, owner: object | null) {
    this.sh = sh;
    this.sl = sl;
    this.lh = lh;
    this.ll = ll;
    this.mh = lh;
    this.ml = ll;
    this.left = null;
    this.right = null;
    this.parent = null;
    this.value = value;
    this.red = true;
    this.owner = owner;
  }

  /** First address covered (`ITSTART`). */
  get start(): number {
    return this.sh * SPLIT + this.sl;
  }

  /** Last address covered, inclusive (`ITLAST`). */
  get last(): number {
    return this.lh * SPLIT + this.ll;
  }

  /** `ITSUBTREE`, joined. */
  get subtreeLast(): number {
    return this.mh * SPLIT + this.ml;
  }
}

/** `struct rb_root_cached`: the root and the cached leftmost node. */
export class RbRoot<T> {
  node: IntervalNode<T> | null = null;
  leftmost: IntervalNode<T> | null = null;
}

/** The augment's `compute`: sets `subtreeLast` of one node from its own `last` and its children. */
export function computeLast<T>(node: IntervalNode<T>): void {
  let mh = node.lh;
  let ml = node.ll;
  const l = node.left;
  const r = node.right;
  if (l !== null && (l.mh > mh || (l.mh === mh && l.ml > ml))) {
    mh = l.mh;
    ml = l.ml;
  }
  if (r !== null && (r.mh > mh || (r.mh === mh && r.ml > ml))) {
    mh = r.mh;
    ml = r.ml;
  }
  node.mh = mh;
  node.ml = ml;
}

/**
 * The augment's `propagate` (`RB_DECLARE_CALLBACKS_MAX`): recomputes `subtreeLast` from `node`
 * up to (not including) `stop`, and stops at the first node whose value does not change, as
 * the kernel's does: its ancestors' values depend on it only through that value. Returns
 * nothing; the caller passes `stop = null` to go up to the root.
 */
function propagate<T>(node: IntervalNode<T> | null, stop: IntervalNode<T> | null): void {
  while (node !== stop && node !== null) {
    const mh = node.mh;
    const ml = node.ml;
    computeLast(node);
    if (node.mh === mh && node.ml === ml) return;
    node = node.parent;
  }
}

/** `rb_first`'s step: the leftmost node of a subtree. */
export function minimum<T>(node: IntervalNode<T>): IntervalNode<T> {
  while (node.left !== null) node = node.left;
  return node;
}

/** `rb_next`: the in-order successor, or null. */
export function successor<T>(node: IntervalNode<T>): IntervalNode<T> | null {
  if (node.right !== null) return minimum(node.right);
  let n = node;
  let p = n.parent;
  while (p !== null && n === p.right) {
    n = p;
    p = n.parent;
  }
  return p;
}

/** `__rb_change_child`: puts `node` where `old` hung under `old.parent` (or at the root). */
function replace<T>(root: RbRoot<T>, old: IntervalNode<T>, node: IntervalNode<T> | null): void {
  const p = old.parent;
  if (node !== null) node.parent = p;
  if (p === null) root.node = node;
  else if (p.left === old) p.left = node;
  else p.right = node;
}

/** A rotation plus the augment's `rotate`: `x` goes down, its child `dir` comes up. */
function rotate<T>(root: RbRoot<T>, x: IntervalNode<T>, left: boolean): void {
  if (left) {
    const y = x.right!;
    x.right = y.left;
    if (y.left !== null) y.left.parent = x;
    replace(root, x, y);
    y.left = x;
    x.parent = y;
    y.mh = x.mh;
    y.ml = x.ml;
  } else {
    const y = x.left!;
    x.left = y.right;
    if (y.right !== null) y.right.parent = x;
    replace(root, x, y);
    y.right = x;
    x.parent = y;
    y.mh = x.mh;
    y.ml = x.ml;
  }
  computeLast(x);
}

/** `__rb_insert`: restores the red-black rules after linking the red leaf `node`. */
export function rbInsertColor<T>(root: RbRoot<T>, node: IntervalNode<T>): void {
  let z = node;
  for (let p = z.parent; p?.red === true; p = z.parent) {
    const g = p.parent!; // a red node is never the root
    const pIsLeft = p === g.left;
    const uncle = pIsLeft ? g.right : g.left;
    if (uncle?.red === true) {
      p.red = uncle.red = false;
      g.red = true;
      z = g;
      continue;
    }
    if (pIsLeft && z === p.right) rotate(root, (z = p), true);
    else if (!pIsLeft && z === p.left) rotate(root, (z = p), false);
    z.parent!.red = false;
    g.red = true;
    rotate(root, g, !pIsLeft);
  }
  root.node!.red = false;
}

/**
 * `rb_erase_augmented_cached`: unlinks `z`, keeps `subtreeLast` exact on the way up and
 * rebalances. Pairs with `rbInsertColor`. The caller checked that `z` is linked here.
 */
export function rbErase<T>(root: RbRoot<T>, z: IntervalNode<T>): void {
  if (z === root.leftmost) root.leftmost = z.right !== null ? minimum(z.right) : z.parent;
  let child: IntervalNode<T> | null;
  let parent: IntervalNode<T> | null;
  let removedRed: boolean;
  if (z.left === null || z.right === null) {
    child = z.left ?? z.right;
    parent = z.parent;
    removedRed = z.red;
    replace(root, z, child);
    propagate(parent, null);
  } else {
    const y = minimum(z.right);
    removedRed = y.red;
    child = y.right;
    // The augment's `copy`: y takes z's place and, until recomputed, z's subtreeLast.
    y.mh = z.mh;
    y.ml = z.ml;
    if (y.parent === z) parent = y;
    else {
      parent = y.parent!;
      parent.left = child;
      if (child !== null) child.parent = parent;
      y.right = z.right;
      z.right.parent = y;
    }
    y.left = z.left;
    z.left.parent = y;
    replace(root, z, y);
    y.red = z.red;
    // `__rb_erase_augmented`: from y's old parent up to y, then from y up to the root; each
    // walk stops at the first unchanged value.
    if (parent !== y) propagate(parent, y);
    propagate(y, null);
  }
  if (!removedRed) eraseColor(root, child, parent);
  z.left = z.right = z.parent = null;
  z.owner = null;
}

/** `____rb_erase_color`: restores the black height after a black node left `parent`. */
function eraseColor<T>(
  root: RbRoot<T>,
  x: IntervalNode<T> | null,
  parent: IntervalNode<T> | null,
): void {
  while (x !== root.node && x?.red !== true && parent !== null) {
    const xIsLeft = x === parent.left;
    let w = (xIsLeft ? parent.right : parent.left)!; // the sibling exists (black height >= 1)
    if (w.red) {
      w.red = false;
      parent.red = true;
      rotate(root, parent, xIsLeft);
      w = (xIsLeft ? parent.right : parent.left)!;
    }
    const near = xIsLeft ? w.left : w.right;
    let far = xIsLeft ? w.right : w.left;
    if (near?.red !== true && far?.red !== true) {
      w.red = true;
      x = parent;
      parent = x.parent;
      continue;
    }
    if (far?.red !== true) {
      near!.red = false;
      w.red = true;
      rotate(root, w, !xIsLeft);
      w = (xIsLeft ? parent.right : parent.left)!;
      far = xIsLeft ? w.right : w.left;
    }
    w.red = parent.red;
    parent.red = false;
    far!.red = false;
    rotate(root, parent, xIsLeft);
    x = root.node;
    break;
  }
  if (x !== null) x.red = false;
}
