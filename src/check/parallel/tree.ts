/**
 * The coordinator's part of the schedule tree: the nodes above the subtrees handed out as
 * jobs (`job.ts`). A node comes from a job's `frontier`; it collects the backtrack requests
 * that jobs below it report (`above`), and hands its unexplored choices out as new jobs.
 *
 * | node field | written by                                                         |
 * |------------|--------------------------------------------------------------------|
 * | backtrack  | the frontier it came from, then {@link addTask} (requests of jobs below) |
 * | done/order | {@link TreeNode.take}: a choice handed out, in the order handed out |
 * | access     | the frontier, then `rootAccess` of the jobs rooted here            |
 * | key        | fixed at creation: the indices of the path's choices in each ancestor's order |
 *
 * `addTask` is `dfs.ts`'s `#addTask` and `#unblock` on this tree (pairs with them: change
 * both together). Requests only ever add choices, and whether one adds a choice depends on
 * the node's static fields (fair, enabled, sleep, held) alone, so applying a set of requests
 * gives the same tree in any order, and a duplicate is harmless.
 */

import { assertInternal } from '../../errors.ts';
import type { DfsNode } from '../strategies/dfs-node.ts';
import { continueOrLowest } from '../strategy.ts';

/** A node of the coordinator's tree. */
export class TreeNode {
  readonly enabled: number;
  readonly fair: number;
  readonly preempt: number;
  readonly sleep: number;
  readonly held: readonly (readonly [number, number, number])[];
  backtrack: number;
  done: number;
  readonly order: number[];
  readonly access: (readonly number[] | null)[];
  /** The node above and the choice there that leads here (null at the root). */
  readonly parent: TreeNode | null;
  readonly choice: number;
  readonly depth: number;
  /** DFS position: the index of each choice on the path in its node's `order`. */
  readonly key: readonly number[];

  constructor(node: DfsNode, parent: TreeNode | null, choice: number) {
    this.enabled = node.enabled;
    this.fair = node.fair;
    this.preempt = node.preempt;
    this.sleep = node.sleep;
    this.held = node.held;
    this.backtrack = node.backtrack;
    this.done = node.done;
    this.order = [...node.order];
    this.access = Array.from(node.access, (a) => a ?? null);
    this.parent = parent;
    this.choice = choice;
    this.depth = parent === null ? 0 : parent.depth + 1;
    if (parent === null) this.key = [];
    else {
      const index = parent.order.indexOf(choice);
      assertInternal(index >= 0, `tree: choice ${choice} not taken at its parent`);
      this.key = [...parent.key, index];
    }
  }

  /** The choices here fairness (and the preemption bound) allow. */
  allowed(bound: number): number {
    if (this.parent === null || this.preempt < bound) return this.fair;
    const previous = 1 << this.choice;
    return (this.fair & previous) !== 0 ? previous : this.fair;
  }

  /** The next unexplored choice, marked done; -1 when none. */
  take(bound: number): number {
    const rest = this.backtrack & ~this.done & ~this.sleep & this.allowed(bound);
    if (rest === 0) return -1;
    const choice = continueOrLowest(rest, this.parent === null ? -1 : this.choice);
    this.done |= 1 << choice;
    this.order.push(choice);
    return choice;
  }

  /** This node as a prefix node whose chosen task is `chosen`. */
  export(chosen: number): DfsNode {
    return {
      enabled: this.enabled,
      fair: this.fair,
      preempt: this.preempt,
      chosen,
      backtrack: this.backtrack,
      done: this.done,
      sleep: this.sleep,
      order: [...this.order],
      held: this.held,
      access: Array.from(this.access, (a) => a ?? null),
    };
  }
}

/** The path from the root to `node`, root first. */
export function pathTo(node: TreeNode): TreeNode[] {
  const path: TreeNode[] = [];
  for (let n: TreeNode | null = node; n !== null; n = n.parent) path.push(n);
  return path.reverse();
}

/** `dfs.ts` `#addTask` at node `i` of `path`; the nodes it changed. */
export function addTask(path: readonly TreeNode[], i: number, task: number): TreeNode | null {
  const node = path[i];
  assertInternal(node !== undefined, `tree: request at node ${i} beyond the path (${path.length})`);
  const bit = 1 << task;
  if ((bit & (node.backtrack | node.done | node.sleep)) !== 0) return null;
  if ((node.fair & bit) !== 0) {
    node.backtrack |= bit;
    return node;
  }
  if ((node.enabled & bit) !== 0) {
    const unblocked = unblock(path, i, task);
    if (unblocked !== undefined) return unblocked;
  }
  node.backtrack |= node.fair;
  return node;
}

/** `dfs.ts` `#unblock`: undefined when there is nothing to unblock. */
function unblock(path: readonly TreeNode[], i: number, q: number): TreeNode | null | undefined {
  const record = path[i]!.held.find(([t]) => t === q);
  assertInternal(record !== undefined, `tree: no fairness record at node ${i}`);
  const waits = record[1] & path[i]!.enabled;
  if (waits === 0) return undefined;
  const u = 1 << (31 - Math.clz32(waits & -waits));
  for (let j = record[2]; j < i; j++) {
    const node = path[j]!;
    if ((node.fair & u) === 0) continue;
    if (((node.backtrack | node.done | node.sleep) & u) !== 0) return null;
    node.backtrack |= u;
    return node;
  }
  return undefined;
}

/** Lexicographic order of DFS keys. */
export function compareKeys(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}
