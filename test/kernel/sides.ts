/**
 * The two sides of the differential test (`differential.test.ts`): the same scripted
 * subscribers on a TypeScript `AddressSpace` (a semantics of src/core) and on the real
 * kernel's code (`RealKernelCore`, one wasm instance of a Debian version), behind one
 * interface. Each side logs every callback with its arguments in one normal form, and the
 * rules it saw broken, as WARN classes (the real code's WARN_ON sites, the TS core's
 * diagnostics of the same rules), so that a step's observation is comparable.
 */

import { AddressSpace } from '../../src/core/address-space.ts';
import type { Diagnostic } from '../../src/core/diagnostics.ts';
import type { MmuIntervalNotifier, MmuNotifier, MmuNotifierOps } from '../../src/core/ops.ts';
import {
  ADDRESS_END,
  EAGAIN,
  type MmuNotifierRange,
  type Semantics,
} from '../../src/core/range.ts';
import { KernelWouldSleepError } from '../../src/errors.ts';
import { KERNEL_ULONG_MAX } from '../../src/kernel/exports.ts';
import { RealKernelCore } from '../../src/kernel/real-core.ts';
import type {
  KernelDiagnostic,
  RealInterval,
  RealNotifier,
  RealNotifierOps,
} from '../../src/kernel/types.ts';

/** How a list notifier's start answers. */
export type StartMode = 'none' | 'ok' | 'fail-nonblock' | 'fail-always';
/** How an interval's invalidate answers. */
export type IntervalMode = 'ok' | 'fail-nonblock' | 'fail-always';

/** A scripted list notifier. */
export interface NotifierSpec {
  readonly start: StartMode;
  readonly end: boolean;
  readonly release: boolean;
  /** Answers of clear_flush_young / clear_young / test_young; undefined: no such callback. */
  readonly young: readonly [boolean | undefined, boolean | undefined, boolean | undefined];
  /** Has `archInvalidateSecondaryTlbs` (only without start and end: the kernel's rule). */
  readonly tlbs: boolean;
}

/** A result a side gives for one call: a value, or the thread would sleep there. */
export type Answer = string;
/** The answer of a call that would sleep forever (one thread). */
export const SLEEPS = 'would-sleep';

/** One side of the differential. */
export interface Side {
  readonly log: string[];
  readonly warns: string[];
  register(label: string, spec: NotifierSpec): Promise<Answer>;
  unregister(label: string): Promise<Answer>;
  get(label: string, key: number, spec: NotifierSpec): Promise<Answer>;
  put(label: string): Promise<Answer>;
  synchronize(): Promise<Answer>;
  insert(label: string, start: number, length: number, mode: IntervalMode): Promise<Answer>;
  remove(label: string): Promise<Answer>;
  readBegin(label: string): Promise<Answer>;
  readRetry(label: string, seq: number): Promise<Answer>;
  start(range: MmuNotifierRange): Promise<Answer>;
  end(range: MmuNotifierRange): Promise<Answer>;
  release(): Promise<Answer>;
  young(which: 0 | 1 | 2, start: number, end: number): Promise<Answer>;
  tlbs(start: number, end: number): Promise<Answer>;
  probe(): { readonly seq: number; readonly active: number };
}

/** A range in normal form; the release walk's `[0, ULONG_MAX)` reads `[0, MAX)` on both. */
export function describe(r: MmuNotifierRange): string {
  const end = r.end === ADDRESS_END || r.end === KERNEL_ULONG_MAX ? 'MAX' : r.end.toString(16);
  return `${r.event} [${r.start.toString(16)}, ${end}) ${r.blockable ? 'b' : 'nb'}`;
}

function startAnswer(mode: StartMode, range: MmuNotifierRange): number {
  if (mode === 'fail-always' || (mode === 'fail-nonblock' && !range.blockable)) return EAGAIN;
  return 0;
}

function intervalAnswer(mode: IntervalMode, range: MmuNotifierRange): boolean {
  return !(mode === 'fail-always' || (mode === 'fail-nonblock' && !range.blockable));
}

/** The WARN class of a real WARN_ON site, by its condition (stable across versions). */
const WARN_CLASSES: Readonly<Record<string, string>> = {
  'mmu_notifier_range_blockable(range) || _ret != -EAGAIN': 'fail-in-blockable',
  'mmu_notifier_range_blockable(range)': 'fail-in-blockable',
  '!ret': 'fail-in-blockable',
  'ops->invalidate_range_end': 'failing-start-with-end',
  'mn_itree_is_invalidating(subscriptions)': 'insert-while-invalidating',
};

/** The real code's diagnostic as a WARN class (unknown sites keep their text). */
export function realWarnClass(d: KernelDiagnostic): string {
  return `${d.kind}:${WARN_CLASSES[d.condition] ?? `${d.file}:${d.condition}`}`;
}

/** The TS core's diagnostic as a WARN class, or null for its own monitors (no kernel WARN). */
export function tsWarnClass(d: Diagnostic): string | null {
  if (d.kind === 'fail-in-blockable' || d.kind === 'failing-start-with-end')
    return `warn:${d.kind}`;
  if (d.kind === 'active-underflow' && d.message.includes('WARN_ON'))
    return 'warn:insert-while-invalidating';
  return null;
}

/** Logs `text` and returns `value` (a young answer). */
function said(log: string[], text: string, value: boolean): boolean {
  log.push(text);
  return value;
}

/** Resolves to the value, or to SLEEPS when the promise has not settled once the event loop turned. */
async function settle(p: Promise<unknown>): Promise<Answer> {
  let state: Answer | null = null;
  p.then(
    (v) => void (state = v === undefined ? 'ok' : String(v)),
    () => {},
  );
  await new Promise<void>((r) => setImmediate(r));
  if (state !== null) return state;
  return SLEEPS;
}

/** The TypeScript core under one semantics. */
export class TsSide implements Side {
  readonly log: string[] = [];
  readonly warns: string[] = [];
  readonly mm: AddressSpace;
  readonly #subs = new Map<string, MmuNotifier<string>>();
  readonly #intervals = new Map<string, MmuIntervalNotifier<string>>();
  readonly #shared = new Map<number, MmuNotifierOps<string>>();
  #nextGet = '';

  constructor(semantics: Semantics) {
    this.mm = new AddressSpace({
      semantics,
      onDiagnostic: (d) => {
        const c = tsWarnClass(d);
        if (c !== null) this.warns.push(c);
      },
    });
  }

  #ops(spec: NotifierSpec, shared: boolean): MmuNotifierOps<string> {
    const log = this.log;
    const ops: MmuNotifierOps<string> = {};
    if (spec.start !== 'none') {
      const mode = spec.start;
      ops.invalidateRangeStart = (s, r) => {
        log.push(`start ${s.data} ${describe(r)}`);
        return startAnswer(mode, r);
      };
    }
    if (spec.end) ops.invalidateRangeEnd = (s, r) => void log.push(`end ${s.data} ${describe(r)}`);
    if (spec.release) ops.release = (s) => void log.push(`release ${s.data}`);
    const [cfy, cy, ty] = spec.young;
    if (cfy !== undefined)
      ops.clearFlushYoung = (s, _m, a, b) => said(log, `cfy ${s.data} ${a}-${b}`, cfy);
    if (cy !== undefined) ops.clearYoung = (s, _m, a, b) => said(log, `cy ${s.data} ${a}-${b}`, cy);
    if (ty !== undefined) ops.testYoung = (s, _m, a) => said(log, `ty ${s.data} ${a}`, ty);
    if (spec.tlbs)
      ops.archInvalidateSecondaryTlbs = (s, _m, a, b) => void log.push(`tlbs ${s.data} ${a}-${b}`);
    if (shared) {
      ops.allocNotifier = () => this.#nextGet;
      ops.freeNotifier = (s) => void log.push(`free ${s.data}`);
    }
    return ops;
  }

  async register(label: string, spec: NotifierSpec): Promise<Answer> {
    this.#subs.set(label, this.mm.register(this.#ops(spec, false), { name: label, data: label }));
    return 'ok';
  }
  async unregister(label: string): Promise<Answer> {
    return settle(this.mm.unregister(this.#subs.get(label)!));
  }
  async get(label: string, key: number, spec: NotifierSpec): Promise<Answer> {
    let ops = this.#shared.get(key);
    if (ops === undefined) this.#shared.set(key, (ops = this.#ops(spec, true)));
    this.#nextGet = label;
    const sub = this.mm.get(ops, { name: label });
    this.#subs.set(label, sub);
    return sub.data;
  }
  async put(label: string): Promise<Answer> {
    this.mm.put(this.#subs.get(label)!);
    return 'ok';
  }
  async synchronize(): Promise<Answer> {
    return settle(this.mm.synchronize());
  }
  async insert(label: string, start: number, length: number, mode: IntervalMode): Promise<Answer> {
    const log = this.log;
    const sub = this.mm.insertInterval(
      start,
      length,
      {
        invalidate: (s, r, seq) => {
          log.push(`invalidate ${s.data} ${describe(r)} seq=${seq}`);
          const ok = intervalAnswer(mode, r);
          if (ok) s.setSeq(seq);
          return ok;
        },
      },
      { name: label, data: label },
    );
    this.#intervals.set(label, sub);
    return 'ok';
  }
  async remove(label: string): Promise<Answer> {
    return settle(this.#intervals.get(label)!.remove());
  }
  async readBegin(label: string): Promise<Answer> {
    return settle(this.#intervals.get(label)!.readBegin());
  }
  async readRetry(label: string, seq: number): Promise<Answer> {
    return String(this.#intervals.get(label)!.readRetry(seq));
  }
  async start(range: MmuNotifierRange): Promise<Answer> {
    if (!range.blockable) return String(this.mm.invalidateRangeStartNonblock(range));
    return settle(Promise.resolve(this.mm.invalidateRangeStart(range)));
  }
  async end(range: MmuNotifierRange): Promise<Answer> {
    return settle(Promise.resolve(this.mm.invalidateRangeEnd(range)));
  }
  async release(): Promise<Answer> {
    return settle(this.mm.release());
  }
  async young(which: 0 | 1 | 2, start: number, end: number): Promise<Answer> {
    if (which === 0) return String(this.mm.clearFlushYoung(start, end));
    if (which === 1) return String(this.mm.clearYoung(start, end));
    return String(this.mm.testYoung(start));
  }
  async tlbs(start: number, end: number): Promise<Answer> {
    this.mm.archInvalidateSecondaryTlbs(start, end);
    return 'ok';
  }
  probe(): { seq: number; active: number } {
    return { seq: this.mm.invalidateSeq, active: this.mm.activeInvalidateRanges };
  }
}

/** Runs a real call; a would-sleep is an answer, not an error. */
function real(fn: () => unknown): Promise<Answer> {
  try {
    const v = fn();
    return Promise.resolve(v === undefined ? 'ok' : String(v));
  } catch (error) {
    if (error instanceof KernelWouldSleepError) return Promise.resolve(SLEEPS);
    return Promise.reject(error);
  }
}

/** The real kernel's code of one version. */
export class RealSide implements Side {
  readonly log: string[] = [];
  readonly warns: string[] = [];
  readonly core: RealKernelCore;
  readonly #subs = new Map<string, RealNotifier>();
  readonly #labels = new Map<number, string>();
  readonly #intervals = new Map<string, RealInterval>();
  readonly #shared = new Map<number, RealNotifierOps>();
  #nextGet = '';

  constructor(series: string) {
    this.core = new RealKernelCore(series, {
      onDiagnostic: (d) => void this.warns.push(realWarnClass(d)),
    });
  }

  #label(s: RealNotifier): string {
    return this.#labels.get(s.id)!;
  }

  #ops(spec: NotifierSpec, shared: boolean): RealNotifierOps {
    const log = this.log;
    const ops: RealNotifierOps = {};
    if (spec.start !== 'none') {
      const mode = spec.start;
      ops.invalidateRangeStart = (s, r) => {
        log.push(`start ${this.#label(s)} ${describe(r)}`);
        return startAnswer(mode, r);
      };
    }
    if (spec.end)
      ops.invalidateRangeEnd = (s, r) => void log.push(`end ${this.#label(s)} ${describe(r)}`);
    if (spec.release) ops.release = (s) => void log.push(`release ${this.#label(s)}`);
    const [cfy, cy, ty] = spec.young;
    if (cfy !== undefined)
      ops.clearFlushYoung = (s, a, b) => said(log, `cfy ${this.#label(s)} ${a}-${b}`, cfy);
    if (cy !== undefined)
      ops.clearYoung = (s, a, b) => said(log, `cy ${this.#label(s)} ${a}-${b}`, cy);
    if (ty !== undefined) ops.testYoung = (s, a) => said(log, `ty ${this.#label(s)} ${a}`, ty);
    if (spec.tlbs)
      ops.archInvalidateSecondaryTlbs = (s, a, b) =>
        void log.push(`tlbs ${this.#label(s)} ${a}-${b}`);
    if (shared) ops.freeNotifier = (s) => void log.push(`free ${this.#label(s)}`);
    return ops;
  }

  register(label: string, spec: NotifierSpec): Promise<Answer> {
    return real(() => {
      const sub = this.core.register(this.#ops(spec, false), { name: label });
      this.#labels.set(sub.id, label);
      this.#subs.set(label, sub);
    });
  }
  unregister(label: string): Promise<Answer> {
    return real(() => this.core.unregister(this.#subs.get(label)!));
  }
  get(label: string, key: number, spec: NotifierSpec): Promise<Answer> {
    let ops = this.#shared.get(key);
    if (ops === undefined) this.#shared.set(key, (ops = this.#ops(spec, true)));
    const o = ops;
    this.#nextGet = label;
    return real(() => {
      const sub = this.core.get(o, { name: label });
      if (!this.#labels.has(sub.id)) this.#labels.set(sub.id, this.#nextGet);
      const got = this.#label(sub);
      this.#subs.set(got, sub);
      return got;
    });
  }
  put(label: string): Promise<Answer> {
    return real(() => this.core.put(this.#subs.get(label)!));
  }
  synchronize(): Promise<Answer> {
    return real(() => this.core.synchronize());
  }
  insert(label: string, start: number, length: number, mode: IntervalMode): Promise<Answer> {
    const log = this.log;
    return real(() => {
      const sub = this.core.insertInterval(
        start,
        length,
        {
          invalidate: (s, r, seq) => {
            log.push(`invalidate ${s.name} ${describe(r)} seq=${seq}`);
            const ok = intervalAnswer(mode, r);
            if (ok) s.setSeq(seq);
            return ok;
          },
        },
        { name: label },
      );
      this.#intervals.set(label, sub);
    });
  }
  remove(label: string): Promise<Answer> {
    return real(() => this.#intervals.get(label)!.remove());
  }
  readBegin(label: string): Promise<Answer> {
    return real(() => this.#intervals.get(label)!.readBegin());
  }
  readRetry(label: string, seq: number): Promise<Answer> {
    return real(() => this.#intervals.get(label)!.readRetry(seq));
  }
  start(range: MmuNotifierRange): Promise<Answer> {
    if (!range.blockable) return real(() => this.core.invalidateRangeStartNonblock(range));
    return real(() => this.core.invalidateRangeStart(range));
  }
  end(range: MmuNotifierRange): Promise<Answer> {
    return real(() => this.core.invalidateRangeEnd(range));
  }
  release(): Promise<Answer> {
    return real(() => this.core.release());
  }
  young(which: 0 | 1 | 2, start: number, end: number): Promise<Answer> {
    if (which === 0) return real(() => this.core.clearFlushYoung(start, end));
    if (which === 1) return real(() => this.core.clearYoung(start, end));
    return real(() => this.core.testYoung(start));
  }
  tlbs(start: number, end: number): Promise<Answer> {
    return real(() => this.core.archInvalidateSecondaryTlbs(start, end));
  }
  probe(): { seq: number; active: number } {
    return { seq: this.core.invalidateSeq, active: this.core.activeInvalidateRanges };
  }
}
