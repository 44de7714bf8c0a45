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
 * A node is *linked* (its `owner` is this tree) from `insert` or `insertNode` until `remove`,
 * then *unlinked* (`owner` is null). {@link IntervalTree.createNode} makes an unlinked node
 * ahead of time and {@link IntervalTree.insertNode} links an unlinked node (new, or removed
 * earlier from any tree) allocating nothing: the caller owns the node memory, as a kernel
 * user `kmalloc`s its `struct interval_tree_node` before `interval_tree_insert(node, root)`.
 *
 * | op           | kernel                    | cost     | on a bad call                 |
 * |--------------|---------------------------|----------|-------------------------------|
 * | `insert`     | `interval_tree_insert`    | O(log n) | InvalidArgumentError, Overflow |
 * | `createNode` | (the caller's `kmalloc`)  | O(1)     | InvalidArgumentError          |
 * | `insertNode` | `interval_tree_insert`    | O(log n), no allocation | StateError if linked, Overflow |
 * | `remove`     | `interval_tree_remove`    | O(log n) | StateError if not linked here |
 * | `iterFirst`  | `interval_tree_iter_first`| O(log n), O(1) reject via root max and leftmost | InvalidArgumentError |
 * | `iterNext`   | `interval_tree_iter_next` | amortised O(log n) per hit | none (hot path)  |
 *
 * Invariants (checked by {@link IntervalTree.assertValid}): binary-search order by `start`;
 * the red-black rules (root black, no red node with a red child, equal black height on every
 * path); `subtreeLast = max(last, left.subtreeLast, right.subtreeLast)`; parent links agree
 * with child links; `size` counts the linked nodes; the cached leftmost is the minimum.
 * The tree must not be changed while a query or an iterator walks it. The red-black
 * machinery lives in `interval-rbtree.ts`, the searches and the insert descent on split
 * coordinates in `interval-search.ts` (the core's invalidation walk calls those directly,
 * through {@link treeRoot}), the invariant checker in `interval-tree-check.ts`.
 */

import { InvalidArgumentError, OverflowError, StateError } from '../errors.ts';
import { IntervalNode, RbRoot, rbErase, splitHi, splitLo, successor } from './interval-rbtree.ts';
import { linkNode, searchFirst, searchNext } from './interval-search.ts';
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

function badRange(start: number, last: number, what: string): never {
  throw new InvalidArgumentError(
    `${what}: [start, last] must be safe integers with start <= last, got [${start}, ${last}]`,
  );
}

/** The root of each tree, for the core's own split-coordinate walk (set by a static block). */
let rootOf: <T>(tree: IntervalTree<T>) => RbRoot<T>;

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
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(last) || start > last) {
      badRange(start, last, 'IntervalTree.insert');
    }
    if (this.#size >= IntervalTree.sizeMax) {
      throw new OverflowError(`IntervalTree.insert: more than ${IntervalTree.sizeMax} intervals`);
    }
    const sh = splitHi(start);
    const lh = splitHi(last);
    const node = new IntervalNode(sh, splitLo(start, sh), lh, splitLo(last, lh), value, this);
    linkNode(this.#rb, node);
    this.#size++;
    return node;
  }

  /**
   * A new unlinked node for `[start, last]` carrying `value`, to be linked later by
   * {@link IntervalTree.insertNode} into any tree: the node memory is allocated here, ahead of
   * the insert, as a kernel user allocates its `struct interval_tree_node` before
   * `interval_tree_insert`. O(1).
   * @throws InvalidArgumentError unless safe integers with start <= last.
   */
  static createNode<T>(start: number, last: number, value: T): IntervalTreeNode<T> {
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(last) || start > last) {
      badRange(start, last, 'IntervalTree.createNode');
    }
    const sh = splitHi(start);
    const lh = splitHi(last);
    return new IntervalNode(sh, splitLo(start, sh), lh, splitLo(last, lh), value, null);
  }

  /**
   * `interval_tree_insert(node, root)`: links `node`, an unlinked node made by
   * {@link IntervalTree.createNode} or removed earlier from a tree, O(log n), allocating
   * nothing. Same order as {@link IntervalTree.insert} (after its equal starts). Pairs with
   * {@link IntervalTree.remove}; `node` may be linked again after its removal.
   * @throws StateError if `node` is linked (here or in another tree) or not a tree node.
   * @throws OverflowError past {@link IntervalTree.sizeMax} nodes.
   */
  insertNode(node: IntervalTreeNode<T>): void {
    const z = node as IntervalNode<T>;
    if (!(z instanceof IntervalNode)) {
      throw new StateError(
        'IntervalTree.insertNode: not a tree node (make one with IntervalTree.createNode)',
      );
    }
    if (z.owner !== null) {
      throw new StateError('IntervalTree.insertNode: the node is linked into a tree already');
    }
    if (this.#size >= IntervalTree.sizeMax) {
      throw new OverflowError(
        `IntervalTree.insertNode: more than ${IntervalTree.sizeMax} intervals`,
      );
    }
    // A removed node keeps its colour and subtreeLast: reset it to a new red leaf's.
    z.red = true;
    z.mh = z.lh;
    z.ml = z.ll;
    z.owner = this;
    linkNode(this.#rb, z);
    this.#size++;
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
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(last) || start > last) {
      badRange(start, last, 'IntervalTree.iterFirst');
    }
    // Split here (small enough to be inlined into the caller's loop): the search gets int32s.
    const sh = splitHi(start);
    const eh = splitHi(last);
    return searchFirst(this.#rb, sh, splitLo(start, sh), eh, splitLo(last, eh));
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
    const sh = splitHi(start);
    const eh = splitHi(last);
    return searchNext(node as IntervalNode<T>, sh, splitLo(start, sh), eh, splitLo(last, eh));
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

  /**
   * A tree of one node that lives as long as the class: it keeps the hidden classes (maps) of
   * `IntervalTree`, `RbRoot` and `IntervalNode` alive. V8 holds a map only weakly from its
   * transition tree and from optimized code, so when every tree of a program has died at a GC,
   * the maps die too and V8 throws away the optimized insert, search and rotation code
   * ("weak objects" deoptimization): the next tree starts in the interpreter. Measured on
   * 10 builds of 10^5 inserts, each after the previous tree died (issue 16; two runs of the
   * same loop under `--trace-opt`): 880-3,100 ns per insert and 6 compilations of `linkNode`
   * without, 300-480 ns (after the third build) and 2 compilations with.
   */
  static readonly #mapKeeper = new IntervalTree<unknown>();

  static {
    rootOf = (tree) => tree.#rb;
    IntervalTree.#mapKeeper.insert(0, 0, null);
  }
}

/**
 * The root of `tree` (`struct rb_root_cached`), for the core's walk on split coordinates
 * (`searchFirst`/`searchNext` of `interval-search.ts`). Internal to `src/core`, not exported
 * from the package.
 */
export function treeRoot<T>(tree: IntervalTree<T>): RbRoot<T> {
  return rootOf(tree);
}
