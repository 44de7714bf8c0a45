/**
 * Where the worker's exploration is, readable by the CLI's thread while the worker is stuck:
 * a `SharedArrayBuffer` the worker writes at every resume (a few `Int32Array` stores, no
 * message), and a label per distinct "task at point" posted once when first seen.
 *
 * Layout (`Int32Array` cells):
 *
 * | cell            | holds                                                                |
 * |-----------------|----------------------------------------------------------------------|
 * | `RUN`           | runs started so far (a step 0 starts one); written last, with Atomics  |
 * | `STEP`          | the step being run, from 0; -1 before the first run's first step and after a job ends |
 * | `LABEL`         | the label id of that step's task and point, -1 when the label table is full |
 * | `PREEMPTIONS`   | preemptions of the current run up to that step                        |
 * | `TOTAL`         | steps resumed over every run (wraps past 2^31: a statistic only)      |
 * | `JOBS`          | jobs ended, on any thread (`jobEnded`: the pool's threads write no steps) |
 * | `CHOICES + s`   | the task chosen at step `s` of the current run                        |
 *
 * The reader ({@link readLastPoint}) sees a consistent step: the writer stores the choice,
 * then `LABEL`, then `STEP` with `Atomics.store` (a full fence), and the reader loads `STEP`
 * first. Labels are interned by op object and task index (ops are mostly allocated once per
 * primitive), so the common step allocates nothing.
 */

import { STEPS_MAX } from '../check/limits.ts';
import type { PointProbe, TaskRecord } from '../check/task-record.ts';
import type { Op } from '../sched/scheduler.ts';

const RUN = 0;
const STEP = 1;
const LABEL = 2;
const PREEMPTIONS = 3;
const TOTAL = 4;
const JOBS = 5;
const CHOICES = 8;

/** Distinct labels posted at most (a limit on everything); later ones read as unknown. */
export const PROBE_LABELS_MAX = 4_096;

/** The shared buffer for a probe: room for {@link STEPS_MAX} choices. */
export function probeBuffer(): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer((CHOICES + STEPS_MAX) * 4);
  const cells = new Int32Array(buffer);
  cells[STEP] = -1;
  cells[LABEL] = -1;
  return buffer;
}

/** `'spinner' at cell.load on flag`. */
function label(task: TaskRecord, op: Op): string {
  const on = op.name === undefined ? '' : ` on ${op.name}`;
  return `'${task.name}' at ${op.kind}${on}`;
}

/** The worker's side: writes every resume into the buffer (see the module comment). */
export class SharedPointProbe implements PointProbe {
  readonly #cells: Int32Array;
  readonly #post: (id: number, text: string) => void;
  readonly #byOp = new WeakMap<Op, number[]>();
  readonly #byText = new Map<string, number>();

  /** `post` sends a new label to the CLI's thread (once per label). */
  constructor(buffer: SharedArrayBuffer, post: (id: number, text: string) => void) {
    this.#cells = new Int32Array(buffer);
    this.#post = post;
  }

  resumed(task: TaskRecord, op: Op, step: number, preemptions: number): void {
    const cells = this.#cells;
    if (step === 0) Atomics.add(cells, RUN, 1);
    if (step < STEPS_MAX) cells[CHOICES + step] = task.index;
    cells[LABEL] = this.#id(task, op);
    cells[PREEMPTIONS] = preemptions;
    cells[TOTAL] = (cells[TOTAL]! + 1) | 0;
    Atomics.store(cells, STEP, step);
  }

  /** No task runs here now: `STEP` back to -1, so a hang elsewhere is not pinned on this one. */
  idle(): void {
    Atomics.store(this.#cells, STEP, -1);
  }

  /** A job ended somewhere: the search moves (see `PointProbe.jobEnded`). */
  jobEnded(): void {
    Atomics.add(this.#cells, JOBS, 1);
  }

  #id(task: TaskRecord, op: Op): number {
    let ids = this.#byOp.get(op);
    if (ids === undefined) this.#byOp.set(op, (ids = []));
    const known = ids[task.index];
    if (known !== undefined) return known;
    const text = label(task, op);
    let id = this.#byText.get(text);
    if (id === undefined) {
      id = this.#byText.size < PROBE_LABELS_MAX ? this.#byText.size : -1;
      if (id >= 0) {
        this.#byText.set(text, id);
        this.#post(id, text);
      }
    }
    ids[task.index] = id;
    return id;
  }
}

/** What the CLI's thread reads: the current run's last point and its choices so far. */
export interface LastPoint {
  /** Runs started. */
  readonly runs: number;
  /** The step of the last resume, -1 when no task was ever resumed. */
  readonly step: number;
  /** The label id of that resume (-1: unknown). */
  readonly label: number;
  /** Preemptions of the current run's schedule up to that step. */
  readonly preemptions: number;
  /** Steps resumed over every run. */
  readonly steps: number;
  /** The tasks chosen at steps 0..step of the current run. */
  readonly choices: number[];
}

/** Reads the buffer (from the CLI's thread; see the module comment). */
export function readLastPoint(buffer: SharedArrayBuffer): LastPoint {
  const cells = new Int32Array(buffer);
  const step = Atomics.load(cells, STEP);
  const choices: number[] = [];
  for (let s = 0; s <= step && s < STEPS_MAX; s++) choices.push(cells[CHOICES + s]!);
  return {
    runs: Atomics.load(cells, RUN),
    step,
    label: cells[LABEL]!,
    preemptions: cells[PREEMPTIONS]!,
    steps: cells[TOTAL]! >>> 0,
    choices,
  };
}

/** A progress fingerprint: changes whenever the worker resumes a task or a job ends. */
export function probeTick(buffer: SharedArrayBuffer): string {
  const cells = new Int32Array(buffer);
  return `${Atomics.load(cells, RUN)}:${Atomics.load(cells, STEP)}:${Atomics.load(cells, JOBS)}`;
}
