/**
 * The invariant checker of `IntervalTree` (the kernel has none: its rbtree tests in
 * `lib/rbtree_test.c` and `lib/interval_tree_test.c` do the same walk). O(n); for tests and
 * debugging, never on a hot path. Every failure is an {@link InternalError}: a broken
 * invariant here is a defect of the tree, not of its caller.
 */

import { InternalError } from '../errors.ts';
import {
  type Arena,
  F,
  L,
  LAST,
  LEFT,
  NIL,
  PARENT,
  RED,
  RIGHT,
  START,
  SUB,
} from './interval-rbtree.ts';

/** What the checker needs of a handle. */
interface Handle {
  readonly start: number;
  readonly last: number;
  readonly slot: number;
  readonly owner: object | null;
}

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

/** Checks one node's own fields and its handle. */
function checkNode(
  tree: object,
  a: Arena,
  handles: readonly (Handle | undefined)[],
  node: number,
  parent: number,
): string {
  const start = a.f[node * F + START]!;
  const last = a.f[node * F + LAST]!;
  const name = `[${start}, ${last}]`;
  const h = handles[node];
  if (h === undefined || h.owner !== tree || h.slot !== node)
    fail(`node ${name} has no handle naming it`);
  if (h.start !== start || h.last !== last) fail(`node ${name} disagrees with its handle`);
  if (a.l[node * L + PARENT] !== parent) fail(`node ${name} has a wrong parent link`);
  if (start > last) fail(`node ${name} has start > last`);
  const red = a.l[node * L + RED];
  if (red !== 0 && red !== 1) fail(`node ${name} has colour ${red}`);
  if (red === 1 && a.l[parent * L + RED] === 1) fail(`red node ${name} has a red parent`);
  return name;
}

/** Walks one subtree (depth-first, bounded by the tree's height) and checks every node. */
function checkSubtree(
  tree: object,
  a: Arena,
  handles: readonly (Handle | undefined)[],
  node: number,
  parent: number,
  lo: number,
  hi: number,
): SubtreeFacts {
  if (node === NIL) return { count: 0, blackHeight: 1 };
  if (node < 0 || node >= a.fresh) fail(`link to slot ${node} outside the arena`);
  const name = checkNode(tree, a, handles, node, parent);
  const start = a.f[node * F + START]!;
  if (start < lo || start > hi) fail(`node ${name} out of order`);
  const l = a.l;
  const left = checkSubtree(tree, a, handles, l[node * L + LEFT]!, node, lo, start);
  const right = checkSubtree(tree, a, handles, l[node * L + RIGHT]!, node, start, hi);
  if (left.blackHeight !== right.blackHeight) fail(`black heights differ under ${name}`);
  let max = a.f[node * F + LAST]!;
  for (const child of [l[node * L + LEFT]!, l[node * L + RIGHT]!]) {
    if (child !== NIL && a.f[child * F + SUB]! > max) max = a.f[child * F + SUB]!;
  }
  const sub = a.f[node * F + SUB];
  if (sub !== max) fail(`subtreeLast of ${name} is ${sub}, want ${max}`);
  return {
    count: left.count + right.count + 1,
    blackHeight: left.blackHeight + (l[node * L + RED] === 1 ? 0 : 1),
  };
}

/**
 * Checks the tree's invariants: search order, red-black rules, `subtreeLast`, parent links,
 * handles, size, the cached leftmost and the sentinel.
 * @throws InternalError naming the first broken invariant.
 */
export function assertTreeValid(
  tree: object,
  a: Arena,
  handles: readonly (Handle | undefined)[],
  size: number,
): void {
  if (a.f[NIL * F + SUB] !== Number.NEGATIVE_INFINITY || a.l[NIL * L + RED] !== 0) {
    fail('the NIL sentinel was written');
  }
  if (a.l[a.root * L + RED] === 1) fail('the root is red');
  const facts = checkSubtree(tree, a, handles, a.root, NIL, -Infinity, Infinity);
  if (facts.count !== size) fail(`size is ${size} but ${facts.count} nodes are linked`);
  let min = a.root;
  while (min !== NIL && a.l[min * L + LEFT] !== NIL) min = a.l[min * L + LEFT]!;
  if (a.leftmost !== min) fail('the cached leftmost is not the minimum');
  const linked = handles.reduce((n, h) => n + (h === undefined ? 0 : 1), 0);
  if (linked !== size) fail(`${linked} handles for ${size} linked nodes`);
}
