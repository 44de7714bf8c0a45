/**
 * An augmented red-black interval tree: the kernel's `include/linux/interval_tree_generic.h`
 * (`INTERVAL_TREE_DEFINE`, instantiated in `lib/interval_tree.c`) over `lib/rbtree.c`.
 *
 * Protocol
 * --------
 * Intervals are closed, `[start, last]`, ordered by `start` (equal starts keep insertion
 * order: a new node goes to the right of its equals, as `interval_tree_insert` does). Each
 * node caches `subtreeLast`, the largest `last` in its subtree (`ITSUBTREE`), which lets a
 * query skip every subtree that ends before it. Nodes are intrusive: the node handed back by
 * {@link IntervalTree.insert} *is* the tree node, so removal needs no search and queries
 * allocate nothing. Each coordinate is kept split in two small integers (`interval-rbtree.ts`),
 * so that a node is one object with no boxed number in it, whatever the addresses.
 *
 * A node is *linked* (its `owner` is this tree) from `insert` until `remove`, then *unlinked*
 * for good (`owner` is null); a node is never re-inserted.
 *
 * | op           | kernel                    | cost     | on a bad call                 |
 * |--------------|---------------------------|----------|-------------------------------|
 * | `insert`     | `interval_tree_insert`    | O(log n) | InvalidArgumentError, Overflow |
 * | `remove`     | `interval_tree_remove`    | O(log n) | StateError if not linked here |
 * | `iterFirst`  | `interval_tree_iter_first`| O(log n), O(1) reject via root max and leftmost | InvalidArgumentError |
 * | `iterNext`   | `interval_tree_iter_next` | amortised O(log n) per hit | none (hot path)  |
 *
 * Invariants (checked by {@link IntervalTree.assertValid}): binary-search order by `start`;
 * the red-black rules (root black, no red node with a red child, equal black height on every
 * path); `subtreeLast = max(last, left.subtreeLast, right.subtreeLast)`; parent links agree
 * with child links; `size` counts the linked nodes; the cached leftmost is the minimum.
 * The tree must not be changed while a query or an iterator walks it. The red-black
 * machinery lives in `interval-rbtree.ts`, the invariant checker in `interval-tree-check.ts`.
 */

import { InternalError, InvalidArgumentError, OverflowError, StateError } from '../errors.ts';
import {
  hiOf,
  IntervalNode,
  RbRoot,
  rbErase,
  rbInsertColor,
  SPLIT,
  successor,
} from './interval-rbtree.ts';
import { assertTreeValid } from './interval-tree-check.ts';

/** One interval in an {@link IntervalTree}: the kernel's `struct interval_tree_node`. */
export interface IntervalTreeNode<T> {
  /** First address covered (`ITSTART`). */
  readonly start: number;
  /** Last address covered, inclusive (`ITLAST`). */
  readonly last: number;
  /** The caller's payload. */
  readonly value: T;
}

function checkRange(start: number, last: number, what: string): void {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(last) || start > last) {
    throw new InvalidArgumentError(
      `${what}: [start, last] must be safe integers with start <= last, got [${start}, ${last}]`,
    );
  }
}

/**
 * `ITPREFIX_subtree_search`: the leftmost node of `node`'s subtree overlapping the query
 * `[(sh, sl), (eh, el)]` (split coordinates).
 */
function subtreeSearch<T>(
  node: IntervalNode<T>,
  sh: number,
  sl: number,
  eh: number,
  el: number,
): IntervalNode<T> | undefined {
  // Loop invariant: start <= node.subtreeLast (some node of this subtree meets Cond2).
  for (;;) {
    const left = node.left;
    if (left !== null && (left.mh > sh || (left.mh === sh && left.ml >= sl))) {
      node = left;
      continue;
    }
    if (node.sh > eh || (node.sh === eh && node.sl > el)) return undefined; // !Cond1
    if (node.lh > sh || (node.lh === sh && node.ll >= sl)) return node; // Cond2: leftmost match
    const right = node.right;
    if (right === null) throw new InternalError('interval tree: subtreeLast is stale');
    node = right;
  }
}

/**
 * An augmented interval tree over closed intervals (`struct rb_root_cached` plus the
 * `interval_tree_*` functions). Duplicates are allowed. Not safe to change while iterating.
 */
export class IntervalTree<T> {
  /** The most intervals one tree holds; one more is an {@link OverflowError}. */
  static readonly sizeMax = 2 ** 30;
  /** `struct rb_root_cached`: the root, and the leftmost node for the O(1) reject. */
  readonly #rb = new RbRoot<T>();
  #size = 0;

  /** The number of linked intervals. */
  get size(): number {
    return this.#size;
  }

  /**
   * `interval_tree_insert()`: links a new node for `[start, last]`, O(log n).
   * Pairs with {@link IntervalTree.remove}.
   * @throws InvalidArgumentError unless safe integers with start <= last.
   * @throws OverflowError past {@link IntervalTree.sizeMax} nodes.
   */
  insert(start: number, last: number, value: T): IntervalTreeNode<T> {
    checkRange(start, last, 'IntervalTree.insert');
    if (this.#size >= IntervalTree.sizeMax) {
      throw new OverflowError(`IntervalTree.insert: more than ${IntervalTree.sizeMax} intervals`);
    }
    const node = new IntervalNode(start, last, value, this);
    const { sh, sl, lh, ll } = node;
    let parent: IntervalNode<T> | null = null;
    let cur = this.#rb.node;
    let leftmost = true;
    let goLeft = false;
    while (cur !== null) {
      parent = cur;
      if (cur.mh < lh || (cur.mh === lh && cur.ml < ll)) {
        cur.mh = lh;
        cur.ml = ll;
      }
      goLeft = sh < cur.sh || (sh === cur.sh && sl < cur.sl);
      if (goLeft) cur = cur.left;
      else {
        cur = cur.right;
        leftmost = false;
      }
    }
    node.parent = parent;
    if (parent === null) this.#rb.node = node;
    else if (goLeft) parent.left = node;
    else parent.right = node;
    if (leftmost) this.#rb.leftmost = node;
    this.#size++;
    rbInsertColor(this.#rb, node);
    return node;
  }

  /**
   * `interval_tree_remove()`: unlinks `node`, O(log n). Pairs with {@link IntervalTree.insert}.
   * @throws StateError if `node` is not linked into this tree (removed already, or another's).
   */
  remove(node: IntervalTreeNode<T>): void {
    const z = node as IntervalNode<T>;
    if (!(z instanceof IntervalNode) || z.owner !== this) {
      throw new StateError('IntervalTree.remove: the node is not in this tree');
    }
    rbErase(this.#rb, z);
    this.#size--;
  }

  /** True while `node` is linked into this tree. */
  has(node: IntervalTreeNode<T>): boolean {
    return (node as IntervalNode<T>).owner === this;
  }

  /**
   * `interval_tree_iter_first()`: the overlapping node with the smallest start (first in
   * iteration order), or undefined. Rejects in O(1) when the query lies past the root's
   * `subtreeLast` or before the leftmost start. Pairs with {@link IntervalTree.iterNext}.
   * @throws InvalidArgumentError unless safe integers with start <= last.
   */
  iterFirst(start: number, last: number): IntervalTreeNode<T> | undefined {
    checkRange(start, last, 'IntervalTree.iterFirst');
    const rb = this.#rb;
    const root = rb.node;
    if (root === null) return;
    const sh = hiOf(start);
    const sl = start - sh * SPLIT;
    const eh = hiOf(last);
    const el = last - eh * SPLIT;
    if (root.mh < sh || (root.mh === sh && root.ml < sl)) return; // past the root's max
    const min = rb.leftmost!;
    if (min.sh > eh || (min.sh === eh && min.sl > el)) return; // before the leftmost start
    return subtreeSearch(root, sh, sl, eh, el);
  }

  /**
   * `interval_tree_iter_next()`: the next node after `node` (in start order) overlapping
   * `[start, last]`, or undefined. `node` must be a linked node returned for the same query.
   */
  iterNext(
    node: IntervalTreeNode<T>,
    start: number,
    last: number,
  ): IntervalTreeNode<T> | undefined {
    const sh = hiOf(start);
    const sl = start - sh * SPLIT;
    const eh = hiOf(last);
    const el = last - eh * SPLIT;
    let n = node as IntervalNode<T>;
    let rb = n.right;
    for (;;) {
      // Invariants: n.start <= last; rb === n.right. First search the right subtree.
      if (rb !== null && (rb.mh > sh || (rb.mh === sh && rb.ml >= sl))) {
        return subtreeSearch(rb, sh, sl, eh, el);
      }
      // Move up until we come from a node's left child.
      let prev: IntervalNode<T>;
      do {
        const p = n.parent;
        if (p === null) return;
        prev = n;
        n = p;
        rb = n.right;
      } while (prev === rb);
      if (n.sh > eh || (n.sh === eh && n.sl > el)) return; // !Cond1
      if (n.lh > sh || (n.lh === sh && n.ll >= sl)) return n; // Cond2
    }
  }

  /** Iterates every linked node in start order (insertion order among equal starts). */
  *[Symbol.iterator](): Iterator<IntervalTreeNode<T>> {
    for (let n = this.#rb.leftmost; n !== null; n = successor(n)) yield n;
  }

  /**
   * Checks every invariant of the protocol comment; for tests. O(n).
   * @throws InternalError naming the first broken invariant.
   */
  assertValid(): void {
    assertTreeValid(this, this.#rb, this.#size);
  }
}
