/**
 * The searches and the insert descent of {@link IntervalTree} on split coordinates: the
 * kernel's `INTERVAL_TREE_DEFINE` functions (`include/linux/interval_tree_generic.h`, 6.12.118)
 * `ITPREFIX_subtree_search`, `ITPREFIX_iter_first`, `ITPREFIX_iter_next` and the descent of
 * `ITPREFIX_insert`. Internal to `src/core`.
 *
 * Every coordinate is a pair of int32 halves (`interval-rbtree.ts`: `x = hi * SPLIT + lo`),
 * compared lexicographically; the callers split a query once. The functions take and return
 * only small integers and nodes, so that a call that V8 does not inline boxes nothing (a
 * number above 2^31 passed to a call is a new heap number each time: measured, issue 16).
 * Each is a loop over links with no allocation.
 *
 * | function       | kernel                          | precondition                              |
 * |----------------|---------------------------------|-------------------------------------------|
 * | `searchFirst`  | `interval_tree_iter_first`      | a query with start <= last                |
 * | `searchNext`   | `interval_tree_iter_next`       | `node` linked, returned for the same query |
 * | `linkNode`     | `interval_tree_insert`          | `node` new and unlinked                   |
 */

import { InternalError } from '../errors.ts';
import {
  type IntervalNode,
  type RbRoot,
  rbInsertColor,
  splitHi,
  splitLo,
} from './interval-rbtree.ts';

/**
 * A query `[start, last]` split once into int32 halves, reused by every `searchFirst` /
 * `searchNext` of one walk (the core's invalidation keeps one per in-flight record).
 * Fields declared and set only in the constructor and `set`: V8 keeps them small integers.
 */
export class SplitQuery {
  declare sh: number;
  declare sl: number;
  declare eh: number;
  declare el: number;
  constructor() {
    this.sh = 0;
    this.sl = 0;
    this.eh = 0;
    this.el = 0;
  }
  /** Splits `[start, last]` (safe integers, start <= last, checked by the caller). */
  set(start: number, last: number): void {
    const sh = splitHi(start);
    const eh = splitHi(last);
    this.sh = sh;
    this.sl = splitLo(start, sh);
    this.eh = eh;
    this.el = splitLo(last, eh);
  }
}

/**
 * `ITPREFIX_subtree_search`: the leftmost node of `node`'s subtree overlapping the query
 * `[(sh, sl), (eh, el)]`. The caller checked `start <= node.subtreeLast`.
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
 * `interval_tree_iter_first`: the overlapping node with the smallest start, or undefined.
 * Rejects in O(1) when the query lies past the root's `subtreeLast` or before the leftmost
 * start. Pairs with {@link searchNext}.
 */
export function searchFirst<T>(
  rb: RbRoot<T>,
  sh: number,
  sl: number,
  eh: number,
  el: number,
): IntervalNode<T> | undefined {
  const root = rb.node;
  if (root === null) return undefined;
  if (root.mh < sh || (root.mh === sh && root.ml < sl)) return undefined; // past the root's max
  const min = rb.leftmost!;
  if (min.sh > eh || (min.sh === eh && min.sl > el)) return undefined; // before the leftmost
  return subtreeSearch(root, sh, sl, eh, el);
}

/**
 * `interval_tree_iter_next`: the next node after `node` (in start order) overlapping the
 * query, or undefined. Pairs with {@link searchFirst}.
 */
export function searchNext<T>(
  node: IntervalNode<T>,
  sh: number,
  sl: number,
  eh: number,
  el: number,
): IntervalNode<T> | undefined {
  let n = node;
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
      if (p === null) return undefined;
      prev = n;
      n = p;
      rb = n.right;
    } while (prev === rb);
    if (n.sh > eh || (n.sh === eh && n.sl > el)) return undefined; // !Cond1
    if (n.lh > sh || (n.lh === sh && n.ll >= sl)) return n; // Cond2
  }
}

/**
 * `interval_tree_insert`: links the new red leaf `node` (equal starts go right, after
 * their equals), raising `subtreeLast` on the way down, keeps the cached leftmost, then
 * rebalances. O(log n).
 */
export function linkNode<T>(rb: RbRoot<T>, node: IntervalNode<T>): void {
  const sh = node.sh;
  const sl = node.sl;
  const lh = node.lh;
  const ll = node.ll;
  let parent: IntervalNode<T> | null = null;
  let cur = rb.node;
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
  if (parent === null) rb.node = node;
  else if (goLeft) parent.left = node;
  else parent.right = node;
  if (leftmost) rb.leftmost = node;
  rbInsertColor(rb, node);
}
