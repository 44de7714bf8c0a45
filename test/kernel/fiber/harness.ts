/**
 * A hand-driven controlled {@link Scheduler} for the fiber tests: every point parks; the
 * test chooses which parked task continues. One task runs at a time: `resume()` makes the
 * chosen task current and waits (macrotask turns) until it parks again or ends.
 */

import type { MmuNotifierRange, Op, Scheduler, TraceNote } from '../../../src/index.ts';
import { FiberKernelCore } from '../../../src/kernel/fiber/fiber-core.ts';
import type { FiberInterval, FiberNotifier } from '../../../src/kernel/fiber/handles.ts';

/** A parked task. */
export interface Parked {
  readonly task: string;
  readonly op: Op;
  readonly ready: (() => boolean) | undefined;
  readonly resolve: () => void;
}

/** A task of a test: its name, and its end. */
export interface Task {
  readonly name: string;
  done: boolean;
  error: unknown;
  result: unknown;
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** The manual scheduler. */
export class ManualScheduler implements Scheduler {
  readonly controlled = true;
  readonly parked: Parked[] = [];
  readonly tasks: Task[] = [];
  /** Every op a task parked at: [task, op kind]. */
  readonly log: [string, string][] = [];
  current: string | null = null;
  #depth = 0;
  #ids = 1;
  readonly labels = new Map<number, string>();

  get atomicDepth(): number {
    return this.#depth;
  }
  point(op: Op, ready?: () => boolean): Promise<void> {
    if (this.#depth > 0) return Promise.reject(new Error(`point ${op.kind} in atomic context`));
    const task = this.current;
    if (task === null) return Promise.reject(new Error(`point ${op.kind} outside any task`));
    this.current = null;
    this.log.push([task, op.kind]);
    return new Promise<void>((resolve) => {
      this.parked.push({ task, op, ready, resolve });
    }).then(() => {
      this.current = task;
    });
  }
  access(_op: Op): void {}
  kick(_obj: number): void {}
  annotate(_note: TraceNote): void {}
  objectId(label: string): number {
    const id = this.#ids++;
    this.labels.set(id, label);
    return id;
  }
  nonBlockStart(): void {
    this.#depth++;
  }
  nonBlockEnd(): void {
    if (this.#depth === 0) throw new Error('nonBlockEnd without start');
    this.#depth--;
  }

  /** Starts `fn` as task `name`; it runs until its first point (or its end). */
  async spawn(name: string, fn: () => Promise<unknown>): Promise<Task> {
    const task: Task = { name, done: false, error: undefined, result: undefined };
    this.tasks.push(task);
    this.current = name;
    fn().then(
      (v) => {
        task.done = true;
        task.result = v;
        this.current = null;
      },
      (e: unknown) => {
        task.done = true;
        task.error = e;
        this.current = null;
      },
    );
    await this.#settle(task);
    return task;
  }

  async #settle(task: Task): Promise<void> {
    for (let i = 0; i < 1000; i++) {
      if (task.done || this.parked.some((p) => p.task === task.name)) return;
      await turn();
    }
    throw new Error(`task ${task.name} neither parked nor ended`);
  }

  /** The parked entry of `task`, or undefined. */
  at(task: string): Parked | undefined {
    return this.parked.find((p) => p.task === task);
  }

  /** True when `task` is parked and may continue. */
  enabled(task: string): boolean {
    const p = this.at(task);
    return p !== undefined && (p.ready === undefined || p.ready());
  }

  /** Resumes `task` (parked, enabled) for one step. */
  async resume(task: string): Promise<void> {
    const i = this.parked.findIndex((p) => p.task === task);
    if (i < 0) throw new Error(`${task} is not parked`);
    const p = this.parked[i]!;
    if (p.ready !== undefined && !p.ready()) throw new Error(`${task} is not enabled`);
    this.parked.splice(i, 1);
    this.current = null;
    p.resolve();
    await this.#settle(this.tasks.find((t) => t.name === task)!);
  }

  /** Runs `task` alone until it parks at `kind` (true) or ends (false). */
  async runUntil(task: string, kind: string): Promise<boolean> {
    for (let i = 0; i < 10_000; i++) {
      const p = this.at(task);
      if (p === undefined) return false;
      if (p.op.kind === kind) return true;
      if (!this.enabled(task)) return false;
      await this.resume(task);
    }
    throw new Error('runUntil: no end');
  }

  /** Runs every task to its end, choosing the first enabled of `order`, then any. */
  async drain(order: readonly string[] = []): Promise<void> {
    for (let i = 0; i < 100_000; i++) {
      if (this.parked.length === 0) return;
      const names = [...order, ...this.parked.map((p) => p.task)];
      const next = names.find((n) => this.enabled(n));
      if (next === undefined) {
        const at = this.parked.map((p) => `${p.task}@${p.op.kind}`).join(', ');
        throw new Error(`deadlock: ${at}`);
      }
      await this.resume(next);
    }
    throw new Error('drain: no end');
  }
}

/** A core on `sched` with a notifier and an interval over [0, 0x10000). */
export interface Fixture {
  readonly mm: FiberKernelCore;
  readonly sched: ManualScheduler;
  readonly notifier: FiberNotifier;
  readonly iv: FiberInterval;
  /** Callback calls, in order: `start`, `end`, `invalidate:<seq>`. */
  readonly calls: string[];
}

/** A blockable unmap of [start, end). */
export const range = (start: number, end: number, blockable = true): MmuNotifierRange => ({
  start,
  end,
  event: 'unmap',
  blockable,
});

/** Builds the fixture (setup runs as task `setup`, to its end). */
export async function fixture(series: string): Promise<Fixture> {
  const sched = new ManualScheduler();
  const mm = new FiberKernelCore(series, { scheduler: sched });
  const calls: string[] = [];
  let notifier: FiberNotifier | undefined;
  let iv: FiberInterval | undefined;
  await sched.spawn('setup', async () => {
    notifier = await mm.register(
      {
        invalidateRangeStart: () => void calls.push('start'),
        invalidateRangeEnd: () => void calls.push('end'),
      },
      { name: 'kvm' },
    );
    iv = await mm.insertInterval(
      0,
      0x10000,
      {
        invalidate: (sub, r, seq) => {
          calls.push(`invalidate:${seq}`);
          if (r.blockable) sub.setSeq(seq);
          return r.blockable;
        },
      },
      { name: 'gpu' },
    );
  });
  await sched.drain();
  calls.length = 0;
  sched.log.length = 0;
  return { mm, sched, notifier: notifier!, iv: iv!, calls };
}
