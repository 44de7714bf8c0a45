/**
 * Goal: the interval tree answers exactly like a brute-force list and keeps its invariants
 * (order, red-black balance, augmented max, parent links, size, leftmost) after every change.
 * Method: fast-check drives random insert/remove/query sequences against an array model kept
 * in (start, insertion) order, inserting through `insert` or through `createNode` +
 * `insertNode` and re-linking removed nodes; `assertValid()` runs after every step. Edge cases
 * by hand.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { IntervalTree, type IntervalTreeNode } from '../../src/core/interval-tree.ts';
import { InternalError, InvalidArgumentError, StateError } from '../../src/errors.ts';

interface ModelEntry {
  readonly node: IntervalTreeNode<number>;
  readonly id: number;
}

/** All overlapping nodes, in the order the tree must give them. */
function query(tree: IntervalTree<number>, start: number, last: number): number[] {
  const out: number[] = [];
  for (let n = tree.iterFirst(start, last); n !== undefined; n = tree.iterNext(n, start, last)) {
    out.push(n.value);
  }
  return out;
}

function modelQuery(model: readonly ModelEntry[], start: number, last: number): number[] {
  return model.filter((e) => e.node.start <= last && start <= e.node.last).map((e) => e.id);
}

type Command =
  | {
      readonly kind: 'insert';
      readonly start: number;
      readonly length: number;
      /** Through `createNode` + `insertNode` instead of `insert`. */
      readonly viaNode: boolean;
    }
  | { readonly kind: 'remove'; readonly pick: number }
  /** `insertNode` of a node removed earlier (its value is its first id). */
  | { readonly kind: 'reinsert'; readonly pick: number }
  | { readonly kind: 'query'; readonly start: number; readonly length: number };

function commandArb(space: number): fc.Arbitrary<Command> {
  const start = fc.integer({ min: 0, max: space });
  const length = fc.integer({ min: 0, max: space >> 2 });
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('insert' as const),
        start,
        length,
        viaNode: fc.boolean(),
      }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('reinsert' as const), pick: fc.nat() }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('query' as const), start, length }) },
  );
}

/** Puts `entry` where the tree must have linked it: after every start <= its start. */
function modelAdd(model: ModelEntry[], entry: ModelEntry): void {
  let at = model.length;
  while (at > 0 && model[at - 1]!.node.start > entry.node.start) at--;
  model.splice(at, 0, entry);
}

/**
 * Runs one command on both the tree and the model, asserting they agree. `removed` holds the
 * entries removed so far (for `reinsert`).
 */
function step(
  tree: IntervalTree<number>,
  model: ModelEntry[],
  removed: ModelEntry[],
  cmd: Command,
  id: number,
): void {
  if (cmd.kind === 'insert') {
    const last = cmd.start + cmd.length;
    let node: IntervalTreeNode<number>;
    if (cmd.viaNode) {
      node = IntervalTree.createNode(cmd.start, last, id);
      assert.equal(tree.has(node), false);
      tree.insertNode(node);
    } else {
      node = tree.insert(cmd.start, last, id);
    }
    assert.equal(node.value, id);
    assert.deepEqual([node.start, node.last], [cmd.start, last]);
    assert.ok(tree.has(node));
    modelAdd(model, { node, id });
  } else if (cmd.kind === 'remove') {
    if (model.length === 0) return;
    const [entry] = model.splice(cmd.pick % model.length, 1);
    assert.ok(tree.has(entry!.node));
    tree.remove(entry!.node);
    assert.equal(tree.has(entry!.node), false);
    removed.push(entry!);
  } else if (cmd.kind === 'reinsert') {
    if (removed.length === 0) return;
    const [entry] = removed.splice(cmd.pick % removed.length, 1);
    tree.insertNode(entry!.node);
    assert.ok(tree.has(entry!.node));
    modelAdd(model, entry!);
  } else {
    const last = cmd.start + cmd.length;
    assert.deepEqual(query(tree, cmd.start, last), modelQuery(model, cmd.start, last));
  }
  tree.assertValid();
  assert.equal(tree.size, model.length);
}

describe('IntervalTree against a brute-force model', () => {
  for (const space of [8, 1000]) {
    it(`random insert/remove/query sequences agree (space ${space})`, () => {
      fc.assert(
        fc.property(fc.array(commandArb(space), { maxLength: 200 }), (cmds) => {
          const tree = new IntervalTree<number>();
          const model: ModelEntry[] = [];
          const removed: ModelEntry[] = [];
          for (const [id, cmd] of cmds.entries()) step(tree, model, removed, cmd, id);
          assert.deepEqual(
            [...tree].map((n) => n.value),
            model.map((e) => e.id),
          );
          for (let q = 0; q <= space; q += Math.max(1, space >> 4)) {
            assert.deepEqual(query(tree, q, q), modelQuery(model, q, q));
          }
        }),
        { numRuns: 300, seed: 0x6d6d75 },
      );
    });
  }

  it('stays balanced and correct for sorted inserts and removal of every other node', () => {
    const tree = new IntervalTree<number>();
    const nodes = Array.from({ length: 2000 }, (_, i) => tree.insert(i, i + 10, i));
    tree.assertValid();
    for (let i = 0; i < nodes.length; i += 2) tree.remove(nodes[i]!);
    tree.assertValid();
    assert.equal(tree.size, 1000);
    assert.deepEqual(query(tree, 100, 105), [91, 93, 95, 97, 99, 101, 103, 105]);
    for (let i = 1; i < nodes.length; i += 2) tree.remove(nodes[i]!);
    tree.assertValid();
    assert.equal(tree.size, 0);
    assert.equal(tree.iterFirst(0, 1e6), undefined);
  });

  it('keeps subtreeLast exact when a removal stops its update walk early', () => {
    // Removing node k moves its successor k + 1, the longest interval, up into k's place:
    // every shape of `__rb_erase_augmented` (successor is the right child, or deeper, or k
    // has one child) occurs for some k, and each update walk stops where the kernel's does.
    for (let k = 0; k < 63; k++) {
      const tree = new IntervalTree<number>();
      const nodes = Array.from({ length: 64 }, (_, i) =>
        tree.insert(i * 10, i === k + 1 ? 1_000_000 : i * 10 + 5, i),
      );
      tree.remove(nodes[k]!);
      tree.assertValid();
      assert.deepEqual(query(tree, 1000, 2000), [k + 1]);
      tree.remove(nodes[k + 1]!);
      tree.assertValid();
      assert.equal(tree.iterFirst(1000, 2000), undefined);
    }
  });
});

describe('IntervalTree at user-space addresses (split coordinates)', () => {
  it('agrees with brute force around 0x7f00_0000_0000 and across the 2^27 split boundaries', () => {
    const base = 0x7f00_0000_0000;
    const split = 2 ** 27;
    const coordinate = fc.oneof(
      fc.integer({ min: 0, max: 3 * split }).map((x) => base + x),
      fc.integer({ min: -4, max: 4 }).map((x) => base + split + x),
      fc.integer({ min: -4, max: 4 }).map((x) => -split + x),
    );
    const interval = fc.tuple(coordinate, fc.integer({ min: 0, max: 2 * split }));
    fc.assert(
      fc.property(
        fc.array(interval, { maxLength: 60 }),
        fc.array(interval, { maxLength: 20 }),
        (ins, qs) => {
          const tree = new IntervalTree<number>();
          const model: ModelEntry[] = [];
          for (const [id, [start, length]] of ins.entries()) {
            const cmd = { kind: 'insert', start, length, viaNode: id % 2 === 1 } as const;
            step(tree, model, [], cmd, id);
          }
          for (const [start, length] of qs) {
            assert.deepEqual(
              query(tree, start, start + length),
              modelQuery(model, start, start + length),
            );
          }
          for (const e of model) assert.equal(tree.has(e.node), true);
        },
      ),
      { numRuns: 200, seed: 0x7f00 },
    );
  });

  it('reports start and last exactly, negative and near 2^53 included', () => {
    const tree = new IntervalTree<number>();
    for (const [s, l] of [
      [Number.MIN_SAFE_INTEGER, -1],
      [-(2 ** 27) - 1, 2 ** 27],
      [0x7f00_0000_0000, 0x7f00_0000_ffff],
      [Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER],
    ] as const) {
      const node = tree.insert(s, l, 0);
      assert.equal(node.start, s);
      assert.equal(node.last, l);
    }
    tree.assertValid();
  });
});

describe('IntervalTree edge cases', () => {
  it('answers nothing when empty, and rejects outside the root max and leftmost', () => {
    const tree = new IntervalTree<string>();
    assert.equal(tree.iterFirst(0, 100), undefined);
    assert.deepEqual([...tree], []);
    tree.insert(10, 20, 'a');
    assert.equal(tree.iterFirst(21, 30), undefined);
    assert.equal(tree.iterFirst(0, 9), undefined);
    assert.equal(tree.iterFirst(20, 20)?.value, 'a');
    assert.equal(tree.iterFirst(0, 10)?.value, 'a');
  });

  it('keeps duplicates in insertion order and removes them one by one', () => {
    const tree = new IntervalTree<number>();
    const a = tree.insert(5, 5, 1);
    const b = tree.insert(5, 5, 2);
    tree.insert(5, 5, 3);
    assert.deepEqual(
      [...tree].map((n) => n.value),
      [1, 2, 3],
    );
    tree.remove(b);
    tree.remove(a);
    assert.deepEqual(
      [...tree].map((n) => n.value),
      [3],
    );
    tree.assertValid();
  });

  it('handles the extremes of the safe integers and negative bounds', () => {
    const tree = new IntervalTree<number>();
    tree.insert(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 1);
    tree.insert(-5, -1, 2);
    assert.deepEqual(query(tree, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER), [1]);
    assert.deepEqual(query(tree, -3, -3), [1, 2]);
    tree.assertValid();
  });

  it('rejects malformed intervals with InvalidArgumentError', () => {
    const tree = new IntervalTree<number>();
    for (const [s, l] of [
      [2, 1],
      [0.5, 1],
      [0, Number.NaN],
      [0, 2 ** 53],
      [Number.NEGATIVE_INFINITY, 0],
    ] as const) {
      assert.throws(() => tree.insert(s, l, 0), InvalidArgumentError);
      assert.throws(() => tree.iterFirst(s, l), InvalidArgumentError);
      assert.throws(() => IntervalTree.createNode(s, l, 0), InvalidArgumentError);
    }
    assert.equal(tree.size, 0);
  });

  it('throws StateError when removing a node twice or a node of another tree', () => {
    const one = new IntervalTree<number>();
    const two = new IntervalTree<number>();
    const node = one.insert(1, 2, 0);
    assert.equal(two.has(node), false);
    assert.throws(() => two.remove(node), StateError);
    one.remove(node);
    assert.throws(() => one.remove(node), StateError);
    assert.throws(() => one.remove({ start: 1, last: 2, value: 0 }), StateError);
    assert.equal(one.has({ start: 1, last: 2, value: 0 }), false);
  });

  it('insertNode links only unlinked nodes, and a removed node again', () => {
    const one = new IntervalTree<string>();
    const two = new IntervalTree<string>();
    const a = IntervalTree.createNode(10, 20, 'a');
    assert.equal(one.has(a), false);
    assert.throws(() => one.remove(a), StateError);
    one.insertNode(a);
    assert.throws(() => one.insertNode(a), /linked into a tree already/);
    assert.throws(() => two.insertNode(a), StateError);
    const b = one.insert(10, 30, 'b');
    assert.throws(() => two.insertNode(b), StateError);
    assert.throws(
      () => one.insertNode({ start: 1, last: 2, value: 'x' }),
      (e: unknown) => e instanceof StateError && /not a tree node/.test(e.message),
    );
    assert.equal(one.size, 2, 'a refused insertNode changes nothing');
    one.remove(a);
    two.insertNode(a);
    assert.equal(one.has(a), false);
    assert.equal(two.has(a), true);
    one.remove(b);
    one.insertNode(b); // the only node now: a red leaf made root must turn black
    one.assertValid();
    two.assertValid();
    assert.deepEqual([one.size, two.size], [1, 1]);
    assert.deepEqual(
      [...one, ...two].map((n) => [n.value, n.start, n.last]),
      [
        ['b', 10, 30],
        ['a', 10, 20],
      ],
    );
  });

  it('iterates in start order', () => {
    const tree = new IntervalTree<number>();
    for (const s of [9, 3, 7, 1, 5]) tree.insert(s, s + 100, s);
    assert.deepEqual(
      [...tree].map((n) => n.start),
      [1, 3, 5, 7, 9],
    );
    assert.deepEqual(query(tree, 104, 106), [5, 7, 9]);
  });
});

describe('IntervalTree.assertValid', () => {
  /** The node's internal fields that a corruption touches (`mh`: `subtreeLast`'s high half). */
  interface Internals {
    mh: number;
    red: boolean;
    parent: unknown;
  }

  /** A tree of 64 nodes and one of its inner nodes, seen with its internal fields. */
  function corruptible(): { tree: IntervalTree<number>; node: Internals } {
    const tree = new IntervalTree<number>();
    const nodes = Array.from({ length: 64 }, (_, i) => tree.insert(i, i + 3, i));
    tree.assertValid();
    return { tree, node: nodes[20] as unknown as Internals };
  }

  it('fires on a stale subtree max', () => {
    const { tree, node } = corruptible();
    node.mh += 1;
    assert.throws(() => tree.assertValid(), InternalError);
  });

  it('fires on a broken colouring', () => {
    const { tree, node } = corruptible();
    node.red = !node.red;
    assert.throws(() => tree.assertValid(), InternalError);
  });

  it('fires on a wrong parent link', () => {
    const { tree, node } = corruptible();
    node.parent = null;
    assert.throws(() => tree.assertValid(), InternalError);
  });
});
