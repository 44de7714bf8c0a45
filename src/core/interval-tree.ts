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
 * allocate nothing. The nodes themselves live in typed arrays (`interval-rbtree.ts`: unboxed
 * float64 coordinates, int32 links); the handle is a small object naming its slot.
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
 * with child links; `size` counts the linked nodes; the cached leftmost is the minimum; each
linked handle names its slot and the slot its handle.
 * The tree must not be changed while a query or an iterator walks it. The red-black
 * machinery lives in `interval-rbtree.ts`, the invariant checker in `interval-tree-check.ts`.
 */

import { InternalError, InvalidArgumentError, OverflowError, StateError } from '../errors.ts';
import {
  Arena,
  F,
  L,
  LAST,
  LEFT,
  NIL,
  PARENT,
  RIGHT,
  rbErase,
  rbInsertColor,
  START,
  SUB,
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

/** The handle `insert` returns: the interval, its payload and its slot in the arena. */
export class IntervalHandle<T> implements IntervalTreeNode<T> {
  readonly start: number;
  readonly last: number;
  readonly value: T;
  /** The arena slot while linked; NIL once removed. */
  slot: number;
  /** The tree this handle is linked into; null once removed. */
  owner: object | null;
  constructor(start: number, last: number, value: T, slot: number, owner: object) {
    this.start = start;
    this.last = last;
    this.value = value;
    this.slot = slot;
    this.owner = owner;
  }
}

function checkRange(start: number, last: number, what: string): void {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(last) || start > last) {
    throw new InvalidArgumentError(
      `${what}: [start, last] must be safe integers with start <= last, got [${start}, ${last}]`,
    );
  }
}

/**
 * `ITPREFIX_subtree_search`: the leftmost node of `node`'s subtree overlapping the query.
 * Loop invariant: start <= subtreeLast(node) (some node of this subtree meets Cond2).
 */
function subtreeSearch(
  f: Float64Array,
  l: Int32Array,
  node: number,
  start: number,
  last: number,
): number {
  for (;;) {
    const left = l[node * L + LEFT]!;
    if (start <= f[left * F + SUB]!) {
      node = left; // NIL's subtreeLast is -Infinity: never taken for a missing child
      continue;
    }
    if (f[node * F + START]! > last) return NIL; // !Cond1: nothing to the right can match
    if (start <= f[node * F + LAST]!) return node; // Cond2: the leftmost match
    node = l[node * L + RIGHT]!;
    if (node === NIL) throw new InternalError('interval tree: subtreeLast is stale');
  }
}

/** `interval_tree_iter_next` on slots: the next overlapping slot after `n`, or NIL. */
function nextSlot(f: Float64Array, l: Int32Array, n: number, start: number, last: number): number {
  let rb = l[n * L + RIGHT]!;
  for (;;) {
    // Invariants: start(n) <= last; rb === right(n). First search the right subtree.
    if (start <= f[rb * F + SUB]!) return subtreeSearch(f, l, rb, start, last);
    // Move up until we come from a node's left child.
    let prev: number;
    do {
      const p = l[n * L + PARENT]!;
      if (p === NIL) return NIL;
      prev = n;
      n = p;
      rb = l[n * L + RIGHT]!;
    } while (prev === rb);
    if (last < f[n * F + START]!) return NIL; // !Cond1
    if (start <= f[n * F + LAST]!) return n; // Cond2
  }
}

/** Set by the class's static block: the one reader of a tree's private arena. */
let arenaOf: (tree: IntervalTree<unknown>) => Arena;

/**
 * An augmented interval tree over closed intervals (`struct rb_root_cached` plus the
 * `interval_tree_*` functions). Duplicates are allowed. Not safe to change while iterating.
 */
export class IntervalTree<T> {
  /** The most intervals one tree holds; one more is an {@link OverflowError}. */
  static readonly sizeMax = 2 ** 26;
  /** The nodes, the root and the leftmost node. */
  readonly #a = new Arena();
  /** The handle of each linked slot (`container_of`). */
  readonly #handles: (IntervalHandle<T> | undefined)[] = [undefined];
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
    const a = this.#a;
    const node = a.alloc(start, last);
    const f = a.f;
    const l = a.l;
    let parent = NIL;
    let cur = a.root;
    let leftmost = true;
    let goLeft = false;
    while (cur !== NIL) {
      parent = cur;
      if (f[cur * F + SUB]! < last) f[cur * F + SUB] = last;
      goLeft = start < f[cur * F + START]!;
      if (goLeft) cur = l[cur * L + LEFT]!;
      else {
        cur = l[cur * L + RIGHT]!;
        leftmost = false;
      }
    }
    l[node * L + PARENT] = parent;
    if (parent === NIL) a.root = node;
    else l[parent * L + (goLeft ? LEFT : RIGHT)] = node;
    if (leftmost) a.leftmost = node;
    this.#size++;
    rbInsertColor(a, node);
    const handle = new IntervalHandle(start, last, value, node, this);
    this.#handles[node] = handle;
    return handle;
  }

  /**
   * `interval_tree_remove()`: unlinks `node`, O(log n). Pairs with {@link IntervalTree.insert}.
   * @throws StateError if `node` is not linked into this tree (removed already, or another's).
   */
  remove(node: IntervalTreeNode<T>): void {
    if (!(node instanceof IntervalHandle) || node.owner !== this) {
      throw new StateError('IntervalTree.remove: the node is not in this tree');
    }
    const slot = node.slot;
    rbErase(this.#a, slot);
    this.#a.release(slot);
    this.#handles[slot] = undefined;
    node.slot = NIL;
    node.owner = null;
    this.#size--;
  }

  /** True while `node` is linked into this tree. */
  has(node: IntervalTreeNode<T>): boolean {
    return node instanceof IntervalHandle && node.owner === this;
  }

  /**
   * `interval_tree_iter_first()`: the overlapping node with the smallest start (first in
   * iteration order), or undefined. Rejects in O(1) when the query lies past the root's
   * `subtreeLast` or before the leftmost start. Pairs with {@link IntervalTree.iterNext}.
   * @throws InvalidArgumentError unless safe integers with start <= last.
   */
  iterFirst(start: number, last: number): IntervalTreeNode<T> | undefined {
    checkRange(start, last, 'IntervalTree.iterFirst');
    const a = this.#a;
    const f = a.f;
    const root = a.root;
    // NIL's subtreeLast is -Infinity: an empty tree rejects here.
    if (f[root * F + SUB]! < start || f[a.leftmost * F + START]! > last) return;
    const found = subtreeSearch(f, a.l, root, start, last);
    return found === NIL ? undefined : this.#handles[found];
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
    const a = this.#a;
    const found = nextSlot(a.f, a.l, (node as IntervalHandle<T>).slot, start, last);
    return found === NIL ? undefined : this.#handles[found];
  }

  /** Iterates every linked node in start order (insertion order among equal starts). */
  *[Symbol.iterator](): Iterator<IntervalTreeNode<T>> {
    const a = this.#a;
    for (let n = a.leftmost; n !== NIL; n = successor(a.l, n)) yield this.#handles[n]!;
  }

  /**
   * Checks every invariant of the protocol comment; for tests. O(n).
   * @throws InternalError naming the first broken invariant.
   */
  assertValid(): void {
    assertTreeValid(this, this.#a, this.#handles, this.#size);
  }

  static {
    arenaOf = (tree) => tree.#a;
  }
}

/**
 * The arena of `tree`, for the invariant tests that corrupt it on purpose. Internal to
 * `src/core` (not exported by the package).
 */
export function treeArena<T>(tree: IntervalTree<T>): Arena {
  return arenaOf(tree as IntervalTree<unknown>);
}
