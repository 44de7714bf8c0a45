/**
 * A node of the exhaustive search's schedule tree as plain, JSON-safe data: what
 * `dfs.ts` keeps per node in its arrays, exported so that a subtree can be explored
 * elsewhere (`parallel/job.ts`: another thread, another machine) and the coordinator can
 * keep the nodes above the subtrees (`parallel/tree.ts`). Also the order-independent digest
 * of a set of schedules, which says that two searches ran the same schedules.
 */

import type { ExecutionLogView } from '../execution-log.ts';

/** One node of the schedule tree (the fields of `dfs.ts`'s module comment). */
export interface DfsNode {
  /** The enabled tasks at the node (mask). */
  readonly enabled: number;
  /** The enabled tasks fairness allows there (mask; `enabled` when fairness is off). */
  readonly fair: number;
  /** Preemptions in the path to the node. */
  readonly preempt: number;
  /** The task chosen at the node on this path (-1: the run was pruned here). */
  readonly chosen: number;
  /** Tasks to explore at the node (mask). */
  readonly backtrack: number;
  /** Tasks explored (or handed out to explore) at the node (mask). */
  readonly done: number;
  /** Tasks asleep at the node (mask). */
  readonly sleep: number;
  /** The choices taken at the node, in the order taken (the DFS order of its children). */
  readonly order: readonly number[];
  /** Per held-back task: `[task, the tasks it waits for (mask), since which node]`. */
  readonly held: readonly (readonly [number, number, number])[];
  /** Per task index: the access codes of its step from this node (done or asleep), or null. */
  readonly access: readonly (readonly number[] | null)[];
}

/** {@link DfsNode} before its sparse fields are made dense. */
export interface DfsNodeFields {
  readonly enabled: number;
  readonly fair: number;
  readonly preempt: number;
  readonly chosen: number;
  readonly backtrack: number;
  readonly done: number;
  readonly sleep: number;
  readonly order: readonly number[];
  /** `held[2t]`, `held[2t + 1]`: what held-back task t waits for, since which node. */
  readonly held: readonly number[] | undefined;
  readonly access: readonly (readonly number[] | undefined)[];
}

/** Copies a node's fields into a {@link DfsNode} (dense arrays, null for none). */
export function exportNode(fields: DfsNodeFields): DfsNode {
  const held: [number, number, number][] = [];
  const record = fields.held;
  if (record !== undefined) {
    for (let t = 0; 2 * t < record.length; t++) {
      const waits = record[2 * t];
      if (waits !== undefined) held.push([t, waits, record[2 * t + 1]!]);
    }
  }
  const access: (readonly number[] | null)[] = [];
  for (let t = 0; t < fields.access.length; t++) {
    const a = fields.access[t];
    access.push(a === undefined ? null : [...a]);
  }
  return { ...fields, order: [...fields.order], held, access };
}

/** An order-independent digest of a multiset of schedules: two 32-bit sums of hashes. */
export interface ScheduleDigest {
  /** Sum of the FNV-1a hashes of the schedules, mod 2^32. */
  a: number;
  /** Sum of a second hash of the schedules, mod 2^32. */
  b: number;
}

/** Adds the schedule of the run in `log` (its choices) to `digest`. */
export function scheduleHash(log: ExecutionLogView, digest: ScheduleDigest): void {
  let h1 = 0x811c9dc5;
  let h2 = 0x9e3779b9 ^ log.steps;
  for (let j = 0; j < log.steps; j++) {
    const t = log.taskAt(j);
    h1 = Math.imul(h1 ^ (t + 1), 0x01000193);
    h2 = Math.imul(h2 ^ (t + 7), 0x85ebca6b) ^ (h2 >>> 13);
  }
  digest.a = (digest.a + (h1 >>> 0)) >>> 0;
  digest.b = (digest.b + (h2 >>> 0)) >>> 0;
}

/** Adds `other` into `digest`. */
export function mergeDigest(digest: ScheduleDigest, other: ScheduleDigest): void {
  digest.a = (digest.a + other.a) >>> 0;
  digest.b = (digest.b + other.b) >>> 0;
}

/** The digest as 16 hex digits. */
export function formatDigest(digest: ScheduleDigest): string {
  return digest.a.toString(16).padStart(8, '0') + digest.b.toString(16).padStart(8, '0');
}
