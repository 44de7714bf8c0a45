/**
 * The invariant checker of `IntervalTree` (the kernel has none: its rbtree tests in
 * `lib/rbtree_test.c` and `lib/interval_tree_test.c` do the same walk). O(n); for tests and
 * debugging, never on a hot path. Every failure is an {@link InternalError}: a broken
 * invariant here is a defect of the tree, not of its caller.
 */

import { InternalError } from '../errors.ts';
import type { IntervalNode, RbRoot } from './interval-rbtree.ts';

/** The figures one subtree walk returns. */
interface SubtreeFacts {
  /** Nodes in the subtree. */
  readonly count: number;
  /** Black nodes on every path down to a null child (the same on all, or we threw). */
  readonly blackHeight: number;
}

function fail(message: string): never {
  throw new InternalError(`interval tree invariant: ${message}`);
}

/** Walks one subtree (depth-first, bounded by the tree's height) and checks every node. */
function checkSubtree<T>(
  tree: object,
  node: IntervalNode<T> | null,
  parent: IntervalNode<T> | null,
  lo: number,
  hi: number,
): SubtreeFacts {
  if (node === null) return { count: 0, blackHeight: 1 };
  if (node.owner !== tree) fail(`node [${node.start}, ${node.last}] has the wrong owner`);
  if (node.parent !== parent) fail(`node [${node.start}, ${node.last}] has a wrong parent link`);
  if (node.start < lo || node.start > hi) fail(`node [${node.start}, ${node.last}] out of order`);
  if (node.start > node.last) fail(`node [${node.start}, ${node.last}] has start > last`);
  if (node.red && parent?.red === true)
    fail(`red node [${node.start}, ${node.last}] has a red parent`);
  const left = checkSubtree(tree, node.left, node, lo, node.start);
  const right = checkSubtree(tree, node.right, node, node.start, hi);
  if (left.blackHeight !== right.blackHeight) {
    fail(`black heights differ under [${node.start}, ${node.last}]`);
  }
  let max = node.last;
  if (node.left !== null && node.left.subtreeLast > max) max = node.left.subtreeLast;
  if (node.right !== null && node.right.subtreeLast > max) max = node.right.subtreeLast;
  if (node.subtreeLast !== max) {
    fail(`subtreeLast of [${node.start}, ${node.last}] is ${node.subtreeLast}, want ${max}`);
  }
  return {
    count: left.count + right.count + 1,
    blackHeight: left.blackHeight + (node.red ? 0 : 1),
  };
}

/**
 * Checks the tree's invariants: search order, red-black rules, `subtreeLast`, parent links,
 * owners, size and the cached leftmost.
 * @throws InternalError naming the first broken invariant.
 */
export function assertTreeValid<T>(tree: object, rb: RbRoot<T>, size: number): void {
  const root = rb.node;
  if (root?.red === true) fail('the root is red');
  const facts = checkSubtree(tree, root, null, -Infinity, Infinity);
  if (facts.count !== size) fail(`size is ${size} but ${facts.count} nodes are linked`);
  let min = root;
  while (min?.left != null) min = min.left;
  if (rb.leftmost !== min) fail('the cached leftmost is not the minimum');
}
